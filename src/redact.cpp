#include "redact.hpp"

#include "json_util.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace getxapi::internal {

bool is_secret_key(std::string_view key) {
  static constexpr std::array<std::string_view, 9> kSecretKeys = {
      "auth_token",    "password",     "totp_secret", "ct0",   "api_key",
      "authorization", "access_token", "apikey",      "secret"};
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
    text.assign(body);
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
