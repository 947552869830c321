// Secret masking for everything that leaves the library as text: log lines,
// error messages, printed values. Allowlist in spirit: JSON values under
// secret keys are always masked, and the exact secrets of the call in hand
// are scrubbed from any text as a second line of defence.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace getxapi::internal {

inline constexpr char kMask[] = "***";

/// True for JSON keys whose values are secrets (auth_token, password, ...).
bool is_secret_key(std::string_view key);

/// Masks the values of secret keys anywhere in `value` (in place).
void mask_secret_fields(nlohmann::json& value);

/// `text` with the value after every secret key name masked, whatever the
/// text is: JSON that does not parse (a duplicate key, cut short), a query
/// string, `key=value` pairs. A key counts when it stands alone (not part of
/// a longer name) and is followed by `:` or `=`; its value is a quoted string
/// (to the closing quote, or the end of a truncated text) or a bare word.
std::string mask_secret_text(std::string_view text);

class Redactor {
 public:
  Redactor() = default;
  /// Remembers `secret` to scrub (ignored when shorter than 4 bytes, which
  /// could not be told apart from ordinary text). Only a view is kept: the
  /// secret must outlive the Redactor. Nothing is allocated here, since
  /// every call builds one and most never print anything.
  void add(std::string_view secret);
  /// `text` with every remembered secret replaced by "***".
  std::string scrub(std::string_view text) const;
  /// A request or response body for a log line: JSON gets its secret fields
  /// masked, anything else is masked by key name (`mask_secret_text`); both
  /// are scrubbed and cut to `max_bytes`.
  std::string body(std::string_view body, std::size_t max_bytes = 2048) const;

 private:
  std::array<std::string_view, 8> secrets_{};
  std::size_t count_ = 0;
};

}  // namespace getxapi::internal
