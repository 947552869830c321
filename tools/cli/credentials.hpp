// The credentials `getxapi auth login` stores: $XDG_CONFIG_HOME/getxapi/credentials.json
// (default ~/.config/getxapi/), mode 0600 in a 0700 directory, replaced atomically.
#pragma once

#include "context.hpp"

#include <getxapi/result.hpp>

#include <optional>
#include <string>

namespace getxapi::cli {

struct StoredCredentials {
  std::string api_key;
  std::string auth_token;
  std::string username;  ///< The account, when known (login flow, or found by `auth status`).
  std::string user_id;
};

/// $XDG_CONFIG_HOME/getxapi, else $HOME/.config/getxapi; nullopt when neither is set.
std::optional<std::string> config_directory(Environment const& env);
/// `<config_directory>/credentials.json`.
std::optional<std::string> credentials_path(Environment const& env);

/// The stored credentials; nullopt when there is no file. kStoreError when the file cannot be
/// read, is not ours (not JSON of this shape), or is readable by group or others (like ssh,
/// a secret file anyone can read is refused rather than used).
Result<std::optional<StoredCredentials>> load_credentials(std::string const& path);
/// Writes them (creating the directory 0700): a temporary file created 0600 in the same
/// directory, fsynced, then renamed over the old one, so a crash leaves the old file or the
/// new one, never half of one. Returns `true`; kStoreError on failure.
Result<bool> save_credentials(std::string const& path, StoredCredentials const& credentials);
/// Removes the file; `false` when there was none.
Result<bool> remove_credentials(std::string const& path);

}  // namespace getxapi::cli
