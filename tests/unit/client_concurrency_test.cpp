// One Client shared by 8 threads against a FakeTransport: every call
// accounted for, no lost updates. Also run under ThreadSanitizer.
#include "unit_support.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <thread>

namespace getxapi::unit {
namespace {

constexpr int kThreads = 8;
constexpr int kRounds = 60;

TEST(ClientConcurrency, StatsAddUpAcrossThreads) {
  Harness h;
  std::atomic<int> counter{0};
  std::atomic<std::int64_t> billed{0}, spend{0};
  PriceTable const prices;
  h.transport->set_handler([&](HttpRequest const& r) -> Result<HttpResponse> {
    // Every 7th request fails transiently, so retries race too.
    if (++counter % 7 == 0) return json_response(503, error_body("busy"));
    ++billed;
    if (r.url.find("/dm/send") != std::string::npos) {
      spend += prices.price(Endpoint::kDmSend);
      return json_response(200, fixture("dm_send.json"));
    }
    if (r.url.find("/dm/list") != std::string::npos) {
      spend += prices.price(Endpoint::kDmList);
      return json_response(200, fixture("dm_list_last_page.json"));
    }
    spend += prices.price(Endpoint::kUserInfo);
    return json_response(200, fixture("user_info.json"));
  });
  auto client = h.client();
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client mine = client;  // copies share state
      for (int i = 0; i < kRounds; ++i) {
        bool success = false;
        switch ((t + i) % 3) {
          case 0:
            success = mine.user_info("ada_example").ok();
            break;
          case 1:
            success = mine.list_dms(ListDmsRequest{kAuthToken, {}, {}}).ok();
            break;
          default:
            success = mine.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"}).ok();
            break;
        }
        ++(success ? ok : failed);
      }
    });
  }
  for (auto& thread : threads) thread.join();

  auto const stats = client.stats();
  auto const total = stats.total();
  EXPECT_EQ(ok + failed, kThreads * kRounds);
  EXPECT_EQ(total.requests, static_cast<std::int64_t>(h.transport->request_count()));
  EXPECT_EQ(total.billed_calls, billed.load());
  EXPECT_EQ(total.spend_micro_usd, spend.load());
  EXPECT_EQ(total.retries, total.requests - total.calls);
  std::array<std::int64_t, 3> per_kind{};
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kRounds; ++i) ++per_kind[static_cast<std::size_t>((t + i) % 3)];
  }
  EXPECT_EQ(stats.at(Endpoint::kUserInfo).calls, per_kind[0]);
  EXPECT_EQ(stats.at(Endpoint::kDmSend).calls, per_kind[2]);
  // dm/list: the caller's calls plus one inbox check per send attempt that got a 503.
  auto const inbox_checks = stats.at(Endpoint::kDmList).calls - per_kind[1];
  EXPECT_GE(inbox_checks, 0);
  EXPECT_LE(inbox_checks, stats.at(Endpoint::kDmSend).retries + stats.at(Endpoint::kDmSend).errors);
  // Every failed caller-visible call is one error; a failed inbox check adds one more.
  EXPECT_GE(total.errors, failed.load());
  EXPECT_LE(total.errors, failed.load() + inbox_checks);
  EXPECT_EQ(total.waits, static_cast<std::int64_t>(h.sleeper->sleeps().size()));
  std::int64_t slept = 0;
  for (auto d : h.sleeper->sleeps()) slept += d.count();
  EXPECT_EQ(total.wait_ms, slept);
  EXPECT_GE(client.daily_sends(kAuthToken), static_cast<int>(stats.at(Endpoint::kDmSend).calls -
                                                             stats.at(Endpoint::kDmSend).errors));
}

TEST(ClientConcurrency, SpendLimitIsNeverOvershot) {
  Harness h;
  auto options = h.options();
  options.spend_limit_usd = 0.1;  // 50 dm/list calls at $0.002
  h.transport->set_handler([](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(200, fixture("dm_list_last_page.json"));
  });
  Client client(options);
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto page = client.list_dms(ListDmsRequest{kAuthToken, {}, {}});
        if (page) {
          ++ok;
        } else if (page.error().code() == ErrorCode::kBudgetExceeded) {
          ++refused;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 50);
  EXPECT_EQ(refused.load(), kThreads * 20 - 50);
  EXPECT_EQ(h.transport->request_count(), 50u);
  EXPECT_EQ(client.stats().total().spend_micro_usd, 100'000);
}

TEST(ClientConcurrency, DailyCapIsNeverOvershot) {
  Harness h;
  auto options = h.options();
  options.pacing.daily_send_cap = 37;
  h.transport->set_handler([](HttpRequest const&) -> Result<HttpResponse> {
    return json_response(200, fixture("dm_send.json"));
  });
  Client client(options);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (client.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"})) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 37);
  EXPECT_EQ(h.transport->request_count(), 37u);
  EXPECT_EQ(client.daily_sends(kAuthToken), 37);
}

}  // namespace
}  // namespace getxapi::unit
