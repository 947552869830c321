/// @file
/// Logging in to X through GetXAPI to obtain an auth_token.
#pragma once

#include <getxapi/export.hpp>

#include <iosfwd>
#include <string>

namespace getxapi {

/// Credentials for POST /twitter/user_login. Printing it masks the secrets.
struct LoginRequest {
  std::string username;     ///< X handle (a leading '@' is stripped).
  std::string password;     ///< Secret.
  std::string email;        ///< Optional, but X often asks for it: pass it.
  std::string totp_secret;  ///< Optional base32 TOTP secret, for 2FA accounts. Secret.
};

/// The session GetXAPI returns. Only `auth_token` is needed for DM calls.
/// Printing it masks the tokens.
struct LoginResult {
  std::string auth_token;  ///< Secret: store it like a password.
  std::string ct0;         ///< Secret (CSRF token).
  std::string twid;        ///< `u=<user id>`.
};

GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, LoginRequest const& request);
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, LoginResult const& result);

}  // namespace getxapi
