/// @file
/// The accounts a worker sends from: a pool, each with a daily cap and a health.
#pragma once

#include <getxapi/outbox/export.hpp>
#include <getxapi/result.hpp>

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace getxapi::outbox {

/// One account of a worker's pool. The token stays in memory: the store keeps
/// only the name and a fingerprint of the token.
struct Account {
  std::string name;        ///< Stable name, e.g. "alerts-1" (what `NewEntry::sender` names).
  std::string auth_token;  ///< Secret.
  int daily_cap = 500;     ///< Sends per UTC day, counted in the store across processes.
  /// May send message requests to users who do not follow it (kNotAllowedToDm otherwise).
  bool verified = false;
};

/// `NAME=ENV_VAR[:TIER]` as the CLI takes it. TIER: new | established | premium
/// (premium is verified), or a number (the cap). The token is not read here.
struct AccountSpec {
  std::string name;
  std::string env_var;
  int daily_cap = 500;
  bool verified = false;
};
GETXAPI_OUTBOX_EXPORT Result<AccountSpec> parse_account_spec(std::string_view text);

/// How an account is doing, as the store knows it.
enum class AccountHealth {
  kOk,        ///< Sending.
  kResting,   ///< Hit X's daily limit (or a long rate limit): rests until `rest_until`.
  kDisabled,  ///< Its token was refused (kAuthTokenInvalid): not used until its token changes.
};
GETXAPI_OUTBOX_EXPORT std::string_view to_string(AccountHealth health) noexcept;
GETXAPI_OUTBOX_EXPORT std::ostream& operator<<(std::ostream& os, AccountHealth health);

}  // namespace getxapi::outbox
