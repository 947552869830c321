#include "error_mapping.hpp"

#include "decode.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace getxapi::internal {
namespace {

bool contains_ci(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a)) ==
                                 std::tolower(static_cast<unsigned char>(b));
                        });
  return it != haystack.end();
}

bool uses_auth_token(Endpoint endpoint) {
  return endpoint == Endpoint::kDmSend || endpoint == Endpoint::kDmList ||
         endpoint == Endpoint::kDmConversation;
}

ErrorCode code_for_401(Endpoint endpoint, ErrorBody const& body) {
  if (body.challenge) return ErrorCode::kLoginChallenge;
  if (body.twitter_error_code == 32) return ErrorCode::kAuthTokenInvalid;
  if (contains_ci(body.message, "api key") || contains_ci(body.message, "api_key") ||
      contains_ci(body.message, "apikey")) {
    return ErrorCode::kApiKeyRejected;
  }
  if (contains_ci(body.message, "auth_token") || contains_ci(body.message, "auth token")) {
    return ErrorCode::kAuthTokenInvalid;
  }
  if (endpoint == Endpoint::kLogin) return ErrorCode::kLoginChallenge;
  // An unexplained 401 on a call that carries an auth_token is most likely
  // about that token; elsewhere only the API key was sent.
  return uses_auth_token(endpoint) ? ErrorCode::kAuthTokenInvalid : ErrorCode::kApiKeyRejected;
}

ErrorCode code_for(Endpoint endpoint, int status, ErrorBody const& body) {
  if (status == 429) {
    return body.twitter_error_code == 502 ? ErrorCode::kDailyLimitReached : ErrorCode::kRateLimited;
  }
  if (status >= 500 && status <= 599) return ErrorCode::kServerError;
  switch (status) {
    case 400:
    case 413:
      return ErrorCode::kInvalidArgument;
    case 401:
      return code_for_401(endpoint, body);
    case 403:
      if (body.twitter_error_code == 349) return ErrorCode::kCannotDm;
      if (body.twitter_error_code == 476) return ErrorCode::kNotAllowedToDm;
      if (body.challenge) return ErrorCode::kLoginChallenge;
      return ErrorCode::kForbidden;
    case 404:
      return ErrorCode::kNotFound;
    case 408:
      return ErrorCode::kTimeout;
    case 410:
      return ErrorCode::kForbidden;
    case 422:
    case 423:
      return ErrorCode::kLoginChallenge;
    default:
      break;
  }
  if (body.challenge) return ErrorCode::kLoginChallenge;
  return ErrorCode::kUnknown;
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, Timestamp now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
    value.remove_suffix(1);
  }
  if (value.empty() || value.size() > 64) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return std::chrono::seconds(999'999'999);
    return std::chrono::seconds(std::stoll(std::string(value)));
  }
  std::string const date(value);
  time_t const when = curl_getdate(date.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  // In whole seconds: from_time_t converts to the clock's nanoseconds, and a
  // date centuries away (curl parses years up to 9999 and beyond) overflows.
  // Flooring `now` makes the difference the ceiling of the exact one.
  auto const now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (when <= now_s) return std::chrono::seconds(0);
  if (when - now_s > 999'999'999) return std::chrono::seconds(999'999'999);
  return std::chrono::seconds(when - now_s);
}

Error map_http_error(Endpoint endpoint, HttpResponse const& response, Timestamp now) {
  ErrorBody body = decode_error_body(response.body);
  ErrorCode const code = code_for(endpoint, response.status, body);
  std::string message = "HTTP " + std::to_string(response.status) + " from " +
                        std::string(endpoint_path(endpoint)) + ": ";
  if (!body.message.empty()) {
    message += body.message.size() > 500 ? body.message.substr(0, 500) + "..." : body.message;
  } else if (response.status >= 300 && response.status < 400) {
    message += "unexpected redirect (not followed)";
  } else {
    message += "no error message in the response";
  }
  auto retry_after = body.retry_after;
  if (auto header = parse_retry_after(find_header(response.headers, "retry-after"), now)) {
    retry_after = retry_after ? std::max(*retry_after, *header) : *header;
  }
  Error error(code, std::move(message));
  error.set_http_status(response.status)
      .set_twitter_error_code(body.twitter_error_code)
      .set_challenge(std::move(body.challenge))
      .set_retry_after(retry_after)
      .set_endpoint(std::string(endpoint_path(endpoint)))
      .set_request_sent(true);
  return error;
}

}  // namespace getxapi::internal
