// Helpers shared by the sandbox's source files: strings, cursors, replies, secret masking.
// Not installed; nothing outside tools/sandbox includes it.
#ifndef GETXAPI_SANDBOX_INTERNAL_HPP_
#define GETXAPI_SANDBOX_INTERNAL_HPP_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace getxapi::sandbox::detail {

using json = nlohmann::json;

inline constexpr std::size_t kPageSize = 70;
inline constexpr std::size_t kMaxLoggedRequests = 10000;
inline constexpr std::size_t kMaxLoggedRawBody = 4096;
// Characters are Unicode code points, as X counts them, not UTF-8 bytes.
inline constexpr std::size_t kMaxDmLength = 10000;
inline constexpr std::int64_t kDayMs = 86400 * 1000LL;
inline constexpr char kInvalidApiKey[] = "Invalid or missing API key";
inline constexpr char kInvalidAuthToken[] = "Invalid auth_token - could not extract userId";

// ---- strings ----
std::string lower(std::string s);
bool starts_with(std::string const& s, std::string const& prefix);
bool is_digits(std::string const& s);
std::string trim(std::string const& s);
// Code points of UTF-8 text (a malformed byte counts as one).
std::size_t utf8_length(std::string const& s);
bool valid_base32(std::string const& raw);
// Numeric order of decimal ids of any length ("9" < "10").
bool id_less(std::string const& a, std::string const& b);

// ---- cursors ----
// Opaque, keyed-checksum cursors bound to a kind and an owner, so that hand-made or foreign
// cursors are refused like the real service refuses them.
std::string make_cursor(char kind, std::string const& owner, std::uint64_t pos);
std::optional<std::uint64_t> read_cursor(std::string const& cursor, char kind,
                                         std::string const& owner);

// ---- secret masking (request log) ----
bool is_secret_key(std::string const& key);
// Replaces secret values at any depth without recursion (a deeply nested body cannot
// overflow the stack).
void mask_json(json& j);
// Masks secrets by field name in any text: form bodies, truncated or broken JSON; then cuts
// it at kMaxLoggedRawBody.
std::string mask_text(std::string text);

// ---- replies ----
struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  bool drop = false;
};

std::string default_error_for(int status);
Reply json_reply(int status, json const& body);
Reply error_reply(int status, std::string const& message, json extra = json::object());

// Signals a 4xx from deep inside a handler without threading Reply through every helper.
struct Rejection {
  Reply reply;
};
[[noreturn]] void reject(int status, std::string const& message, json extra = json::object());

// ---- request bodies ----
// nullopt if absent, null or empty; 400 if present with another type.
std::optional<std::string> string_field(json const& body, char const* name);
std::string required_field(json const& body, char const* name);
// An optional integer in [lo, hi]; 400 otherwise.
std::optional<std::int64_t> int_field(json const& body, char const* name, std::int64_t lo,
                                      std::int64_t hi);
std::optional<bool> bool_field(json const& body, char const* name);

}  // namespace getxapi::sandbox::detail

#endif  // GETXAPI_SANDBOX_INTERNAL_HPP_
