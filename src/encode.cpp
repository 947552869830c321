#include "encode.hpp"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>

namespace getxapi::internal {
namespace {

// RFC 3986 unreserved characters: what curl_easy_escape leaves as they are.
bool is_unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void append_escaped(std::string& out, std::string_view value) {
  // Validated user names are always unreserved: skip the allocation and the
  // call on the hot path; anything else goes through libcurl.
  if (std::all_of(value.begin(), value.end(), is_unreserved)) {
    out += value;
    return;
  }
  // curl_easy_escape ignores its handle argument since 7.82; passing none
  // keeps encoding independent of any transport.
  std::unique_ptr<char, decltype(&curl_free)> escaped(
      curl_easy_escape(nullptr, value.data(), static_cast<int>(value.size())), &curl_free);
  if (escaped) out += escaped.get();
}

}  // namespace

std::string build_url(std::string_view base, std::string_view path,
                      std::vector<std::pair<std::string_view, std::string_view>> const& query) {
  std::string url;
  url.reserve(base.size() + path.size() + 64);
  url += base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += path;
  char sep = '?';
  for (auto const& [key, value] : query) {
    url += sep;
    append_escaped(url, key);
    url += '=';
    append_escaped(url, value);
    sep = '&';
  }
  return url;
}

std::string encode_login(LoginRequest const& request) {
  nlohmann::json body = {{"username", request.username}, {"password", request.password}};
  if (!request.email.empty()) body["email"] = request.email;
  if (!request.totp_secret.empty()) body["totp_secret"] = request.totp_secret;
  return body.dump();
}

std::string encode_send_dm(std::string_view auth_token, Recipient const& recipient,
                           std::string_view normalized_recipient, std::string_view text) {
  nlohmann::json body = {{"auth_token", auth_token}};
  body[recipient.is_id() ? "recipient_id" : "recipient_username"] = normalized_recipient;
  body["text"] = text;
  return body.dump();
}

std::string encode_list_dms(std::string_view auth_token, std::string_view cursor,
                            std::optional<int> count) {
  nlohmann::json body = {{"auth_token", auth_token}};
  if (!cursor.empty()) body["cursor"] = cursor;
  if (count) body["count"] = *count;
  return body.dump();
}

std::string encode_list_dms(ListDmsRequest const& request, std::string_view proxy) {
  nlohmann::json body = {{"auth_token", request.auth_token}};
  if (request.tab != InboxTab::kAll) body["tab"] = to_string(request.tab);
  if (!request.cursor.empty()) body["cursor"] = request.cursor;
  if (request.count) body["count"] = *request.count;
  if (!request.ct0.empty()) {
    body["ct0"] = request.ct0;
    body["twid"] = request.twid;
  }
  if (!proxy.empty()) body["proxy"] = proxy;
  return body.dump();
}

std::string encode_conversation(ConversationRequest const& request, std::string_view proxy) {
  nlohmann::json body = {{"auth_token", request.auth_token},
                         {"conversation_id", request.conversation_id}};
  if (!request.cursor.empty()) body["cursor"] = request.cursor;
  if (request.count) body["count"] = *request.count;
  if (!proxy.empty()) body["proxy"] = proxy;
  return body.dump();
}

}  // namespace getxapi::internal
