// The watcher over a real Client and libcurl against the in-process sandbox: tabs, threads,
// replies, echoes, edits and a person answering; then the figures (detection latency on the
// sandbox clock, cost of an idle day) with time moved instead of slept.
#include "inbox_sandbox.hpp"
#include "scratch.hpp"

#include <getxapi/getxapi.hpp>
#include <getxapi/inbox.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

namespace getxapi::inbox {
namespace {

using std::chrono::milliseconds;
using testing::InboxSandbox;
using testing::Scratch;

constexpr char kToken[] = "sandbox-token-ada";

/// Real time plus an offset that the sleeper grows; the sandbox clock is moved alike.
class SandboxTime : public Clock, public Sleeper {
 public:
  explicit SandboxTime(InboxSandbox& sandbox) : sandbox_(sandbox) {
    auto const real = std::chrono::duration_cast<milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    offset_ = milliseconds(sandbox.now_ms()) - real;
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now() + offset_;
  }
  Timestamp system_now() const override { return std::chrono::system_clock::now() + offset_; }
  void sleep_for(milliseconds d) override {
    auto const seconds = std::max<std::int64_t>(1, (d.count() + 500) / 1000);
    sandbox_.advance(seconds);
    offset_ += std::chrono::seconds(seconds);
    slept_ += std::chrono::seconds(seconds);
  }
  milliseconds slept() const { return slept_; }

 private:
  InboxSandbox& sandbox_;
  milliseconds offset_{0};
  milliseconds slept_{0};
};

class WatchIntegration : public ::testing::Test {
 protected:
  WatchIntegration() : scratch_("integration") {
    ClientOptions o;
    o.api_key = "integration-key";
    o.base_url = sandbox_.url();
    client_.emplace(o);
    auto ada = client_->user_info("ada_example");
    EXPECT_TRUE(ada) << ada.error();
    ada_id_ = ada ? ada->id : "";
    auto s = open_store(scratch_.file("watch.db"));
    EXPECT_TRUE(s) << s.error();
    store_ = *s;
  }
  Watcher watcher(WatchOptions o = {}) {
    return Watcher(client_source(*client_, kToken), store_, std::move(o));
  }
  std::string inbound(std::string const& from, std::string const& text) {
    auto r =
        sandbox_.post("/_sandbox/inbound", {{"from", from}, {"to", "ada_example"}, {"text", text}});
    return r["message"]["id"].get<std::string>();
  }
  std::vector<std::string> sent_texts() {
    std::vector<std::string> out;
    for (auto const& m : sandbox_.get("/_sandbox/messages?sender_id=" + ada_id_)) {
      out.push_back(m["text"].get<std::string>());
    }
    return out;
  }

  InboxSandbox sandbox_;
  Scratch scratch_;
  std::optional<Client> client_;
  std::string ada_id_;
  std::shared_ptr<Store> store_;
};

TEST_F(WatchIntegration, ARequestIsHandedOverWithItsSenderAnsweredOnceAndItsEchoIgnored) {
  auto w = watcher();
  std::vector<InboundMessage> seen;
  auto ok = w.poll_once([&](InboundMessage const& m) {
    seen.push_back(m);
    return Decision::ack();
  });
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_TRUE(ok->baseline);
  EXPECT_TRUE(seen.empty()) << "the world's messages count as seen";

  auto const id = inbound("lonely_user", "Hello, is anyone there?");
  auto handler = [&](InboundMessage const& m) {
    seen.push_back(m);
    return Decision::answer("Yes! How can we help, " + m.sender.name + "?");
  };
  auto r = w.poll_once(handler);
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].message.id, id);
  EXPECT_EQ(seen[0].tab, "requests");
  EXPECT_EQ(seen[0].sender.screen_name, "lonely_user");
  EXPECT_FALSE(seen[0].conversation_id.empty());
  EXPECT_EQ(r->replies_sent, 1);
  auto after = w.poll_once(handler);
  ASSERT_TRUE(after) << after.error();
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(after->handoffs, 0) << "the echo of our reply is not a person";
  auto const texts = sent_texts();
  EXPECT_EQ(
      std::count_if(texts.begin(), texts.end(),
                    [](std::string const& t) { return t.rfind("Yes! How can we help", 0) == 0; }),
      1);
}

TEST_F(WatchIntegration, EditsAndAPersonAnsweringAreToldApart) {
  WatchOptions o;
  auto w = watcher(o);
  ASSERT_TRUE(w.poll_once([](InboundMessage const&) { return Decision::ack(); }));
  std::vector<InboundMessage> seen;
  auto handler = [&](InboundMessage const& m) {
    seen.push_back(m);
    return Decision::answer("bot: got it");
  };
  auto const id = inbound("lonely_user", "helo");
  ASSERT_TRUE(w.poll_once(handler));
  sandbox_.post("/_sandbox/edit", {{"message_id", id}, {"text", "hello"}});
  ASSERT_TRUE(w.poll_once(handler));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen[1].is_edit);
  EXPECT_EQ(seen[1].message.text, "hello");

  // Someone on the team answers from the app: the bot steps back in that conversation.
  auto lonely = client_->user_info("lonely_user");
  ASSERT_TRUE(lonely);
  ASSERT_TRUE(client_->send_dm({kToken, Recipient::by_id(lonely->id), "Sam here, on it"}));
  inbound("lonely_user", "thanks Sam");
  auto r = w.poll_once(handler);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->handoffs, 1);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_TRUE(seen[2].auto_reply_paused);
  auto const texts = sent_texts();
  EXPECT_EQ(std::count(texts.begin(), texts.end(), "bot: got it"), 1);
}

// Figures: detection latency while conversations are active, and an idle day's cost.
TEST_F(WatchIntegration, FiguresLatencyWhileActiveAndTheCostOfAnIdleDay) {
  SandboxTime time(sandbox_);
  WatchOptions o;  // the defaults: 5-300 s, all + requests
  o.clock = std::shared_ptr<Clock>(&time, [](Clock*) {});
  o.sleeper = std::shared_ptr<Sleeper>(&time, [](Sleeper*) {});
  std::vector<std::int64_t> latency_ms;
  int handed = 0;
  bool idle_phase = false;
  Stats at_idle_start;
  milliseconds idle_slept_start{0};
  o.stop_requested = [&] {
    if (time.slept() > std::chrono::hours(72)) return true;  // a bound, should it never settle
    if (!idle_phase && handed >= 200) {
      idle_phase = true;
      at_idle_start = client_->stats();
      idle_slept_start = time.slept();
    }
    return idle_phase && time.slept() - idle_slept_start >= std::chrono::hours(24);
  };
  // The client paces dm/list (900 per 15 min) on the same clock, so its windows are in
  // sandbox time too.
  ClientOptions co;
  co.api_key = "integration-key";
  co.base_url = sandbox_.url();
  co.clock = o.clock;
  co.sleeper = o.sleeper;
  client_.emplace(co);
  auto w = watcher(o);
  ASSERT_TRUE(w.poll_once([](InboundMessage const&) { return Decision::ack(); }));
  sandbox_.post("/_sandbox/inbound_stream", {{"to", "ada_example"},
                                             {"messages", 200},
                                             {"users", 20},
                                             {"seconds", 1800},
                                             {"start_in_seconds", 0}});
  auto r = w.run([&](InboundMessage const& m) {
    ++handed;
    if (m.message.created_at) {
      latency_ms.push_back(
          std::chrono::duration_cast<milliseconds>(time.system_now() - *m.message.created_at)
              .count());
    }
    return Decision::ack();
  });
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(handed, 200) << sandbox_.get("/_sandbox/inbound_stream").dump();
  std::sort(latency_ms.begin(), latency_ms.end());
  auto const p50 = latency_ms[latency_ms.size() / 2];
  auto const p99 = latency_ms[latency_ms.size() * 99 / 100];
  auto const idle = client_->stats().total();
  auto const idle_calls = idle.billed_calls - at_idle_start.total().billed_calls;
  auto const idle_spend = idle.spend_micro_usd - at_idle_start.total().spend_micro_usd;
  double const fixed_5s = 17280 * 0.002;
  std::cout
      << "[figures] detection latency over 200 messages (sandbox clock, min interval 5 s): p50 "
      << p50 / 1000.0 << " s, p99 " << p99 / 1000.0
      << " s; idle day at the defaults: " << idle_calls << " billed calls, $" << idle_spend / 1e6
      << " vs fixed 5 s polling $" << fixed_5s << " (" << fixed_5s / (idle_spend / 1e6)
      << "x cheaper)\n";
  EXPECT_LE(p50, 5'000 + 1'000);
  EXPECT_LE(p99, 10'000);
  EXPECT_GE(fixed_5s / (static_cast<double>(idle_spend) / 1e6), 10.0);
}

}  // namespace
}  // namespace getxapi::inbox
