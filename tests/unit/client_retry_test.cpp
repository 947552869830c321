// Retry behaviour over every status of design.md section 2, in virtual time,
// asserting the exact sleep sequence under FixedRandom(0.5).
#include "unit_support.hpp"

#include <gtest/gtest.h>

namespace getxapi::unit {
namespace {

using nlohmann::json;
using Sleeps = std::vector<long long>;

struct StatusCase {
  std::string name;
  int status;
  json body;
  ErrorCode code;
  std::size_t requests;  // when the server keeps answering this
  Sleeps sleeps;
};

std::ostream& operator<<(std::ostream& os, StatusCase const& c) { return os << c.name; }

// Default policies: 4 attempts, 60 s, 30 s single-wait cap; backoff 500 ms x2
// full jitter, so FixedRandom(0.5) gives 250, 500, 1000 ms.
std::vector<StatusCase> const kStatusCases = {
    {"400", 400, {{"error", "Missing required field"}}, ErrorCode::kInvalidArgument, 1, {}},
    {"401_api_key",
     401,
     {{"error", "Invalid or missing API key"}},
     ErrorCode::kApiKeyRejected,
     1,
     {}},
    {"401_auth_token", 401, {{"error", "Invalid auth_token"}}, ErrorCode::kAuthTokenInvalid, 1, {}},
    {"401_code_32",
     401,
     {{"error", "Could not authenticate you"}, {"twitter_error_code", 32}},
     ErrorCode::kAuthTokenInvalid,
     1,
     {}},
    {"403", 403, {{"error", "Forbidden"}}, ErrorCode::kForbidden, 1, {}},
    {"403_349",
     403,
     {{"error", "Cannot send"}, {"twitter_error_code", 349}},
     ErrorCode::kCannotDm,
     1,
     {}},
    {"403_476",
     403,
     {{"error", "Not verified"}, {"twitter_error_code", 476}},
     ErrorCode::kNotAllowedToDm,
     1,
     {}},
    {"404", 404, {{"error", "Could not find user"}}, ErrorCode::kNotFound, 1, {}},
    {"410", 410, {{"error", "Suspended"}}, ErrorCode::kForbidden, 1, {}},
    {"422", 422, {{"error", "Login did not complete"}}, ErrorCode::kLoginChallenge, 1, {}},
    {"423", 423, {{"error", "Locked"}, {"challenge", "locked"}}, ErrorCode::kLoginChallenge, 1, {}},
    {"429_daily",
     429,
     {{"error", "daily limit"}, {"twitter_error_code", 502}},
     ErrorCode::kDailyLimitReached,
     1,
     {}},
    {"429_backoff",
     429,
     {{"error", "Too many requests"}},
     ErrorCode::kRateLimited,
     4,
     {250, 500, 1000}},
    {"429_retry_after_2",
     429,
     {{"error", "Please try again shortly."}, {"retry_after", 2}},
     ErrorCode::kRateLimited,
     4,
     {2000, 2000, 2000}},
    {"500",
     500,
     {{"error", "Internal server error"}},
     ErrorCode::kServerError,
     4,
     {250, 500, 1000}},
    {"502", 502, {{"error", "Bad gateway"}}, ErrorCode::kServerError, 4, {250, 500, 1000}},
    {"503",
     503,
     {{"error", "Service temporarily unavailable"}},
     ErrorCode::kServerError,
     4,
     {250, 500, 1000}},
};

class RetryByStatus : public ::testing::TestWithParam<StatusCase> {
 protected:
  Harness h;
};

TEST_P(RetryByStatus, PersistentAnswerOnIdempotentCall) {
  auto const& c = GetParam();
  h.transport->set_handler([&](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(c.status, c.body.dump());
  });
  auto result = h.client().list_dms(ListDmsRequest{kAuthToken, {}, {}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), c.code) << result.error();
  EXPECT_EQ(result.error().http_status(), c.status);
  EXPECT_EQ(result.error().attempts(), static_cast<int>(c.requests));
  EXPECT_EQ(h.transport->request_count(), c.requests);
  EXPECT_EQ(h.sleeps_ms(), c.sleeps);
}

TEST_P(RetryByStatus, OnceThenSuccess) {
  auto const& c = GetParam();
  h.transport->then(c.status, c.body.dump()).then(200, fixture("user_info.json"));
  auto result = h.client().user_info("ada_example");
  bool const retryable = c.requests > 1;
  EXPECT_EQ(result.ok(), retryable);
  EXPECT_EQ(h.transport->request_count(), retryable ? 2u : 1u);
  Sleeps const expected = retryable ? Sleeps{c.sleeps.front()} : Sleeps{};
  EXPECT_EQ(h.sleeps_ms(), expected);
}

INSTANTIATE_TEST_SUITE_P(DesignSection2, RetryByStatus, ::testing::ValuesIn(kStatusCases),
                         [](auto const& info) { return info.param.name; });

class ClientRetry : public ::testing::Test {
 protected:
  Harness h;
};

TEST_F(ClientRetry, TwoServiceUnavailableThenSuccess) {
  h.transport->then(503, error_body("busy"))
      .then(503, error_body("busy"))
      .then(200, fixture("user_info.json"));
  auto result = h.client().user_info("ada_example");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(h.transport->request_count(), 3u);
  EXPECT_EQ(h.sleeps_ms(), (Sleeps{250, 500}));
}

TEST_F(ClientRetry, PersistentServerErrorStopsAtFourAttempts) {
  h.transport->set_handler(
      [](HttpRequest const&) -> Result<HttpResponse> { return json_response(500, "{}"); });
  auto result = h.client().followers("ada_example");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kServerError);
  EXPECT_EQ(result.error().attempts(), 4);
  EXPECT_EQ(h.transport->request_count(), 4u);
  EXPECT_EQ(h.sleeps_ms(), (Sleeps{250, 500, 1000}));
}

TEST_F(ClientRetry, RetryAfterTwoSecondsSleepsExactly2000ms) {
  h.transport->then(429, json{{"error", "Please try again shortly."}, {"retry_after", 2}}.dump())
      .then(200, fixture("dm_list_page.json"));
  auto result = h.client().list_dms(ListDmsRequest{kAuthToken, {}, {}});
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(h.sleeps_ms(), Sleeps{2000});
}

TEST_F(ClientRetry, RetryAfterHeaderSeconds) {
  h.transport->then(429, error_body("slow"), {{"Retry-After", "3"}})
      .then(200, fixture("user_info.json"));
  ASSERT_TRUE(h.client().user_info("ada_example"));
  EXPECT_EQ(h.sleeps_ms(), Sleeps{3000});
}

TEST_F(ClientRetry, RetryAfterHeaderHttpDate) {
  // The fake clock is at Mon, 02 Mar 2026 10:00:00 GMT.
  h.transport->then(503, error_body("busy"), {{"Retry-After", "Mon, 02 Mar 2026 10:00:05 GMT"}})
      .then(200, fixture("user_info.json"));
  ASSERT_TRUE(h.client().user_info("ada_example"));
  EXPECT_EQ(h.sleeps_ms(), Sleeps{5000});
}

TEST_F(ClientRetry, RetryAfterPastTheSingleWaitCapReturnsAtOnce) {
  h.transport->then(429, json{{"error", "slow"}, {"retry_after", 31}}.dump());
  auto result = h.client().user_info("ada_example");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kRateLimited);
  EXPECT_EQ(result.error().retry_after(), seconds(31));
  EXPECT_EQ(result.error().attempts(), 1);
  EXPECT_TRUE(h.sleeps_ms().empty());
  EXPECT_EQ(h.transport->request_count(), 1u);
}

TEST_F(ClientRetry, RetryAfterHeaderPastTheCapReturnsAtOnce) {
  h.transport->then(429, error_body("slow"), {{"Retry-After", "3600"}});
  auto result = h.client().list_dms(ListDmsRequest{kAuthToken, {}, {}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().retry_after(), seconds(3600));
  EXPECT_TRUE(h.sleeps_ms().empty());
}

TEST_F(ClientRetry, RetryAfterExactlyAtTheCapIsWaited) {
  h.transport->then(429, json{{"error", "slow"}, {"retry_after", 30}}.dump())
      .then(200, fixture("user_info.json"));
  ASSERT_TRUE(h.client().user_info("ada_example"));
  EXPECT_EQ(h.sleeps_ms(), Sleeps{30000});
}

TEST_F(ClientRetry, DailyLimitIsNeverRetriedAndKeepsRetryAfter) {
  h.transport->then(
      429, json{{"error", "daily"}, {"twitter_error_code", 502}, {"retry_after", 5}}.dump());
  auto result = h.client().send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kDailyLimitReached);
  EXPECT_EQ(result.error().retry_after(), seconds(5));
  EXPECT_EQ(h.transport->request_count(), 1u);
  EXPECT_TRUE(h.sleeps_ms().empty());
}

TEST_F(ClientRetry, TotalTimeBoundedBySixtySeconds) {
  h.random = std::make_shared<FixedRandom>(1.0);
  auto options = h.options();
  options.retry_policy = std::make_shared<LimitedRetryPolicy>(100);
  h.transport->set_handler(
      [](HttpRequest const&) -> Result<HttpResponse> { return json_response(503, "{}"); });
  auto result = Client(options).user_info("ada_example");
  ASSERT_FALSE(result.ok());
  auto const sleeps = h.sleeps_ms();
  // Full ceilings, the last one cut to the time left.
  EXPECT_EQ(sleeps, (Sleeps{500, 1000, 2000, 4000, 8000, 16000, 28500}));
  long long total = 0;
  for (auto s : sleeps) total += s;
  EXPECT_EQ(total, 60000);
  EXPECT_EQ(result.error().attempts(), 8);
}

TEST_F(ClientRetry, SlowResponsesCountAgainstTheTotalTime) {
  h.transport->set_handler([&](HttpRequest const&) -> Result<HttpResponse> {
    h.clock->advance(seconds(25));
    return json_response(503, "{}");
  });
  auto result = h.client().user_info("ada_example");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().attempts(), 3);
  EXPECT_EQ(h.sleeps_ms(), (Sleeps{250, 500}));
}

TEST_F(ClientRetry, RetryAfterLongerThanTimeLeftReturnsAtOnce) {
  auto options = h.options();
  options.retry_policy = std::make_shared<LimitedRetryPolicy>(10);
  h.transport->set_handler([](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(429, json{{"error", "slow"}, {"retry_after", 25}}.dump());
  });
  auto result = Client(options).user_info("ada_example");
  ASSERT_FALSE(result.ok());
  // t=0 wait 25, t=25 wait 25, t=50: 25 > 10 left.
  EXPECT_EQ(h.sleeps_ms(), (Sleeps{25000, 25000}));
  EXPECT_EQ(result.error().attempts(), 3);
  EXPECT_EQ(result.error().retry_after(), seconds(25));
}

TEST_F(ClientRetry, CustomPolicies) {
  h.transport->set_handler(
      [](HttpRequest const&) -> Result<HttpResponse> { return json_response(500, "{}"); });
  auto options = h.options();
  options.retry_policy = std::make_shared<NoRetryPolicy>();
  EXPECT_EQ(Client(options).user_info("ada_example").error().attempts(), 1);
  EXPECT_TRUE(h.sleeps_ms().empty());

  options.retry_policy = std::make_shared<LimitedRetryPolicy>(3);
  options.backoff_policy =
      std::make_shared<ExponentialBackoffPolicy>(milliseconds(100), seconds(1), 3.0);
  EXPECT_EQ(Client(options).user_info("ada_example").error().attempts(), 3);
  EXPECT_EQ(h.sleeps_ms(), (Sleeps{50, 150}));
}

TEST_F(ClientRetry, EachCallStartsWithAFreshPolicy) {
  h.transport->set_handler(
      [](HttpRequest const&) -> Result<HttpResponse> { return json_response(503, "{}"); });
  auto client = h.client();
  EXPECT_EQ(client.user_info("ada_example").error().attempts(), 4);
  EXPECT_EQ(client.user_info("ada_example").error().attempts(), 4);
  EXPECT_EQ(h.sleeps_ms(), (Sleeps{250, 500, 1000, 250, 500, 1000}));
}

TEST_F(ClientRetry, NetworkErrorsRetriedOnReads) {
  h.transport->then(Result<HttpResponse>(Error(ErrorCode::kNetwork, "connection reset")))
      .then(Result<HttpResponse>(Error(ErrorCode::kTimeout, "timed out").set_request_sent(true)))
      .then(200, fixture("user_info.json"));
  ASSERT_TRUE(h.client().user_info("ada_example"));
  EXPECT_EQ(h.transport->request_count(), 3u);
  EXPECT_EQ(h.sleeps_ms(), (Sleeps{250, 500}));
}

TEST_F(ClientRetry, SendRetriedFreelyWhenNothingCouldHaveLanded) {
  // 429 and a connect failure (request not sent) cannot have delivered.
  h.transport->then(429, error_body("slow"))
      .then(Result<HttpResponse>(Error(ErrorCode::kNetwork, "connect refused")))
      .then(200, fixture("dm_send.json"));
  auto sent = h.client().send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"});
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_FALSE(sent->recovered);
  ASSERT_EQ(h.transport->request_count(), 3u);
  for (auto const& r : h.transport->requests())
    EXPECT_EQ(r.url, "https://api.test/twitter/dm/send");
}

TEST_F(ClientRetry, SendServerErrorNotRepeatedWithoutDuplicateSafety) {
  auto options = h.options();
  options.duplicate_safe_send = false;
  h.transport->then(500, error_body("oops")).then(200, fixture("dm_send.json"));
  auto sent = Client(options).send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"});
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code(), ErrorCode::kServerError);
  EXPECT_TRUE(sent.error().request_sent());
  EXPECT_EQ(sent.error().attempts(), 1);
  EXPECT_EQ(h.transport->request_count(), 1u);
}

// ---- on_wait ------------------------------------------------------------

TEST_F(ClientRetry, OnWaitSeesEveryWait) {
  std::vector<WaitEvent> events;
  auto options = h.options();
  options.on_wait = [&](WaitEvent const& e) {
    events.push_back(e);
    return true;
  };
  h.transport->then(503, error_body("busy"))
      .then(429, json{{"error", "slow"}, {"retry_after", 2}}.dump())
      .then(200, fixture("user_info.json"));
  ASSERT_TRUE(Client(options).user_info("ada_example"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].endpoint, Endpoint::kUserInfo);
  EXPECT_EQ(events[0].reason, WaitReason::kBackoff);
  EXPECT_EQ(events[0].delay, milliseconds(250));
  EXPECT_EQ(events[0].attempts, 1);
  ASSERT_TRUE(events[0].error);
  EXPECT_EQ(events[0].error->code(), ErrorCode::kServerError);
  EXPECT_EQ(events[1].reason, WaitReason::kRetryAfter);
  EXPECT_EQ(events[1].delay, milliseconds(2000));
  EXPECT_EQ(events[1].attempts, 2);
  EXPECT_EQ(events[1].error->http_status(), 429);
  EXPECT_EQ(h.sleeps_ms(), (Sleeps{250, 2000}));
}

TEST_F(ClientRetry, OnWaitReturningFalseCancels) {
  int calls = 0;
  auto options = h.options();
  options.on_wait = [&](WaitEvent const&) {
    ++calls;
    return false;
  };
  h.transport->then(429, json{{"error", "slow"}, {"retry_after", 2}}.dump())
      .then(200, fixture("user_info.json"));
  auto result = Client(options).user_info("ada_example");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kRateLimited);
  EXPECT_EQ(result.error().retry_after(), seconds(2));
  EXPECT_EQ(result.error().attempts(), 1);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(h.sleeps_ms().empty());
  EXPECT_EQ(h.transport->request_count(), 1u);
}

}  // namespace
}  // namespace getxapi::unit
