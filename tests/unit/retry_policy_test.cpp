// Retry and backoff policies on their own.
#include <getxapi/clock.hpp>
#include <getxapi/retry_policy.hpp>

#include <fake_clock.hpp>

#include <gtest/gtest.h>

namespace getxapi {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FixedRandom;

Error http(ErrorCode code, int status, std::optional<int> twitter = {}) {
  Error e(code, "x");
  e.set_http_status(status).set_twitter_error_code(twitter);
  return e;
}

TEST(IsTransient, OnlyRateLimitsServerErrorsAndNetwork) {
  EXPECT_TRUE(http(ErrorCode::kRateLimited, 429).is_transient());
  EXPECT_TRUE(http(ErrorCode::kServerError, 500).is_transient());
  EXPECT_TRUE(http(ErrorCode::kServerError, 503).is_transient());
  EXPECT_TRUE(Error(ErrorCode::kNetwork, "reset").is_transient());
  EXPECT_TRUE(Error(ErrorCode::kTimeout, "slow").is_transient());
  EXPECT_FALSE(http(ErrorCode::kDailyLimitReached, 429, 502).is_transient());
  EXPECT_FALSE(Error(ErrorCode::kRateLimited, "local limiter").is_transient());
  for (auto code : {ErrorCode::kInvalidArgument, ErrorCode::kApiKeyRejected,
                    ErrorCode::kAuthTokenInvalid, ErrorCode::kLoginChallenge, ErrorCode::kForbidden,
                    ErrorCode::kCannotDm, ErrorCode::kNotAllowedToDm, ErrorCode::kNotFound,
                    ErrorCode::kInvalidResponse, ErrorCode::kBudgetExceeded, ErrorCode::kUnknown}) {
    EXPECT_FALSE(Error(code, "x").is_transient()) << code;
  }
}

TEST(LimitedRetryPolicy, Defaults) {
  LimitedRetryPolicy p;
  EXPECT_EQ(p.max_attempts(), 4);
  EXPECT_EQ(p.max_total(), seconds(60));
  EXPECT_EQ(p.max_single_wait(), seconds(30));
}

TEST(LimitedRetryPolicy, StopsAfterMaxAttempts) {
  LimitedRetryPolicy p(4);
  auto e = http(ErrorCode::kServerError, 503);
  EXPECT_TRUE(p.on_failure(e, milliseconds(0)));
  EXPECT_TRUE(p.on_failure(e, milliseconds(0)));
  EXPECT_TRUE(p.on_failure(e, milliseconds(0)));
  EXPECT_FALSE(p.on_failure(e, milliseconds(0)));
}

TEST(LimitedRetryPolicy, StopsWhenTimeIsUp) {
  LimitedRetryPolicy p(100, seconds(60));
  auto e = http(ErrorCode::kServerError, 503);
  EXPECT_TRUE(p.on_failure(e, seconds(59)));
  EXPECT_FALSE(p.on_failure(e, seconds(60)));
  EXPECT_EQ(p.time_left(seconds(45)), seconds(15));
  EXPECT_EQ(p.time_left(seconds(90)), milliseconds(0));
}

TEST(LimitedRetryPolicy, NeverRetriesPermanentErrors) {
  LimitedRetryPolicy p(10);
  EXPECT_FALSE(p.on_failure(http(ErrorCode::kNotFound, 404), milliseconds(0)));
  EXPECT_FALSE(p.is_retryable(http(ErrorCode::kDailyLimitReached, 429, 502)));
}

TEST(LimitedRetryPolicy, CloneStartsFresh) {
  LimitedRetryPolicy p(2);
  auto e = http(ErrorCode::kServerError, 500);
  EXPECT_TRUE(p.on_failure(e, milliseconds(0)));
  EXPECT_FALSE(p.on_failure(e, milliseconds(0)));
  auto copy = p.clone();
  EXPECT_TRUE(copy->on_failure(e, milliseconds(0)));
  EXPECT_EQ(copy->max_single_wait(), p.max_single_wait());
}

TEST(LimitedRetryPolicy, AtLeastOneAttempt) {
  LimitedRetryPolicy p(0);
  EXPECT_EQ(p.max_attempts(), 1);
  EXPECT_FALSE(p.on_failure(http(ErrorCode::kServerError, 500), milliseconds(0)));
}

TEST(NoRetryPolicy, NeverRetries) {
  NoRetryPolicy p;
  EXPECT_FALSE(p.on_failure(http(ErrorCode::kServerError, 503), milliseconds(0)));
  EXPECT_EQ(p.max_single_wait(), milliseconds(0));
  EXPECT_TRUE(p.clone());
}

TEST(ExponentialBackoff, FullJitterUnderFixedRandom) {
  FixedRandom half(0.5);
  ExponentialBackoffPolicy p;  // 500 ms, x2, 30 s cap
  std::vector<long long> delays;
  for (int i = 0; i < 9; ++i) delays.push_back(p.next_delay(half).count());
  EXPECT_EQ(delays,
            (std::vector<long long>{250, 500, 1000, 2000, 4000, 8000, 15000, 15000, 15000}));
}

TEST(ExponentialBackoff, JitterSpansZeroToTheCeiling) {
  FixedRandom zero(0.0);
  FixedRandom one(1.0);
  ExponentialBackoffPolicy a, b;
  EXPECT_EQ(a.next_delay(zero), milliseconds(0));
  EXPECT_EQ(b.next_delay(one), milliseconds(500));
  EXPECT_EQ(b.next_delay(one), milliseconds(1000));
  FixedRandom out_of_range(7.0);
  ExponentialBackoffPolicy c;
  EXPECT_EQ(c.next_delay(out_of_range), milliseconds(500));  // clamped
}

TEST(ExponentialBackoff, CustomParametersAndClone) {
  FixedRandom one(1.0);
  ExponentialBackoffPolicy p(milliseconds(100), milliseconds(1000), 3.0);
  EXPECT_EQ(p.next_delay(one), milliseconds(100));
  EXPECT_EQ(p.next_delay(one), milliseconds(300));
  auto fresh = p.clone();
  EXPECT_EQ(p.next_delay(one), milliseconds(900));
  EXPECT_EQ(p.next_delay(one), milliseconds(1000));
  EXPECT_EQ(fresh->next_delay(one), milliseconds(100));
}

}  // namespace
}  // namespace getxapi
