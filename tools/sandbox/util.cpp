// Small helpers: strings, cursors, replies and request-body fields.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "internal.hpp"

namespace getxapi::sandbox::detail {
namespace {

constexpr char kCursorKey[] = "getxapi-sandbox-cursor-v1";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::uint64_t fnv1a(std::string const& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string b64url_encode(std::string const& in) {
  std::string out;
  std::uint32_t buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kB64[(buf >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kB64[(buf << (6 - bits)) & 0x3f];
  return out;
}

std::optional<std::string> b64url_decode(std::string const& in) {
  std::string out;
  std::uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    char const* p = std::strchr(kB64, c);
    if (c == '\0' || p == nullptr) return std::nullopt;
    buf = (buf << 6) | static_cast<std::uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xff);
    }
  }
  return out;
}

std::string cursor_mac(std::string const& payload) {
  char mac[17];
  std::snprintf(mac, sizeof mac, "%016llx",
                static_cast<unsigned long long>(fnv1a(kCursorKey + payload)));
  return mac;
}

}  // namespace

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool starts_with(std::string const& s, std::string const& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool is_digits(std::string const& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::string trim(std::string const& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::size_t utf8_length(std::string const& s) {
  // Every byte that is not a continuation byte (10xxxxxx) starts a code point.
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool valid_base32(std::string const& raw) {
  std::string s;
  for (char c : raw) {
    if (c != ' ' && c != '-') s += c;
  }
  while (!s.empty() && s.back() == '=') s.pop_back();
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
  });
}

bool id_less(std::string const& a, std::string const& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

std::string make_cursor(char kind, std::string const& owner, std::uint64_t pos) {
  std::string const payload = std::string(1, kind) + ":" + owner + ":" + std::to_string(pos);
  return "DAAB" + b64url_encode(payload + ":" + cursor_mac(payload));
}

std::optional<std::uint64_t> read_cursor(std::string const& cursor, char kind,
                                         std::string const& owner) {
  if (!starts_with(cursor, "DAAB")) return std::nullopt;
  auto raw = b64url_decode(cursor.substr(4));
  if (!raw) return std::nullopt;
  auto const last = raw->rfind(':');
  if (last == std::string::npos) return std::nullopt;
  std::string const payload = raw->substr(0, last);
  if (raw->substr(last + 1) != cursor_mac(payload)) return std::nullopt;
  std::string const prefix = std::string(1, kind) + ":" + owner + ":";
  if (!starts_with(payload, prefix)) return std::nullopt;
  std::string const pos = payload.substr(prefix.size());
  if (!is_digits(pos) || pos.size() > 19) return std::nullopt;
  return std::stoull(pos);
}

std::string default_error_for(int status) {
  static std::pair<int, char const*> const kDefaults[] = {
      {400, "Bad request"},
      {401, kInvalidApiKey},
      {403, "Forbidden"},
      {404, "Not found"},
      {408, "Request timeout"},
      {410, "User has been suspended"},
      {422, "Login did not complete"},
      {423, "Account locked, unlock it, then retry."},
      {429, "Please try again shortly."},
      {500, "Internal server error"},
      {502, "Bad gateway"},
      {503, "Service temporarily unavailable. Try again shortly."},
      {504, "Gateway timeout"}};
  for (auto const& [code, text] : kDefaults) {
    if (code == status) return text;
  }
  return "Sandbox fault (status " + std::to_string(status) + ")";
}

Reply json_reply(int status, json const& body) {
  Reply r;
  r.status = status;
  // Raw request text in the request log may be invalid UTF-8: never let that throw.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Reply error_reply(int status, std::string const& message, json extra) {
  json body = {{"error", message}};
  for (auto it = extra.begin(); it != extra.end(); ++it) body[it.key()] = it.value();
  return json_reply(status, body);
}

void reject(int status, std::string const& message, json extra) {
  throw Rejection{error_reply(status, message, std::move(extra))};
}

std::optional<std::string> string_field(json const& body, char const* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) reject(400, std::string("Field ") + name + " must be a string");
  std::string v = it->get<std::string>();
  if (v.empty()) return std::nullopt;
  return v;
}

std::string required_field(json const& body, char const* name) {
  auto v = string_field(body, name);
  if (!v) reject(400, std::string("Missing required field: ") + name);
  return *v;
}

std::optional<std::int64_t> int_field(json const& body, char const* name, std::int64_t lo,
                                      std::int64_t hi) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  bool const ok = it->is_number_integer() &&
                  !(it->is_number_unsigned() && it->get<std::uint64_t>() > 0x7fffffffffffffffULL) &&
                  it->get<std::int64_t>() >= lo && it->get<std::int64_t>() <= hi;
  if (!ok) {
    reject(400, std::string("Field ") + name + " must be an integer between " + std::to_string(lo) +
                    " and " + std::to_string(hi));
  }
  return it->get<std::int64_t>();
}

std::optional<bool> bool_field(json const& body, char const* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) reject(400, std::string("Field ") + name + " must be a boolean");
  return it->get<bool>();
}

}  // namespace getxapi::sandbox::detail
