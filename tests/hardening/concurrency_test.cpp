// Concurrency: one Client (and its copies) shared by threads, ranges walked in
// parallel, the pacer under contention. Meant for ThreadSanitizer
// (scripts/sanitize runs `ctest -L concurrency` in a TSan build); the
// assertions also hold, and are checked, in every other build.
#include <getxapi/getxapi.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <httplib.h>

#include "fake_transport.hpp"
#include "sandbox.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace getxapi {
namespace {

namespace sb = ::getxapi::sandbox;
using ::getxapi::testing::FakeTransport;
using ::getxapi::testing::fixture;
using ::getxapi::testing::json_response;
using std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock::time_point;

template <class Fn>
void run_threads(int n, Fn fn) {
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) threads.emplace_back(fn, i);
  for (auto& t : threads) t.join();
}

ClientOptions sandbox_options(std::string const& url) {
  ClientOptions o;
  o.api_key = "concurrency-test-key";
  o.base_url = url;
  o.timeout = std::chrono::seconds(10);
  return o;
}

class SharedClient : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sb::SandboxOptions options;
    // Every keep-alive connection holds a sandbox worker; dm/send opens a fresh one.
    options.threads = 96;
    sandbox_ = new sb::Sandbox(options);
    sandbox_->start();
  }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
  }
  void SetUp() override { sandbox_->reset(); }
  static sb::Sandbox* sandbox_;
};
sb::Sandbox* SharedClient::sandbox_ = nullptr;

TEST_F(SharedClient, MixedCallsFromManyThreadsAllSucceedAndAreCountedOnce) {
  Client client(sandbox_options(sandbox_->base_url()));
  constexpr int kThreads = 8;
  constexpr int kRounds = 10;
  std::atomic<int> failures{0};
  std::mutex mu;
  std::set<std::string> sent_ids;
  run_threads(kThreads, [&](int t) {
    Client mine = client;  // copies share connections, limits and stats
    for (int i = 0; i < kRounds; ++i) {
      auto user = (i % 2 ? mine : client).user_info(sb::fixed::kGraceUserName);
      auto page = mine.followers(sb::fixed::kAdaUserName);
      auto sent =
          mine.send_dm(SendDmRequest{sb::fixed::kAdaToken, Recipient::by_id(sb::fixed::kGraceId),
                                     "t" + std::to_string(t) + " r" + std::to_string(i)});
      auto inbox = client.list_dms(ListDmsRequest{sb::fixed::kAdaToken, "", 10});
      if (!user || !page || !sent || !inbox) {
        ++failures;
        continue;
      }
      std::lock_guard<std::mutex> lock(mu);
      sent_ids.insert(sent->id);
    }
  });
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(sent_ids.size(), static_cast<std::size_t>(kThreads * kRounds));
  auto const stats = client.stats();
  for (auto e : {Endpoint::kUserInfo, Endpoint::kFollowers, Endpoint::kDmSend, Endpoint::kDmList}) {
    EXPECT_EQ(stats.at(e).calls, kThreads * kRounds) << to_string(e);
    EXPECT_EQ(stats.at(e).requests, kThreads * kRounds) << to_string(e);
    EXPECT_EQ(stats.at(e).billed_calls, kThreads * kRounds) << to_string(e);
    EXPECT_EQ(stats.at(e).errors, 0) << to_string(e);
  }

  httplib::Client admin(sandbox_->base_url());
  auto messages = admin.Get(std::string("/_sandbox/messages?sender_id=") + sb::fixed::kAdaId);
  ASSERT_TRUE(messages);
  auto const delivered = nlohmann::json::parse(messages->body);
  std::size_t ours = 0;
  for (auto const& m : delivered) {
    if (sent_ids.count(m.value("id", ""))) ++ours;
  }
  EXPECT_EQ(ours, sent_ids.size());
}

TEST_F(SharedClient, RangesWalkedInParallelEachSeeEveryFollowerOnce) {
  Client client(sandbox_options(sandbox_->base_url()));
  constexpr int kThreads = 4;
  std::vector<std::set<std::string>> seen(kThreads);
  std::vector<std::size_t> yielded(kThreads, 0);
  std::atomic<int> errors{0};
  run_threads(kThreads, [&](int t) {
    auto range = t % 2 ? client.all_followers(sb::fixed::kPremiumUserName)
                       : client.all_followers(sb::fixed::kAdaUserName);
    for (auto const& user : range) {
      if (!user) {
        ++errors;
        break;
      }
      seen[static_cast<std::size_t>(t)].insert(user->id);
      ++yielded[static_cast<std::size_t>(t)];
    }
  });
  EXPECT_EQ(errors.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    auto const i = static_cast<std::size_t>(t);
    EXPECT_EQ(seen[i].size(), yielded[i]) << "thread " << t << " saw a follower twice";
  }
  EXPECT_EQ(seen[1].size(), 2000u);
  EXPECT_EQ(seen[1], seen[3]);
  EXPECT_EQ(seen[0], seen[2]);
  EXPECT_GT(seen[0].size(), 100u);
}

// ---- the pacer, on a fake network but the real clock -------------------------

class StampingTransport : public Transport {
 public:
  Result<HttpResponse> send(HttpRequest const& request) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stamps_.push_back(std::chrono::steady_clock::now());
    }
    if (request.url.find("/dm/send") != std::string::npos) {
      return json_response(200, fixture("dm_send.json"));
    }
    return json_response(200, fixture("user_info.json"));
  }
  std::vector<SteadyTime> stamps() const {
    std::lock_guard<std::mutex> lock(mu_);
    auto s = stamps_;
    std::sort(s.begin(), s.end());
    return s;
  }

 private:
  mutable std::mutex mu_;
  std::vector<SteadyTime> stamps_;
};

TEST(PacerUnderContention, RollingLimitHoldsAcrossThreads) {
  auto transport = std::make_shared<StampingTransport>();
  ClientOptions o;
  o.api_key = "concurrency-test-key";
  o.transport = transport;
  constexpr int kLimit = 5;
  constexpr milliseconds kWindow{200};
  o.pacing.set_limit(Endpoint::kUserInfo, RateLimit{kLimit, kWindow});
  Client client(o);
  std::atomic<int> failures{0};
  // Timed from outside the threads: the first reservation is after `start`
  // and the last request is before the threads join, so however the scheduler delays a
  // thread between its reservation and its request, 24 requests at 5 per
  // window cannot finish in less than 4 windows. (Gaps between the
  // transport's own stamps are not a sound measure: a thread preempted after
  // reserving stamps late, and the gap before it looks short under load.)
  constexpr int kRequests = 24;
  auto const start = std::chrono::steady_clock::now();
  run_threads(6, [&](int) {
    for (int i = 0; i < 4; ++i) {
      if (!client.user_info("ada_example")) ++failures;
    }
  });
  auto const elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(transport->stamps().size(), static_cast<std::size_t>(kRequests));
  EXPECT_GE(elapsed, kWindow * ((kRequests + kLimit - 1) / kLimit - 1));
  EXPECT_GT(client.stats().at(Endpoint::kUserInfo).waits, 0);
}

TEST(PacerUnderContention, DailyCapAndSendDelayHoldAcrossThreads) {
  auto transport = std::make_shared<StampingTransport>();
  ClientOptions o;
  o.api_key = "concurrency-test-key";
  o.transport = transport;
  o.pacing.daily_send_cap = 7;
  o.pacing.set_send_delay(milliseconds(5), milliseconds(10));
  Client client(o);
  std::atomic<int> sent{0};
  std::atomic<int> capped{0};
  std::atomic<int> other{0};
  auto const start = std::chrono::steady_clock::now();
  run_threads(5, [&](int t) {
    for (int i = 0; i < 4; ++i) {
      auto r = client.send_dm(SendDmRequest{"concurrency-auth-token",
                                            Recipient::by_id("1700000000000000002"),
                                            "m" + std::to_string(t * 10 + i)});
      if (r) {
        ++sent;
      } else if (r.error().code() == ErrorCode::kDailyLimitReached) {
        ++capped;
      } else {
        ++other;
      }
    }
  });
  auto const elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(sent.load(), 7);
  EXPECT_EQ(capped.load(), 13);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(client.daily_sends("concurrency-auth-token"), 7);
  ASSERT_EQ(transport->stamps().size(), 7u);
  // At least the minimum delay between each two of the 7 sends (measured from
  // outside the threads, so scheduling delays cannot make it look shorter).
  EXPECT_GE(elapsed, 6 * milliseconds(5));
}

TEST(PacerUnderContention, StatsStayConsistentWithRetriesOnManyThreads) {
  auto transport = std::make_shared<FakeTransport>();
  std::atomic<int> n{0};
  transport->set_handler([&](HttpRequest const&) -> Result<HttpResponse> {
    int const i = n++;
    if (i % 3 == 0) return json_response(503, R"({"error":"busy"})");
    if (i % 7 == 0) return Error(ErrorCode::kNetwork, "reset").set_request_sent(false);
    return json_response(200, fixture("user_info.json"));
  });
  ClientOptions o;
  o.api_key = "concurrency-test-key";
  o.transport = transport;
  o.retry_policy =
      std::make_shared<LimitedRetryPolicy>(3, std::chrono::seconds(10), std::chrono::seconds(1));
  o.backoff_policy = std::make_shared<ExponentialBackoffPolicy>(milliseconds(0), milliseconds(1));
  Client client(o);
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  run_threads(8, [&](int) {
    for (int i = 0; i < 50; ++i) (client.user_info("ada_example") ? ok : failed)++;
  });
  auto const s = client.stats().at(Endpoint::kUserInfo);
  EXPECT_EQ(s.calls, 400);
  EXPECT_EQ(ok.load() + failed.load(), 400);
  EXPECT_EQ(s.errors, failed.load());
  EXPECT_EQ(s.requests, static_cast<std::int64_t>(transport->request_count()));
  EXPECT_EQ(s.retries, s.requests - s.calls);
  EXPECT_EQ(s.billed_calls, ok.load());
}

}  // namespace
}  // namespace getxapi
