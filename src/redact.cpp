#include "redact.hpp"

#include "json_util.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace getxapi::internal {

namespace {

constexpr std::array<std::string_view, 9> kSecretKeys = {
    "auth_token",    "password",     "totp_secret", "ct0",   "api_key",
    "authorization", "access_token", "apikey",      "secret"};

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

bool iequal_at(std::string_view text, std::size_t pos, std::string_view key) {
  if (pos + key.size() > text.size()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[pos + i])) != key[i]) return false;
  }
  return true;
}

// Where the value of a key ending at `pos` starts (past a closing quote,
// spaces and ':' or '='), or npos when no value follows.
std::size_t value_start(std::string_view text, std::size_t pos) {
  auto skip_spaces = [&] {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  };
  if (pos < text.size() && (text[pos] == '"' || text[pos] == '\'')) ++pos;
  skip_spaces();
  if (pos >= text.size() || (text[pos] != ':' && text[pos] != '=')) return std::string_view::npos;
  ++pos;
  skip_spaces();
  return pos;
}

// The end of the value starting at `pos`: past its closing quote (escapes
// honoured), or at the first delimiter of a bare word; the text's end if cut.
std::size_t value_end(std::string_view text, std::size_t pos) {
  if (pos < text.size() && text[pos] == '"') {
    for (++pos; pos < text.size(); ++pos) {
      if (text[pos] == '\\') {
        ++pos;
      } else if (text[pos] == '"') {
        return pos + 1;
      }
    }
    return text.size();
  }
  while (pos < text.size() &&
         std::string_view(",;&}] \t\r\n").find(text[pos]) == std::string_view::npos) {
    ++pos;
  }
  return pos;
}

}  // namespace

std::string mask_secret_text(std::string_view text) {
  std::string out;
  std::size_t copied = 0;
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    if (pos > 0 && is_name_char(text[pos - 1])) continue;
    for (auto const key : kSecretKeys) {
      if (!iequal_at(text, pos, key)) continue;
      std::size_t const end_of_key = pos + key.size();
      if (end_of_key < text.size() && is_name_char(text[end_of_key])) continue;
      std::size_t const start = value_start(text, end_of_key);
      if (start == std::string_view::npos || start >= text.size()) continue;
      if (text.compare(start, 4, "null") == 0) continue;
      std::size_t const end = value_end(text, start);
      out.append(text.substr(copied, start - copied));
      bool const quoted = text[start] == '"';
      out += quoted ? "\"***\"" : kMask;
      copied = end;
      pos = end - 1;
      break;
    }
  }
  out.append(text.substr(std::min(copied, text.size())));
  return out;
}

bool is_secret_key(std::string_view key) {
  std::string lower(key.size(), '\0');
  std::transform(key.begin(), key.end(), lower.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return std::find(kSecretKeys.begin(), kSecretKeys.end(), lower) != kSecretKeys.end();
}

void mask_secret_fields(nlohmann::json& value) {
  // Iterative, so a hostile, deeply nested body cannot overflow the stack.
  std::vector<nlohmann::json*> stack{&value};
  while (!stack.empty()) {
    nlohmann::json* node = stack.back();
    stack.pop_back();
    if (node->is_object()) {
      for (auto it = node->begin(); it != node->end(); ++it) {
        if (is_secret_key(it.key()) && !it.value().is_null()) {
          it.value() = kMask;
        } else if (it.value().is_structured()) {
          stack.push_back(&it.value());
        }
      }
    } else if (node->is_array()) {
      for (auto& element : *node) {
        if (element.is_structured()) stack.push_back(&element);
      }
    }
  }
}

void Redactor::add(std::string_view secret) {
  if (secret.size() < 4 || count_ == secrets_.size()) return;
  secrets_[count_++] = secret;
}

namespace {

void replace_all(std::string& out, std::string_view secret) {
  for (auto pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos)) {
    out.replace(pos, secret.size(), kMask);
    pos += sizeof(kMask) - 1;
  }
}

}  // namespace

std::string Redactor::scrub(std::string_view text) const {
  std::string out(text);
  for (std::size_t i = 0; i < count_; ++i) {
    std::string_view const secret = secrets_[i];
    replace_all(out, secret);
    // An echo inside a JSON string is re-serialised by body() with quotes,
    // backslashes and control characters escaped: scrub that spelling too.
    std::string escaped = nlohmann::json(std::string(secret))
                              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    escaped = escaped.substr(1, escaped.size() - 2);
    if (escaped != secret) replace_all(out, escaped);
  }
  return out;
}

std::string Redactor::body(std::string_view body, std::size_t max_bytes) const {
  std::string text;
  auto parsed = parse_json(body);
  if (!parsed.is_discarded() && parsed.is_structured()) {
    mask_secret_fields(parsed);
    text = parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    text = mask_secret_text(body);
  }
  text = scrub(text);
  if (text.size() > max_bytes) {
    text.resize(max_bytes);
    text += "...(" + std::to_string(body.size()) + " bytes)";
  }
  for (auto& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace getxapi::internal
