// Cost accounting: requests, retries, waits, billed calls and spend per
// endpoint from the price table; the spend limit refuses before sending.
#include "unit_support.hpp"

#include <gtest/gtest.h>

namespace getxapi::unit {
namespace {

class ClientStats : public ::testing::Test {
 protected:
  Harness h;
};

TEST_F(ClientStats, DefaultPriceTable) {
  PriceTable prices;
  EXPECT_EQ(prices.price(Endpoint::kLogin), 10'000);
  EXPECT_EQ(prices.price(Endpoint::kUserInfo), 1'000);
  EXPECT_EQ(prices.price(Endpoint::kFollowers), 1'000);
  EXPECT_EQ(prices.price(Endpoint::kFollowing), 1'000);
  EXPECT_EQ(prices.price(Endpoint::kDmSend), 2'000);
  EXPECT_EQ(prices.price(Endpoint::kDmList), 2'000);
}

TEST_F(ClientStats, EveryEndpointBilledAtItsPrice) {
  h.transport->then(200, fixture("login.json"))
      .then(200, fixture("user_info.json"))
      .then(200, fixture("followers_page.json"))
      .then(200, user_page("following", {"1"}, false, ""))
      .then(200, fixture("dm_send.json"))
      .then(200, fixture("dm_list_page.json"));
  auto client = h.client();
  ASSERT_TRUE(client.login(LoginRequest{"ada_example", kPassword, "", ""}));
  ASSERT_TRUE(client.user_info("ada_example"));
  ASSERT_TRUE(client.followers("ada_example"));
  ASSERT_TRUE(client.following("ada_example"));
  ASSERT_TRUE(client.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"}));
  ASSERT_TRUE(client.list_dms(ListDmsRequest{kAuthToken, {}, {}}));
  auto const stats = client.stats();
  std::vector<std::pair<Endpoint, std::int64_t>> const expected = {
      {Endpoint::kLogin, 10'000},    {Endpoint::kUserInfo, 1'000}, {Endpoint::kFollowers, 1'000},
      {Endpoint::kFollowing, 1'000}, {Endpoint::kDmSend, 2'000},   {Endpoint::kDmList, 2'000}};
  for (auto const& [endpoint, price] : expected) {
    SCOPED_TRACE(to_string(endpoint));
    auto const& e = stats.at(endpoint);
    EXPECT_EQ(e.calls, 1);
    EXPECT_EQ(e.requests, 1);
    EXPECT_EQ(e.retries, 0);
    EXPECT_EQ(e.billed_calls, 1);
    EXPECT_EQ(e.spend_micro_usd, price);
    EXPECT_EQ(e.errors, 0);
  }
  EXPECT_EQ(stats.total().spend_micro_usd, 17'000);
  EXPECT_DOUBLE_EQ(stats.spend_usd(), 0.017);
  EXPECT_EQ(stats.total().billed_calls, 6);
}

TEST_F(ClientStats, RetriesAndWaitsAreCountedAndOnlySuccessIsBilled) {
  h.transport->then(503, error_body("busy"))
      .then(429, R"({"error":"slow","retry_after":2})")
      .then(200, fixture("user_info.json"))
      .then(404, error_body("gone"));
  auto client = h.client();
  ASSERT_TRUE(client.user_info("ada_example"));
  ASSERT_FALSE(client.user_info("nobody_here"));
  auto const stats = client.stats();
  auto const& e = stats.at(Endpoint::kUserInfo);
  EXPECT_EQ(e.calls, 2);
  EXPECT_EQ(e.requests, 4);
  EXPECT_EQ(e.retries, 2);
  EXPECT_EQ(e.waits, 2);
  EXPECT_EQ(e.wait_ms, 2250);
  EXPECT_EQ(e.billed_calls, 1);
  EXPECT_EQ(e.spend_micro_usd, 1'000);
  EXPECT_EQ(e.errors, 1);
  EXPECT_EQ(e.refused, 0);
}

TEST_F(ClientStats, UndecodableSuccessIsStillBilled) {
  h.transport->then(200, "not json");
  auto client = h.client();
  ASSERT_FALSE(client.user_info("ada_example"));
  auto const stats = client.stats();
  auto const& e = stats.at(Endpoint::kUserInfo);
  EXPECT_EQ(e.billed_calls, 1);
  EXPECT_EQ(e.spend_micro_usd, 1'000);
  EXPECT_EQ(e.errors, 1);
}

TEST_F(ClientStats, PriceTableOverride) {
  auto options = h.options();
  options.prices.set_price(Endpoint::kDmSend, 5'000).set_price(Endpoint::kLogin, 1'000);
  h.transport->then(200, fixture("dm_send.json")).then(200, fixture("login.json"));
  Client client(options);
  ASSERT_TRUE(client.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"}));
  ASSERT_TRUE(client.login(LoginRequest{"ada_example", kPassword, "", ""}));
  EXPECT_EQ(client.stats().at(Endpoint::kDmSend).spend_micro_usd, 5'000);
  EXPECT_EQ(client.stats().at(Endpoint::kLogin).spend_micro_usd, 1'000);
}

TEST_F(ClientStats, SpendLimitRefusesBeforeSending) {
  auto options = h.options();
  options.spend_limit_usd = 0.005;
  h.transport->set_handler([](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(200, fixture("dm_send.json"));
  });
  Client client(options);
  SendDmRequest dm{kAuthToken, Recipient::by_id("17"), "hi"};
  ASSERT_TRUE(client.send_dm(dm));    // $0.002
  ASSERT_TRUE(client.send_dm(dm));    // $0.004
  auto refused = client.send_dm(dm);  // would be $0.006
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kBudgetExceeded);
  EXPECT_EQ(refused.error().attempts(), 0);
  EXPECT_FALSE(refused.error().request_sent());
  EXPECT_EQ(h.transport->request_count(), 2u);
  // A cheaper call still fits.
  h.transport->set_handler([](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(200, fixture("user_info.json"));
  });
  EXPECT_TRUE(client.user_info("ada_example"));  // $0.005 exactly
  EXPECT_EQ(client.user_info("ada_example").error().code(), ErrorCode::kBudgetExceeded);
  auto const stats = client.stats();
  EXPECT_EQ(stats.total().spend_micro_usd, 5'000);
  EXPECT_EQ(stats.at(Endpoint::kDmSend).refused, 1);
  EXPECT_EQ(stats.at(Endpoint::kUserInfo).refused, 1);
  EXPECT_EQ(client.daily_sends(kAuthToken), 2);  // the refused send is not counted
}

TEST_F(ClientStats, UnbilledRetriesDoNotUseTheBudget) {
  auto options = h.options();
  options.spend_limit_usd = 0.001;
  h.transport->then(503, error_body("busy"))
      .then(503, error_body("busy"))
      .then(200, fixture("user_info.json"));
  Client client(options);
  auto user = client.user_info("ada_example");
  ASSERT_TRUE(user.ok()) << user.error();
  EXPECT_EQ(client.stats().at(Endpoint::kUserInfo).spend_micro_usd, 1'000);
}

TEST_F(ClientStats, ZeroSpendLimitRefusesEverything) {
  auto options = h.options();
  options.spend_limit_usd = 0.0;
  Client client(options);
  EXPECT_EQ(client.user_info("ada_example").error().code(), ErrorCode::kBudgetExceeded);
  EXPECT_EQ(client.list_dms(ListDmsRequest{kAuthToken, {}, {}}).error().code(),
            ErrorCode::kBudgetExceeded);
  EXPECT_EQ(h.transport->request_count(), 0u);
}

TEST_F(ClientStats, BudgetMessageIsUseful) {
  auto options = h.options();
  options.spend_limit_usd = 0.001;
  Client client(options);
  auto refused = client.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("0.0010"), std::string::npos) << refused.error();
  EXPECT_NE(refused.error().message().find("0.0020"), std::string::npos) << refused.error();
}

TEST_F(ClientStats, TotalSumsEndpoints) {
  Stats stats;
  stats.endpoints[0].requests = 2;
  stats.endpoints[5].requests = 3;
  stats.endpoints[5].spend_micro_usd = 4'000;
  EXPECT_EQ(stats.total().requests, 5);
  EXPECT_EQ(stats.total().spend_micro_usd, 4'000);
}

}  // namespace
}  // namespace getxapi::unit
