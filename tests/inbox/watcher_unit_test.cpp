// The watcher's logic against an in-memory inbox (FakeSource), a real SQLite
// state on tmpfs and virtual time: nothing sleeps, nothing touches a network.
#include "fake_source.hpp"
#include "scratch.hpp"

#include <getxapi/inbox.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace getxapi::inbox {
namespace {

using getxapi::testing::FakeClock;
using getxapi::testing::FakeSleeper;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeSource;
using testing::Scratch;

class WatcherTest : public ::testing::Test {
 protected:
  WatcherTest()
      : scratch_("unit"),
        clock_(std::make_shared<FakeClock>()),
        sleeper_(std::make_shared<FakeSleeper>(clock_)),
        source_(std::make_shared<FakeSource>(clock_)) {}

  std::shared_ptr<Store> store() {
    if (!store_) {
      auto s = open_store(scratch_.file("state.db"));
      EXPECT_TRUE(s) << s.error();
      store_ = *s;
    }
    return store_;
  }
  /// A watcher as a fresh process would build it (same state file).
  Watcher watcher(WatchOptions o = {}) {
    o.clock = clock_;
    o.sleeper = sleeper_;
    return Watcher(source_, store(), std::move(o));
  }
  /// Simulates a crash: the next watcher opens the state file anew.
  void restart() { store_.reset(); }

  Handler recording(Decision decision = Decision::ack()) {
    return [this, decision](InboundMessage const& m) {
      seen_.push_back(m);
      return decision;
    };
  }
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (auto const& m : seen_) out.push_back(m.message.text);
    return out;
  }

  Scratch scratch_;
  std::shared_ptr<FakeClock> clock_;
  std::shared_ptr<FakeSleeper> sleeper_;
  std::shared_ptr<FakeSource> source_;
  std::shared_ptr<Store> store_;
  std::vector<InboundMessage> seen_;
};

TEST_F(WatcherTest, ANewStateCountsTheInboxAsSeenAndHandsOverOnlyWhatComesLater) {
  source_->inbound("7", "old question");
  auto w = watcher();
  auto first = w.poll_once(recording());
  ASSERT_TRUE(first) << first.error();
  EXPECT_TRUE(first->baseline);
  EXPECT_TRUE(seen_.empty());

  source_->inbound("7", "new question");
  auto second = w.poll_once(recording());
  ASSERT_TRUE(second) << second.error();
  ASSERT_EQ(texts(), std::vector<std::string>{"new question"});
  EXPECT_EQ(seen_[0].sender.screen_name, "user7");
  EXPECT_EQ(seen_[0].conversation_id, "100-7");
  EXPECT_EQ(seen_[0].tab, "requests");

  ASSERT_TRUE(w.poll_once(recording()));
  EXPECT_EQ(seen_.size(), 1u) << "an acknowledged message is never handed over again";
}

TEST_F(WatcherTest, SinceBackfillsWhatIsAlreadyInTheInbox) {
  source_->inbound("7", "before");
  clock_->advance(seconds(1));
  auto const since = clock_->system_now();
  source_->inbound("7", "after 1");
  source_->inbound("8", "after 2", "all");
  WatchOptions o;
  o.since = since;
  auto w = watcher(o);
  ASSERT_TRUE(w.poll_once(recording()));
  EXPECT_THAT(texts(), ::testing::UnorderedElementsAre("after 1", "after 2"));
}

TEST_F(WatcherTest, OldestFirstWithinAConversationAcrossTabs) {
  auto w = watcher();
  ASSERT_TRUE(w.poll_once(recording()));  // baseline of an empty inbox
  source_->inbound("7", "a1");
  source_->inbound("8", "b1", "all");
  source_->inbound("7", "a2");
  source_->inbound("8", "b2", "all");
  source_->inbound("7", "a3");
  ASSERT_TRUE(w.poll_once(recording()));
  std::map<std::string, std::vector<std::string>> by_conversation;
  for (auto const& m : seen_) by_conversation[m.conversation_id].push_back(m.message.text);
  EXPECT_EQ(by_conversation["100-7"], (std::vector<std::string>{"a1", "a2", "a3"}));
  EXPECT_EQ(by_conversation["100-8"], (std::vector<std::string>{"b1", "b2"}));
}

TEST_F(WatcherTest, WalksBackOverManyPagesAfterALongOutage) {
  auto w = watcher();
  ASSERT_TRUE(w.poll_once(recording()));
  source_->page_size = 20;
  source_->fail_reads = 30;  // an outage: every read fails for a while
  for (int i = 0; i < 5; ++i) {
    auto r = w.poll_once(recording());
    EXPECT_FALSE(r);
  }
  for (int i = 0; i < 137; ++i) {
    source_->inbound(std::to_string(200 + i % 13), "m" + std::to_string(i),
                     i % 2 ? "all" : "requests");
  }
  source_->fail_reads = 0;
  ASSERT_TRUE(w.poll_once(recording()));
  EXPECT_EQ(seen_.size(), 137u);
  auto const all = texts();
  std::set<std::string> unique(all.begin(), all.end());
  EXPECT_EQ(unique.size(), 137u) << "no duplicates";
  // It stopped where it had seen before: one extra page at most per tab.
  EXPECT_LE(source_->list_calls, 5 + 2 + 4 + 4 + 2);
}

TEST_F(WatcherTest, ACursorCycleEndsThePassWithoutABilledLoopOrAPartialCommit) {
  auto w = watcher();
  ASSERT_TRUE(w.poll_once(recording()));
  source_->page_size = 20;
  source_->cycle_cursors = true;
  for (int i = 0; i < 90; ++i) source_->inbound(std::to_string(400 + i), "m");
  auto r = w.poll_once(recording());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidResponse);
  EXPECT_LE(source_->list_calls, 2 + 4);
  EXPECT_TRUE(seen_.empty()) << "nothing of an unfinished walk is committed";
  source_->cycle_cursors = false;
  ASSERT_TRUE(w.poll_once(recording()));
  EXPECT_EQ(seen_.size(), 90u);
}

TEST_F(WatcherTest, SparseListsAreCompletedFromTheThread) {
  auto w = watcher();
  source_->inbound("7", "seen before");
  ASSERT_TRUE(w.poll_once(recording()));
  source_->sparse_lists = true;
  source_->page_size = 2;
  for (int i = 0; i < 5; ++i) source_->inbound("7", "q" + std::to_string(i));
  ASSERT_TRUE(w.poll_once(recording()));
  EXPECT_EQ(texts(), (std::vector<std::string>{"q0", "q1", "q2", "q3", "q4"}));
  EXPECT_GE(source_->thread_calls, 3);
}

TEST_F(WatcherTest, UnacknowledgedMessagesAreHandedOverAgainAndHoldBackTheirConversation) {
  auto w = watcher();
  ASSERT_TRUE(w.poll_once(recording()));
  source_->inbound("7", "a1");
  source_->inbound("7", "a2");
  source_->inbound("8", "b1");
  int calls = 0;
  Handler flaky = [&](InboundMessage const& m) {
    seen_.push_back(m);
    if (m.message.text == "a1" && calls++ == 0) return Decision::retry();
    return Decision::ack();
  };
  ASSERT_TRUE(w.poll_once(flaky));
  EXPECT_EQ(texts(), (std::vector<std::string>{"a1", "b1"})) << "a2 waits behind a1";
  seen_.clear();
  ASSERT_TRUE(w.poll_once(flaky));
  EXPECT_EQ(texts(), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(seen_[0].attempt, 2);
}

TEST_F(WatcherTest, ACrashBeforeTheAcknowledgementHandsTheMessageOverAgain) {
  {
    auto w = watcher();
    ASSERT_TRUE(w.poll_once(recording()));
    source_->inbound("7", "hello");
    ASSERT_TRUE(w.poll_once([&](InboundMessage const& m) {
      seen_.push_back(m);
      return Decision::retry();  // as if the process died inside the handler
    }));
  }
  restart();
  auto w = watcher();
  ASSERT_TRUE(w.poll_once(recording()));
  EXPECT_EQ(texts(), (std::vector<std::string>{"hello", "hello"}));
  ASSERT_TRUE(w.poll_once(recording()));
  EXPECT_EQ(seen_.size(), 2u);
  EXPECT_EQ(store()->counts().delivered, 1);
}

TEST_F(WatcherTest, RepliesAreSentOnceAndTheirEchoIsNotAPerson) {
  auto w = watcher();
  ASSERT_TRUE(w.poll_once(recording()));
  source_->inbound("7", "where is my order?");
  auto r = w.poll_once(recording(Decision::answer("It ships today.")));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->replies_sent, 1);
  EXPECT_EQ(source_->sent_to("7"), std::vector<std::string>{"It ships today."});
  // The next pass sees the echo: neither handed over nor a handoff.
  auto next = w.poll_once(recording(Decision::answer("again?")));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->handoffs, 0);
  EXPECT_EQ(seen_.size(), 1u);
  EXPECT_EQ(source_->sent_to("7").size(), 1u);
}

TEST_F(WatcherTest, AReplyWhoseAnswerWasLostIsReconciledFromTheThreadNotSentTwice) {
  {
    auto w = watcher();
    ASSERT_TRUE(w.poll_once(recording()));
    source_->inbound("7", "hi");
    source_->send_fault = FakeSource::SendFault::kDeliveredThenDrop;
    auto r = w.poll_once(recording(Decision::answer("Hello!")));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->replies_sent, 0);
    EXPECT_EQ(store()->counts().replies_open, 1) << "ambiguous: stays `sending`";
  }
  restart();
  auto again = watcher();
  auto next = again.poll_once(recording(Decision::answer("Hello?!")));
  ASSERT_TRUE(next) << next.error();
  EXPECT_EQ(source_->sent_to("7"), std::vector<std::string>{"Hello!"});
  EXPECT_EQ(store()->counts().replies_sent, 1);
  EXPECT_EQ(store()->counts().pending, 0);
  EXPECT_EQ(next->handoffs, 0);
  EXPECT_EQ(seen_.size(), 1u) << "the handler is not asked again";
}

TEST_F(WatcherTest, AnAmbiguousReplyThatNeverArrivedIsSentAfterTheSettleTime) {
  auto w = watcher();
  ASSERT_TRUE(w.poll_once(recording()));
  source_->inbound("7", "hi");
  source_->send_fault = FakeSource::SendFault::kDropBeforeDelivery;
  ASSERT_TRUE(w.poll_once(recording(Decision::answer("Hello!"))));
  clock_->advance(seconds(30));
  ASSERT_TRUE(w.poll_once(recording()));
  EXPECT_TRUE(source_->sent_to("7").empty()) << "still within the settle time";
  EXPECT_EQ(store()->counts().replies_open, 1);
  clock_->advance(seconds(120));
  ASSERT_TRUE(w.poll_once(recording()));
  EXPECT_EQ(source_->sent_to("7"), std::vector<std::string>{"Hello!"});
  ASSERT_TRUE(w.poll_once(recording()));
  EXPECT_EQ(source_->sent_to("7").size(), 1u);
  EXPECT_EQ(seen_.size(), 1u);
}

TEST_F(WatcherTest, ARefusedReplyIsRecordedAndTheMessageAcknowledged) {
  auto w = watcher();
  ASSERT_TRUE(w.poll_once(recording()));
  source_->inbound("7", "hi");
  source_->send_fault = FakeSource::SendFault::kCannotDm;
  ASSERT_TRUE(w.poll_once(recording(Decision::answer("Hello!"))));
  EXPECT_EQ(store()->counts().replies_failed, 1);
  EXPECT_EQ(store()->counts().pending, 0);
  ASSERT_TRUE(w.poll_once(recording()));
  EXPECT_EQ(seen_.size(), 1u);
}

TEST_F(WatcherTest, EditsAreReportedAsEditsAndNeverAnswered) {
  auto w = watcher();
  ASSERT_TRUE(w.poll_once(recording()));
  auto id = source_->inbound("7", "helo");
  ASSERT_TRUE(w.poll_once(recording(Decision::answer("Hi!"))));
  source_->edit(id, "hello");
  ASSERT_TRUE(w.poll_once(recording(Decision::answer("Hi again!"))));
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_FALSE(seen_[0].is_edit);
  EXPECT_TRUE(seen_[1].is_edit);
  EXPECT_EQ(seen_[1].message.id, id);
  EXPECT_EQ(seen_[1].message.text, "hello");
  EXPECT_EQ(seen_[1].edit_count, 1);
  EXPECT_EQ(source_->sent_to("7"), std::vector<std::string>{"Hi!"});
  ASSERT_TRUE(w.poll_once(recording()));
  EXPECT_EQ(seen_.size(), 2u);
}

TEST_F(WatcherTest, APersonAnsweringFromTheAccountPausesAutoRepliesForTheHandoffTime) {
  WatchOptions o;
  o.handoff = std::chrono::minutes(10);
  std::vector<WatchEvent::Kind> events;
  o.on_event = [&](WatchEvent const& e) { events.push_back(e.kind); };
  auto w = watcher(o);
  ASSERT_TRUE(w.poll_once(recording()));
  source_->inbound("7", "I need a human");
  source_->human_reply("7", "Hi, Sam here, looking into it");
  source_->inbound("7", "thanks Sam");
  auto r = w.poll_once(recording(Decision::answer("bot answer")));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->handoffs, 1);
  EXPECT_THAT(events, ::testing::Contains(WatchEvent::Kind::kHandoff));
  ASSERT_EQ(seen_.size(), 2u);
  // Once a person has answered, the bot answers neither message: the person has it.
  EXPECT_TRUE(seen_[0].auto_reply_paused);
  EXPECT_TRUE(seen_[1].auto_reply_paused);
  EXPECT_TRUE(source_->sent_to("7").empty());
  EXPECT_EQ(store()->counts().replies_suppressed, 2);
  EXPECT_EQ(store()->counts().pending, 0) << "suppressed replies still acknowledge";
  clock_->advance(std::chrono::minutes(11));
  source_->inbound("7", "back again");
  ASSERT_TRUE(w.poll_once(recording(Decision::answer("bot again"))));
  EXPECT_FALSE(seen_.back().auto_reply_paused);
  EXPECT_EQ(source_->sent_to("7"), std::vector<std::string>{"bot again"});
}

TEST_F(WatcherTest, TheIntervalIsFastWhileActiveAndBacksOffWhenIdle) {
  WatchOptions o;
  o.min_interval = seconds(5);
  o.max_interval = seconds(300);
  o.active_window = seconds(60);
  auto w = watcher(o);
  ASSERT_TRUE(w.poll_once(recording()));
  source_->inbound("7", "hi");
  ASSERT_TRUE(w.poll_once(recording()));
  EXPECT_EQ(w.next_interval(), seconds(5));
  std::vector<milliseconds> intervals;
  for (int i = 0; i < 24; ++i) {
    clock_->advance(w.next_interval());
    ASSERT_TRUE(w.poll_once(recording()));
    intervals.push_back(w.next_interval());
  }
  EXPECT_EQ(intervals.front(), seconds(5)) << "still inside the active window";
  EXPECT_EQ(intervals.back(), seconds(300));
  EXPECT_TRUE(std::is_sorted(intervals.begin(), intervals.end()));
  source_->inbound("8", "anyone?");
  ASSERT_TRUE(w.poll_once(recording()));
  EXPECT_EQ(w.next_interval(), seconds(5)) << "a new message makes it fast again";
}

TEST_F(WatcherTest, TheDailyBudgetIsNeverPassedEvenAcrossRestarts) {
  WatchOptions o;
  o.budget_usd_per_day = 0.05;  // 12 passes of two dm/list calls, a reply or two
  int polls = 0;
  for (int run = 0; run < 3; ++run) {
    restart();
    auto w = watcher(o);
    for (int i = 0; i < 20; ++i) {
      if (i % 4 == 0) source_->inbound(std::to_string(300 + i), "q");
      auto r = w.poll_once(recording(Decision::answer("a")));
      ASSERT_TRUE(r) << r.error();
      ++polls;
    }
  }
  auto const day =
      std::chrono::duration_cast<milliseconds>(clock_->system_now().time_since_epoch()).count() /
      86'400'000;
  EXPECT_LE(store()->spend(day), 50'000);
  EXPECT_LE(source_->spent_micro_usd(), 50'000);
  EXPECT_GE(source_->spent_micro_usd(), 40'000) << "it used the budget";
  auto w = watcher(o);
  EXPECT_GT(w.next_interval(), std::chrono::hours(1)) << "nothing left today: wait for tomorrow";
}

TEST_F(WatcherTest, ABudgetSpreadsPollsOverTheDay) {
  WatchOptions o;
  o.budget_usd_per_day = 1.0;  // 250 passes of two tabs a day
  auto w = watcher(o);
  ASSERT_TRUE(w.poll_once(recording()));
  EXPECT_GE(w.next_interval(), seconds(86400 / 250 / 2)) << "at least ~a few minutes apart";
}

TEST_F(WatcherTest, RunStopsWhenAskedAndSleepsOnlyThroughTheSleeper) {
  WatchOptions o;
  int passes = 0;
  o.stop_requested = [&] { return passes >= 6; };
  o.on_event = [&](WatchEvent const& e) {
    if (e.kind == WatchEvent::Kind::kPolled || e.kind == WatchEvent::Kind::kBaseline) ++passes;
  };
  auto w = watcher(o);
  source_->inbound("7", "x");
  auto r = w.run(recording());
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(r->interrupted);
  EXPECT_EQ(r->polls, 6);
  EXPECT_EQ(sleeper_->sleeps().size(), 5u);
}

TEST_F(WatcherTest, RunRidesOutTransientFailures) {
  WatchOptions o;
  o.stop_requested = [&] { return seen_.size() >= 1; };
  auto w = watcher(o);
  ASSERT_TRUE(w.poll_once(recording()));
  source_->inbound("7", "x");
  source_->fail_reads = 3;
  auto r = w.run(recording());
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(texts(), std::vector<std::string>{"x"});
}

TEST_F(WatcherTest, ASecondWatcherOnTheSameStateIsRefused) {
  auto w = watcher();
  ASSERT_TRUE(w.poll_once(recording()));
  auto other = open_store(scratch_.file("state.db"));
  ASSERT_TRUE(other);
  Watcher second(source_, *other, {});
  auto r = second.poll_once(recording());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kBusy);
}

TEST_F(WatcherTest, TheMessageJsonKeepsGetxapiNamesAndAddsConversationAndSender) {
  auto w = watcher();
  ASSERT_TRUE(w.poll_once(recording()));
  source_->inbound("7", "héllo \"quoted\"\n");
  ASSERT_TRUE(w.poll_once(recording()));
  ASSERT_EQ(seen_.size(), 1u);
  auto j = seen_[0].to_json();
  EXPECT_EQ(j["text"], "héllo \"quoted\"\n");
  EXPECT_EQ(j["senderId"], "7");
  EXPECT_EQ(j["recipientId"], "100");
  EXPECT_EQ(j["conversation_id"], "100-7");
  EXPECT_EQ(j["sender"]["screen_name"], "user7");
  EXPECT_TRUE(j["createdAt"].is_string());
  auto back = InboundMessage::from_json(j);
  EXPECT_EQ(back.message.text, seen_[0].message.text);
  EXPECT_EQ(back.sender.name, "User 7");
}

}  // namespace
}  // namespace getxapi::inbox
