/// @file
/// Typed errors returned by every getxapi call.
#pragma once

#include <getxapi/export.hpp>

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace getxapi {

/// What went wrong, as a program should act on it. The comments say which
/// HTTP status and GetXAPI body fields map to each code.
enum class ErrorCode {
  kInvalidArgument,    ///< Rejected before any request was sent (or HTTP 400).
  kApiKeyRejected,     ///< 401 on the GetXAPI API key.
  kAuthTokenInvalid,   ///< 401 on the X auth_token, or twitter code 32.
  kLoginChallenge,     ///< 401 totp_required, 422, 423, or a `challenge` field.
  kForbidden,          ///< 403 other than 349 / 476, and 410 (suspended).
  kCannotDm,           ///< 403 + twitter code 349: the recipient does not accept DMs.
  kNotAllowedToDm,     ///< 403 + twitter code 476: the sender may not send message requests.
  kNotFound,           ///< 404.
  kRateLimited,        ///< 429 (retry_after() says how long), or a local pacing limit.
  kDailyLimitReached,  ///< 429 + twitter code 502, or the local daily send cap.
  kServerError,        ///< 5xx after retries.
  kNetwork,            ///< Connect, reset, DNS or TLS failure.
  kTimeout,            ///< The configured timeout passed.
  kInvalidResponse,    ///< The body is not JSON or not the documented shape.
  kBudgetExceeded,     ///< The client's spend limit would be passed; nothing was sent.
  kStoreError,         ///< A durable store (journal, outbox, watcher state) failed: I/O, a full
                       ///< disk, a file that is not ours. What was journaled is kept.
  kBusy,               ///< Another process holds the store's run lock (a campaign already running).
  kUnknown,            ///< Anything else (an undocumented status code).
};

/// The enumerator's name, e.g. "kCannotDm".
GETXAPI_EXPORT std::string_view to_string(ErrorCode code) noexcept;
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, ErrorCode code);

/// A failed call. A plain value: cheap to copy, safe to print. The message
/// never contains the API key, an auth_token, a password or a TOTP secret.
class GETXAPI_EXPORT Error {
 public:
  Error() = default;
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  /// The category of failure; switch on this.
  ErrorCode code() const noexcept { return code_; }
  /// Human-readable detail (the server's own words when it sent any).
  std::string const& message() const noexcept { return message_; }
  /// The HTTP status of the last response, or 0 when none was received.
  int http_status() const noexcept { return http_status_; }
  /// X's own error code (`twitter_error_code`), present only when X failed.
  std::optional<int> twitter_error_code() const { return twitter_error_code_; }
  /// The login challenge (`totp_required`, `locked`, ...), when one was set.
  std::optional<std::string> const& challenge() const noexcept { return challenge_; }
  /// How long the server (or a local limiter) asked to wait before trying again.
  std::optional<std::chrono::seconds> retry_after() const { return retry_after_; }
  /// Requests actually sent for this call, retries included (0 when refused locally).
  int attempts() const noexcept { return attempts_; }
  /// True when a request body reached the network before the failure, so a
  /// non-idempotent call (dm/send) may have taken effect on the server.
  bool request_sent() const noexcept { return request_sent_; }
  /// The one place that decides whether the failed call may have taken effect
  /// on the server anyway (for dm/send: the DM may have been delivered), so a
  /// caller must check before repeating it: a 5xx; a dropped connection or a
  /// timeout after the request went out; a 2xx answer that could not be read
  /// (kInvalidResponse with `http_status()` 2xx). False for everything the
  /// server refused (4xx) and everything refused before sending.
  bool may_have_taken_effect() const noexcept;
  /// The API path of the call that failed, e.g. "/twitter/dm/send" (empty if local).
  std::string const& endpoint() const noexcept { return endpoint_; }

  /// True for failures that retrying may fix: 429 (not the daily limit), 5xx,
  /// network errors and timeouts.
  bool is_transient() const noexcept;

  /// True when the request was refused about its recipient (or its own
  /// arguments) for good: sending it again will not help, another recipient
  /// may fare better. kCannotDm, kNotAllowedToDm (this sender may not message
  /// this recipient), kForbidden, kNotFound, kInvalidArgument. The durable
  /// components record the recipient as failed and go on with the others.
  bool is_recipient_refusal() const noexcept;

  /// True when no other recipient would fare better: whatever runs these
  /// calls (a campaign, a worker, a watcher) should stop until a human acts.
  /// kApiKeyRejected, kAuthTokenInvalid, kLoginChallenge (the credentials),
  /// kBudgetExceeded (the spend limit), kStoreError, kBusy (the store). A
  /// component may narrow it where it has a way out (the outbox retires one
  /// account of a pool; the watcher's budget refills the next day).
  bool stops_run() const noexcept;

  Error& set_http_status(int status) {
    http_status_ = status;
    return *this;
  }
  Error& set_twitter_error_code(std::optional<int> code) {
    twitter_error_code_ = code;
    return *this;
  }
  Error& set_challenge(std::optional<std::string> challenge) {
    challenge_ = std::move(challenge);
    return *this;
  }
  Error& set_retry_after(std::optional<std::chrono::seconds> retry_after) {
    retry_after_ = retry_after;
    return *this;
  }
  Error& set_attempts(int attempts) {
    attempts_ = attempts;
    return *this;
  }
  Error& set_request_sent(bool sent) {
    request_sent_ = sent;
    return *this;
  }
  Error& set_endpoint(std::string endpoint) {
    endpoint_ = std::move(endpoint);
    return *this;
  }
  Error& set_message(std::string message) {
    message_ = std::move(message);
    return *this;
  }

 private:
  ErrorCode code_ = ErrorCode::kUnknown;
  std::string message_;
  int http_status_ = 0;
  std::optional<int> twitter_error_code_;
  std::optional<std::string> challenge_;
  std::optional<std::chrono::seconds> retry_after_;
  int attempts_ = 0;
  bool request_sent_ = false;
  std::string endpoint_;
};

/// Prints `kCode: message [http 403, twitter 349, retry_after 2s, attempts 1]`.
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, Error const& error);

}  // namespace getxapi
