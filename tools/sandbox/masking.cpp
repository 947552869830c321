// Secret masking for the request log. Nothing here recurses and nothing depends on the body
// parsing: a truncated or broken JSON body is masked by field name in its raw text.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include "internal.hpp"

namespace getxapi::sandbox::detail {
namespace {

// Key names whose values never leave the sandbox in logs or in /_sandbox/requests.
constexpr std::array<char const*, 10> kSecretKeys = {
    "auth_token", "password", "totp_secret", "ct0",   "authorization",
    "api_key",    "apikey",   "x-api-key",   "token", "access_token"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// End of a JSON string value starting after its opening quote at `i`, honouring escapes;
// the text's end when it is cut off. With `escaped_quotes` the value is itself inside a JSON
// string (`\"secret\"`), so it ends at the next `\"`.
std::size_t string_value_end(std::string const& t, std::size_t i, bool escaped_quotes) {
  while (i < t.size()) {
    if (escaped_quotes && t.compare(i, 2, "\\\"") == 0) return i;
    if (!escaped_quotes && t[i] == '"') return i;
    if (!escaped_quotes && t[i] == '\\') ++i;
    ++i;
  }
  return t.size();
}

std::size_t bare_value_end(std::string const& t, std::size_t i) {
  while (i < t.size() && std::strchr(",}]&;\"", t[i]) == nullptr && !is_space(t[i])) ++i;
  return i;
}

// At `pos` a secret key name of `len` bytes starts. If it is a JSON key ("key": value, also
// inside an escaped JSON string) or a form field (key=value), returns the value's [begin, end).
std::optional<std::pair<std::size_t, std::size_t>> secret_value_at(std::string const& t,
                                                                   std::size_t pos,
                                                                   std::size_t len) {
  std::size_t i = pos + len;
  bool const quoted = pos > 0 && t[pos - 1] == '"';
  bool const form_start =
      pos == 0 || std::strchr("&?;", t[pos - 1]) != nullptr || is_space(t[pos - 1]);
  if (!quoted) {
    if (!form_start || i >= t.size() || t[i] != '=') return std::nullopt;
    std::size_t const b = i + 1;
    std::size_t e = b;
    while (e < t.size() && t[e] != '&' && !is_space(t[e])) ++e;
    return std::make_pair(b, e);
  }
  bool const escaped = pos > 1 && t[pos - 2] == '\\';
  if (escaped) {
    if (t.compare(i, 2, "\\\"") != 0) return std::nullopt;
    i += 2;
  } else {
    if (i >= t.size() || t[i] != '"') return std::nullopt;
    ++i;
  }
  while (i < t.size() && is_space(t[i])) ++i;
  if (i >= t.size() || t[i] != ':') return std::nullopt;
  ++i;
  while (i < t.size() && is_space(t[i])) ++i;
  if (escaped && t.compare(i, 2, "\\\"") == 0) {
    return std::make_pair(i + 2, string_value_end(t, i + 2, true));
  }
  if (i < t.size() && t[i] == '"') return std::make_pair(i + 1, string_value_end(t, i + 1, false));
  return std::make_pair(i, bare_value_end(t, i));
}

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

}  // namespace

bool is_secret_key(std::string const& key) {
  std::string const k = lower(key);
  return std::any_of(kSecretKeys.begin(), kSecretKeys.end(), [&](char const* s) { return k == s; });
}

void mask_json(json& root) {
  std::vector<json*> todo{&root};
  while (!todo.empty()) {
    json* j = todo.back();
    todo.pop_back();
    if (j->is_object()) {
      for (auto it = j->begin(); it != j->end(); ++it) {
        if (is_secret_key(it.key())) {
          if (!it.value().is_null()) it.value() = "***";
        } else {
          todo.push_back(&it.value());
        }
      }
    } else if (j->is_array()) {
      for (auto& e : *j) todo.push_back(&e);
    }
  }
}

std::string mask_text(std::string text) {
  std::string const folded = lower(text);
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;
  std::size_t i = 0;
  while (i < folded.size()) {
    bool masked = false;
    if (is_key_char(folded[i]) && (i == 0 || !is_key_char(folded[i - 1]))) {
      for (char const* key : kSecretKeys) {
        std::size_t const len = std::strlen(key);
        if (folded.compare(i, len, key) != 0) continue;
        if (i + len < folded.size() && is_key_char(folded[i + len])) continue;
        auto value = secret_value_at(folded, i, len);
        if (!value) continue;
        out.append(text, copied, value->first - copied);
        out += "***";
        copied = i = value->second;
        masked = true;
        break;
      }
    }
    if (!masked) ++i;
  }
  out.append(text, copied, std::string::npos);
  if (out.size() > kMaxLoggedRawBody) {
    std::size_t cut = kMaxLoggedRawBody;
    // Never split a UTF-8 sequence.
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out = out.substr(0, cut) + "...";
  }
  return out;
}

}  // namespace getxapi::sandbox::detail
