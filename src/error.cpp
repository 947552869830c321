#include <getxapi/error.hpp>

#include <ostream>

namespace getxapi {

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "kInvalidArgument";
    case ErrorCode::kApiKeyRejected:
      return "kApiKeyRejected";
    case ErrorCode::kAuthTokenInvalid:
      return "kAuthTokenInvalid";
    case ErrorCode::kLoginChallenge:
      return "kLoginChallenge";
    case ErrorCode::kForbidden:
      return "kForbidden";
    case ErrorCode::kCannotDm:
      return "kCannotDm";
    case ErrorCode::kNotAllowedToDm:
      return "kNotAllowedToDm";
    case ErrorCode::kNotFound:
      return "kNotFound";
    case ErrorCode::kRateLimited:
      return "kRateLimited";
    case ErrorCode::kDailyLimitReached:
      return "kDailyLimitReached";
    case ErrorCode::kServerError:
      return "kServerError";
    case ErrorCode::kNetwork:
      return "kNetwork";
    case ErrorCode::kTimeout:
      return "kTimeout";
    case ErrorCode::kInvalidResponse:
      return "kInvalidResponse";
    case ErrorCode::kBudgetExceeded:
      return "kBudgetExceeded";
    case ErrorCode::kStoreError:
      return "kStoreError";
    case ErrorCode::kBusy:
      return "kBusy";
    case ErrorCode::kUnknown:
      return "kUnknown";
  }
  return "kUnknown";
}

std::ostream& operator<<(std::ostream& os, ErrorCode code) { return os << to_string(code); }

bool Error::is_transient() const noexcept {
  switch (code_) {
    case ErrorCode::kRateLimited:
      // A local limiter refusal (no HTTP status) is not worth retrying blindly.
      return http_status_ == 429;
    case ErrorCode::kServerError:
    case ErrorCode::kNetwork:
    case ErrorCode::kTimeout:
      return true;
    default:
      return false;
  }
}

bool Error::is_recipient_refusal() const noexcept {
  switch (code_) {
    case ErrorCode::kCannotDm:
    case ErrorCode::kNotAllowedToDm:
    case ErrorCode::kForbidden:
    case ErrorCode::kNotFound:
    case ErrorCode::kInvalidArgument:
      return true;
    default:
      return false;
  }
}

bool Error::stops_run() const noexcept {
  switch (code_) {
    case ErrorCode::kApiKeyRejected:
    case ErrorCode::kAuthTokenInvalid:
    case ErrorCode::kLoginChallenge:
    case ErrorCode::kBudgetExceeded:
    case ErrorCode::kStoreError:
    case ErrorCode::kBusy:
      return true;
    default:
      return false;
  }
}

bool Error::may_have_taken_effect() const noexcept {
  // A 5xx came after the server read the request: it may have acted on it.
  if (code_ == ErrorCode::kServerError) return true;
  if (!request_sent_) return false;
  switch (code_) {
    case ErrorCode::kNetwork:
    case ErrorCode::kTimeout:
      return true;
    default:
      // The server said yes, but the answer could not be read.
      return http_status_ >= 200 && http_status_ < 300;
  }
}

std::ostream& operator<<(std::ostream& os, Error const& error) {
  os << error.code() << ": " << error.message();
  char const* sep = " [";
  auto field = [&](auto const& name, auto const& value) {
    os << sep << name << ' ' << value;
    sep = ", ";
  };
  if (error.http_status() != 0) field("http", error.http_status());
  if (error.twitter_error_code()) field("twitter", *error.twitter_error_code());
  if (error.challenge()) field("challenge", *error.challenge());
  if (error.retry_after()) field("retry_after", std::to_string(error.retry_after()->count()) + "s");
  if (error.attempts() != 0) field("attempts", error.attempts());
  if (*sep == ',') os << ']';
  return os;
}

}  // namespace getxapi
