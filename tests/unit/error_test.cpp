// The decisions Error makes once for every component (issue #12): is it
// worth retrying, may it have taken effect, was this recipient refused for
// good, must the run stop. Each predicate over every ErrorCode, so a new code
// cannot slip in without someone deciding what it means.
#include <getxapi/error.hpp>

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <vector>

namespace {

using getxapi::Error;
using getxapi::ErrorCode;

// Every enumerator, in declaration order; kUnknown is the last one.
std::vector<ErrorCode> all_codes() {
  std::vector<ErrorCode> codes;
  for (int i = 0;; ++i) {
    auto const code = static_cast<ErrorCode>(i);
    codes.push_back(code);
    if (code == ErrorCode::kUnknown) break;
  }
  return codes;
}

TEST(ErrorCodes, EveryCodeHasItsOwnName) {
  std::set<std::string> names;
  for (auto code : all_codes()) {
    auto const name = std::string(getxapi::to_string(code));
    EXPECT_EQ(name.rfind('k', 0), 0U) << name;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_EQ(names.size(), 18U) << "a new ErrorCode: decide its predicates below";
}

TEST(ErrorPredicates, RecipientRefusalIsExactlyTheRecipientCodes) {
  std::set<ErrorCode> const expected = {ErrorCode::kCannotDm, ErrorCode::kNotAllowedToDm,
                                        ErrorCode::kForbidden, ErrorCode::kNotFound,
                                        ErrorCode::kInvalidArgument};
  for (auto code : all_codes()) {
    Error const e(code, "x");
    EXPECT_EQ(e.is_recipient_refusal(), expected.count(code) == 1) << code;
    // Whatever the server said, it is the code that decides.
    EXPECT_EQ(Error(e).set_http_status(403).set_request_sent(true).is_recipient_refusal(),
              expected.count(code) == 1)
        << code;
  }
}

TEST(ErrorPredicates, StopsRunIsExactlyCredentialsBudgetAndStore) {
  std::set<ErrorCode> const expected = {ErrorCode::kApiKeyRejected, ErrorCode::kAuthTokenInvalid,
                                        ErrorCode::kLoginChallenge, ErrorCode::kBudgetExceeded,
                                        ErrorCode::kStoreError,     ErrorCode::kBusy};
  for (auto code : all_codes()) {
    Error const e(code, "x");
    EXPECT_EQ(e.stops_run(), expected.count(code) == 1) << code;
    EXPECT_EQ(Error(e).set_http_status(401).set_request_sent(true).stops_run(),
              expected.count(code) == 1)
        << code;
  }
}

TEST(ErrorPredicates, NoCodeIsBothARefusalAndAStopNorTransient) {
  for (auto code : all_codes()) {
    Error e(code, "x");
    e.set_http_status(429);
    int const decisions =
        int(e.is_recipient_refusal()) + int(e.stops_run()) + int(e.is_transient());
    EXPECT_LE(decisions, 1) << code;
  }
}

TEST(ErrorPredicates, TransientCodes) {
  for (auto code : all_codes()) {
    bool const expected = code == ErrorCode::kServerError || code == ErrorCode::kNetwork ||
                          code == ErrorCode::kTimeout;
    EXPECT_EQ(Error(code, "x").is_transient(), expected) << code;
  }
  // 429 from the server is worth retrying; a local pacing refusal is not.
  EXPECT_TRUE(Error(ErrorCode::kRateLimited, "x").set_http_status(429).is_transient());
  EXPECT_FALSE(Error(ErrorCode::kRateLimited, "x").is_transient());
  EXPECT_FALSE(Error(ErrorCode::kDailyLimitReached, "x").set_http_status(429).is_transient());
}

TEST(ErrorPredicates, MayHaveTakenEffectOverEveryCode) {
  for (auto code : all_codes()) {
    // Refused before sending: nothing can have happened, except a 5xx (which
    // only comes back after the server read the request).
    EXPECT_EQ(Error(code, "x").may_have_taken_effect(), code == ErrorCode::kServerError) << code;
    // Sent, no answer: only a drop or a timeout leaves the outcome open.
    EXPECT_EQ(Error(code, "x").set_request_sent(true).may_have_taken_effect(),
              code == ErrorCode::kServerError || code == ErrorCode::kNetwork ||
                  code == ErrorCode::kTimeout)
        << code;
    // Sent, a 4xx answer: the server refused it (a 5xx code still counts).
    EXPECT_EQ(Error(code, "x").set_request_sent(true).set_http_status(403).may_have_taken_effect(),
              code == ErrorCode::kServerError || code == ErrorCode::kNetwork ||
                  code == ErrorCode::kTimeout)
        << code;
    // Sent, a 2xx that could not be used: the server said yes.
    EXPECT_TRUE(
        Error(code, "x").set_request_sent(true).set_http_status(200).may_have_taken_effect())
        << code;
  }
}

TEST(ErrorPrinting, FieldsInBrackets) {
  std::ostringstream os;
  os << Error(ErrorCode::kCannotDm, "no").set_http_status(403).set_twitter_error_code(349);
  EXPECT_EQ(os.str(), "kCannotDm: no [http 403, twitter 349]");
}

}  // namespace
