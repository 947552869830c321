// Local pacing through the client, simulated over virtual time: the dm/list
// window against a strict fake server, send delay, the daily cap across
// midnight, kWait vs kFail.
#include "unit_support.hpp"

#include <gtest/gtest.h>

#include <deque>

namespace getxapi::unit {
namespace {

using std::chrono::minutes;
using Sleeps = std::vector<long long>;

// A server that answers 429 once a 15-minute rolling window holds 900 calls.
class StrictDmListServer {
 public:
  StrictDmListServer(Harness& h, milliseconds latency = {}) : h_(h), latency_(latency) {
    h.transport->set_handler([this](HttpRequest const&) -> Result<HttpResponse> {
      auto const now = h_.clock->steady_now();
      while (!window_.empty() && window_.front() + minutes(15) <= now) window_.pop_front();
      if (first_ == decltype(first_){}) first_ = now;
      last_ = now;
      h_.clock->advance(latency_);
      if (window_.size() >= 900) {
        ++rejected_;
        return json_response(429, R"({"error":"Too many requests","retry_after":60})");
      }
      window_.push_back(now);
      ++served_;
      return json_response(200, R"({"has_more":false,"next_cursor":null,"messages":[]})");
    });
  }
  int rejected() const { return rejected_; }
  int served() const { return served_; }
  milliseconds elapsed() const { return std::chrono::duration_cast<milliseconds>(last_ - first_); }

 private:
  Harness& h_;
  milliseconds latency_;
  std::deque<std::chrono::steady_clock::time_point> window_;
  std::chrono::steady_clock::time_point first_{}, last_{};
  int rejected_ = 0;
  int served_ = 0;
};

void run_dm_list_calls(Harness& h, StrictDmListServer const& server, int n) {
  auto client = h.client();
  for (int i = 0; i < n; ++i) {
    auto page = client.list_dms(ListDmsRequest{kAuthToken, {}, {}});
    ASSERT_TRUE(page.ok()) << i << ": " << page.error();
  }
  EXPECT_EQ(server.rejected(), 0);
  EXPECT_EQ(server.served(), n);
  // The fastest any client could go: a burst of 900 at the start of each window.
  auto const fastest = minutes(15) * ((n - 1) / 900);
  auto const took = server.elapsed();
  ASSERT_GT(took.count(), 0);
  double const efficiency =
      static_cast<double>(std::chrono::duration_cast<milliseconds>(fastest).count()) /
      static_cast<double>(took.count());
  EXPECT_GE(efficiency, 0.98) << "took " << took.count() << " ms";
  auto const stats = client.stats().at(Endpoint::kDmList);
  EXPECT_EQ(stats.requests, n);
  EXPECT_EQ(stats.retries, 0);
}

TEST(ClientPacing, TenThousandDmListCallsNever429AndReachTheCeiling) {
  Harness h;
  StrictDmListServer server(h);
  run_dm_list_calls(h, server, 10'000);
  for (auto s : h.sleeps_ms()) EXPECT_LE(s, 15 * 60 * 1000 + 10);
}

TEST(ClientPacing, WithLatencyStillNever429AndReachTheCeiling) {
  Harness h;
  StrictDmListServer server(h, milliseconds(150));
  run_dm_list_calls(h, server, 3'000);
}

TEST(ClientPacing, WaitsAreReportedAsRateLimit) {
  Harness h;
  auto options = h.options();
  options.pacing.set_limit(Endpoint::kDmList, RateLimit{2, seconds(10)});
  std::vector<WaitEvent> events;
  options.on_wait = [&](WaitEvent const& e) {
    events.push_back(e);
    return true;
  };
  h.transport->set_handler([](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(200, fixture("dm_list_last_page.json"));
  });
  Client client(options);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client.list_dms(ListDmsRequest{kAuthToken, {}, {}}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].endpoint, Endpoint::kDmList);
  EXPECT_EQ(events[0].reason, WaitReason::kRateLimit);
  EXPECT_EQ(events[0].attempts, 0);
  EXPECT_FALSE(events[0].error);
  EXPECT_GE(events[0].delay, seconds(10));
  EXPECT_LE(events[0].delay, seconds(10) + milliseconds(10));
  EXPECT_EQ(client.stats().at(Endpoint::kDmList).waits, 1);
}

TEST(ClientPacing, DefaultsWaitForTheNextWindowRatherThanFail) {
  Harness h;
  h.transport->set_handler([](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(200, fixture("dm_list_last_page.json"));
  });
  auto client = h.client();
  for (int i = 0; i < 901; ++i) {
    auto page = client.list_dms(ListDmsRequest{kAuthToken, {}, {}});
    ASSERT_TRUE(page.ok()) << i << ": " << page.error();
  }
  ASSERT_EQ(h.sleeps_ms().size(), 1u);
  EXPECT_GE(h.sleeps_ms()[0], 15 * 60 * 1000);
}

TEST(ClientPacing, KFailRefusesWithoutSending) {
  Harness h;
  auto options = h.options();
  options.pacing.set_limit(Endpoint::kDmList, RateLimit{2, minutes(1)});
  options.pacing.on_limit = LimitAction::kFail;
  h.transport->set_handler([](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(200, fixture("dm_list_last_page.json"));
  });
  Client client(options);
  ASSERT_TRUE(client.list_dms(ListDmsRequest{kAuthToken, {}, {}}));
  ASSERT_TRUE(client.list_dms(ListDmsRequest{kAuthToken, {}, {}}));
  auto refused = client.list_dms(ListDmsRequest{kAuthToken, {}, {}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kRateLimited);
  EXPECT_EQ(refused.error().attempts(), 0);
  EXPECT_EQ(refused.error().http_status(), 0);
  EXPECT_EQ(refused.error().retry_after(), seconds(61));
  EXPECT_EQ(h.transport->request_count(), 2u);
  EXPECT_TRUE(h.sleeps_ms().empty());
  EXPECT_EQ(client.stats().at(Endpoint::kDmList).refused, 1);
}

TEST(ClientPacing, MaxWaitExceededRefusesAtOnce) {
  Harness h;
  auto options = h.options();
  options.pacing.set_limit(Endpoint::kFollowers, RateLimit{1, minutes(10)});
  options.pacing.max_wait = minutes(1);
  h.transport->set_handler([](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(200, user_page("followers", {"1"}, false, ""));
  });
  Client client(options);
  ASSERT_TRUE(client.followers("ada_example"));
  auto refused = client.followers("ada_example");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kRateLimited);
  EXPECT_TRUE(h.sleeps_ms().empty());
  EXPECT_EQ(h.transport->request_count(), 1u);
}

TEST(ClientPacing, OnWaitFalseCancelsAPacingWait) {
  Harness h;
  auto options = h.options();
  options.pacing.set_send_delay(seconds(2), seconds(2));
  options.pacing.daily_send_cap = 5;
  options.on_wait = [](WaitEvent const&) { return false; };
  h.transport->set_handler([](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(200, fixture("dm_send.json"));
  });
  Client client(options);
  ASSERT_TRUE(client.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "one"}));
  auto second = client.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "two"});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kRateLimited);
  EXPECT_EQ(second.error().retry_after(), seconds(2));
  EXPECT_EQ(second.error().attempts(), 0);
  EXPECT_EQ(h.transport->request_count(), 1u);
  EXPECT_TRUE(h.sleeps_ms().empty());
  EXPECT_EQ(client.daily_sends(kAuthToken), 1);  // the cancelled send is not counted
}

TEST(ClientPacing, SendDelayBetweenSends) {
  Harness h;
  auto options = h.options();
  options.pacing.set_send_delay(seconds(2), seconds(5));
  std::vector<WaitReason> reasons;
  options.on_wait = [&](WaitEvent const& e) {
    reasons.push_back(e.reason);
    return true;
  };
  h.transport->set_handler([](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(200, fixture("dm_send.json"));
  });
  Client client(options);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"}));
  }
  // FixedRandom(0.5): 2 s + 0.5 * 3 s between consecutive sends.
  EXPECT_EQ(h.sleeps_ms(), (Sleeps{3500, 3500}));
  EXPECT_EQ(reasons, (std::vector<WaitReason>{WaitReason::kSendDelay, WaitReason::kSendDelay}));
  // Other endpoints are not delayed by it.
  h.transport->set_handler([](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(200, fixture("user_info.json"));
  });
  ASSERT_TRUE(client.user_info("ada_example"));
  EXPECT_EQ(h.sleeps_ms().size(), 2u);
}

TEST(ClientPacing, SendDelayKFail) {
  Harness h;
  auto options = h.options();
  options.pacing.set_send_delay(seconds(2), seconds(5));
  options.pacing.on_limit = LimitAction::kFail;
  h.transport->set_handler([](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(200, fixture("dm_send.json"));
  });
  Client client(options);
  ASSERT_TRUE(client.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"}));
  auto refused = client.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kRateLimited);
  EXPECT_EQ(refused.error().retry_after(), seconds(4));  // 3.5 s rounded up
  EXPECT_EQ(h.transport->request_count(), 1u);
  h.clock->advance(milliseconds(3500));
  EXPECT_TRUE(client.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"}));
}

TEST(ClientPacing, DailyCapAcrossMidnight) {
  Harness h;
  h.clock->set_system(std::chrono::system_clock::from_time_t(1772495940));  // 23:59:00 UTC
  auto options = h.options();
  options.pacing.daily_send_cap = 2;
  h.transport->set_handler([](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(200, fixture("dm_send.json"));
  });
  Client client(options);
  SendDmRequest dm{kAuthToken, Recipient::by_id("17"), "hi"};
  ASSERT_TRUE(client.send_dm(dm));
  ASSERT_TRUE(client.send_dm(dm));
  EXPECT_EQ(client.daily_sends(kAuthToken), 2);
  auto refused = client.send_dm(dm);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kDailyLimitReached);
  EXPECT_EQ(refused.error().retry_after(), seconds(60));
  EXPECT_EQ(refused.error().attempts(), 0);
  EXPECT_EQ(h.transport->request_count(), 2u);
  // Another account is not affected.
  EXPECT_TRUE(client.send_dm(SendDmRequest{"other_token_1234", Recipient::by_id("17"), "hi"}));

  h.clock->advance(seconds(61));  // 00:00:01 the next day
  EXPECT_EQ(client.daily_sends(kAuthToken), 0);
  ASSERT_TRUE(client.send_dm(dm));
  EXPECT_EQ(client.daily_sends(kAuthToken), 1);
}

TEST(ClientPacing, DailyCapTiersAndSeeding) {
  EXPECT_EQ(daily_send_cap(AccountTier::kNew), 500);
  EXPECT_EQ(daily_send_cap(AccountTier::kEstablished), 1000);
  EXPECT_EQ(daily_send_cap(AccountTier::kPremium), 1500);
  Harness h;
  auto options = h.options();
  options.pacing.set_daily_send_cap(AccountTier::kNew);
  h.transport->set_handler([](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(200, fixture("dm_send.json"));
  });
  Client client(options);
  client.seed_daily_sends(kAuthToken, 499);
  EXPECT_EQ(client.daily_sends(kAuthToken), 499);
  SendDmRequest dm{kAuthToken, Recipient::by_id("17"), "hi"};
  ASSERT_TRUE(client.send_dm(dm));
  EXPECT_EQ(client.send_dm(dm).error().code(), ErrorCode::kDailyLimitReached);
  EXPECT_EQ(h.transport->request_count(), 1u);
}

TEST(ClientPacing, FailedSendsThatCannotHaveLandedAreNotCounted) {
  Harness h;
  auto options = h.options();
  options.pacing.daily_send_cap = 3;
  h.transport->then(400, error_body("bad"))
      .then(403, R"({"error":"no","twitter_error_code":349})")
      .then(200, fixture("dm_send.json"));
  Client client(options);
  SendDmRequest dm{kAuthToken, Recipient::by_id("17"), "hi"};
  EXPECT_FALSE(client.send_dm(dm));
  EXPECT_FALSE(client.send_dm(dm));
  EXPECT_EQ(client.daily_sends(kAuthToken), 0);
  EXPECT_TRUE(client.send_dm(dm));
  EXPECT_EQ(client.daily_sends(kAuthToken), 1);
}

TEST(ClientPacing, DisabledMeansNoLocalWaits) {
  Harness h;
  auto options = h.options();
  options.pacing.enabled = false;
  options.pacing.set_send_delay(seconds(2), seconds(5));
  h.transport->set_handler([](HttpRequest const& r) -> Result<HttpResponse> {
    return json_response(200, r.url.find("send") != std::string::npos
                                  ? fixture("dm_send.json")
                                  : fixture("dm_list_last_page.json"));
  });
  Client client(options);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(client.list_dms(ListDmsRequest{kAuthToken, {}, {}}));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"}));
  }
  EXPECT_TRUE(h.sleeps_ms().empty());
}

}  // namespace
}  // namespace getxapi::unit
