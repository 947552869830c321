// The watcher's state, the same assertions over each store: SQLite always, and
// PostgreSQL in the binary built with GETXAPI_INBOX_TEST_POSTGRES
// (inbox_postgres_test, a real server: ctest -L postgres). Then what each
// store refuses: foreign and newer SQLite files; newer and foreign PostgreSQL
// tables; a URL in a build without PostgreSQL; a password in any message.
#include "scratch.hpp"
#include "state_backend.hpp"

#include <getxapi/inbox.hpp>

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace getxapi::inbox {
namespace {

using testing::Backend;
using testing::Scratch;
using testing::TestState;

InboundMessage inbound(std::string const& id, std::int64_t created_ms, int edit_count = 0) {
  InboundMessage m;
  m.message.id = id;
  m.message.sender_id = "2";
  m.message.text = "text of " + id;
  m.message.created_at = Timestamp(std::chrono::milliseconds(created_ms));
  m.conversation_id = "1-2";
  m.edit_count = edit_count;
  return m;
}

ReplyRecord reply_to(std::int64_t seq, std::string text = "hi") {
  ReplyRecord r;
  r.delivery_seq = seq;
  r.conversation_id = "1-2";
  r.recipient_id = "2";
  r.text = std::move(text);
  return r;
}

class InboxStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    state_.emplace(GetParam(), "store");
    if (!state_->available()) {
      GTEST_SKIP() << "no PostgreSQL server: set GETXAPI_TEST_POSTGRES_URL (scripts/test does)";
    }
  }
  void TearDown() override { state_.reset(); }

  std::shared_ptr<Store> open() {
    auto s = open_store(state_->location());
    EXPECT_TRUE(s) << s.error();
    return s ? *s : nullptr;
  }
  /// One delivery committed; its sequence number.
  std::int64_t deliver(Store& store, InboundMessage const& m) {
    WalkCommit walk;
    walk.deliveries.push_back(m);
    store.commit(walk);
    for (auto const& d : store.pending()) {
      if (d.message.message.id == m.message.id && d.message.edit_count == m.edit_count) {
        return d.message.sequence;
      }
    }
    ADD_FAILURE() << "delivery " << m.message.id << " not pending";
    return 0;
  }

  std::optional<TestState> state_;
};

TEST_P(InboxStoreTest, AReplyIsJournaledOncePerDeliveryAndSentAcknowledges) {
  auto s = open();
  ASSERT_TRUE(s);
  auto& store = *s;
  WalkCommit walk;
  auto const m = inbound("5", 1000);
  walk.deliveries.push_back(m);
  walk.deliveries.push_back(m);  // the same (id, edit_count) twice is one delivery
  store.commit(walk);
  auto pending = store.pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].message.message.text, "text of 5");
  EXPECT_EQ(pending[0].created_ms, 1000);
  auto const r = reply_to(pending[0].message.sequence);
  auto const id = store.add_reply(r);
  EXPECT_EQ(store.add_reply(r), id);
  store.mark_sending(id, 1000);
  EXPECT_THROW(store.mark_sending(id, 1001), StoreError) << "only a queued reply starts sending";
  EXPECT_EQ(store.open_replies().size(), 1u);
  EXPECT_EQ(store.open_replies()[0].state, ReplyState::kSending);
  store.mark_sent(id, "77", 1002);
  EXPECT_TRUE(store.open_replies().empty());
  EXPECT_TRUE(store.pending().empty());
  EXPECT_EQ(store.counts().replies_sent, 1);
  EXPECT_EQ(store.counts().delivered, 1);
  auto const back = store.reply_for(r.delivery_seq);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->message_id, "77");
  EXPECT_EQ(back->done_at_ms, 1002);
  EXPECT_EQ(back->sending_at_ms, 1000);
}

TEST_P(InboxStoreTest, AWalkIsCommittedWholeAndSurvivesAReopen) {
  {
    auto s = open();
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->info().initialized);
    WalkCommit walk;
    walk.initialize = StoreInfo{true, 123456789012, "100"};
    walk.seen = {SeenMessage{"5", "100-7", false, 0, 10}, SeenMessage{"6", "100-7", true, 2, 20}};
    walk.conversations = {ConversationRecord{"100-7", "all", 99, "6", 2, 0}};
    walk.deliveries = {inbound("5", 10)};
    walk.handoffs = {{"100-7", 5000}, {"100-8", 7000}};
    s->commit(walk);
    // Edits only raise the count; a conversation upsert keeps its handoff.
    WalkCommit later;
    later.seen = {SeenMessage{"6", "100-7", true, 1, 20}, SeenMessage{"5", "100-7", false, 3, 10}};
    later.conversations = {ConversationRecord{"100-7", "requests", 120, "9", 0, 0}};
    later.handoffs = {{"100-7", 4000}};
    s->commit(later);
  }
  auto s = open();  // a new connection / file handle
  ASSERT_TRUE(s);
  auto const info = s->info();
  EXPECT_TRUE(info.initialized);
  EXPECT_EQ(info.floor_ms, 123456789012);
  EXPECT_EQ(info.owner_id, "100");
  auto const seen = s->seen({"5", "6", "404"});
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen.at("5").edit_count, 3);
  EXPECT_EQ(seen.at("6").edit_count, 2);
  EXPECT_TRUE(seen.at("6").own);
  EXPECT_FALSE(seen.at("5").own);
  EXPECT_EQ(seen.at("6").created_ms, 20);
  EXPECT_EQ(seen.at("6").conversation_id, "100-7");
  auto const c = s->conversation("100-7");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->tab, "requests");
  EXPECT_EQ(c->sort_ms, 120);
  EXPECT_EQ(c->last_message_id, "9");
  EXPECT_EQ(c->handoff_until_ms, 5000) << "a handoff only moves later";
  auto const other = s->conversation("100-8");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->handoff_until_ms, 7000);
  EXPECT_FALSE(s->conversation("100-9"));
  EXPECT_EQ(s->counts().seen, 2);
  EXPECT_EQ(s->counts().pending, 1);
}

TEST_P(InboxStoreTest, ManyIdsAreLookedUpInOneCall) {
  auto s = open();
  ASSERT_TRUE(s);
  WalkCommit walk;
  std::vector<std::string> ids;
  for (int i = 0; i < 1200; ++i) {
    ids.push_back(std::to_string(1000000 + i));
    if (i % 3 == 0) walk.seen.push_back(SeenMessage{ids.back(), "c", false, 0, i});
  }
  s->commit(walk);
  auto const seen = s->seen(ids);
  EXPECT_EQ(seen.size(), 400u);
  EXPECT_EQ(seen.count("1001197"), 1u);
  EXPECT_EQ(seen.count("1001198"), 0u);
  EXPECT_TRUE(s->seen({}).empty());
}

TEST_P(InboxStoreTest, PendingIsOldestFirstAndCountsEachHandOver) {
  auto s = open();
  ASSERT_TRUE(s);
  WalkCommit walk;
  // Same time: shorter ids first (numeric order of snowflakes), then edits.
  walk.deliveries = {inbound("30", 300), inbound("100", 200), inbound("99", 200),
                     inbound("99", 200, 1), inbound("7", 400)};
  s->commit(walk);
  auto pending = s->pending();
  std::vector<std::string> order;
  for (auto const& d : pending) {
    order.push_back(d.message.message.id + "/" + std::to_string(d.message.edit_count));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"99/0", "99/1", "100/0", "30/0", "7/0"}));
  auto const first = pending[0].message.sequence;
  EXPECT_EQ(pending[0].message.attempt, 1);
  s->count_attempt(first);
  s->count_attempt(first);
  EXPECT_EQ(s->pending()[0].message.attempt, 3);
  s->acknowledge(first, 5000);
  s->acknowledge(first, 6000);  // twice is once
  pending = s->pending();
  ASSERT_EQ(pending.size(), 4u);
  EXPECT_EQ(pending[0].message.edit_count, 1);
  EXPECT_EQ(s->counts().delivered, 1);
  EXPECT_EQ(s->counts().pending, 4);
}

TEST_P(InboxStoreTest, RefusedSuppressedAndRequeuedRepliesAndTheSpend) {
  auto s = open();
  ASSERT_TRUE(s);
  auto const a = deliver(*s, inbound("1", 1));
  auto const b = deliver(*s, inbound("2", 2));
  auto const c = deliver(*s, inbound("3", 3));
  auto suppressed = reply_to(a);
  suppressed.state = ReplyState::kSuppressed;
  suppressed.done_at_ms = 50;
  s->add_reply(suppressed);
  auto const failing = s->add_reply(reply_to(b));
  s->mark_sending(failing, 60);
  s->mark_failed(failing, "kCannotDm: closed", 61);
  auto const retried = s->add_reply(reply_to(c));
  s->mark_sending(retried, 70);
  s->requeue(retried);
  s->requeue(retried);  // only a sending reply goes back
  EXPECT_EQ(s->reply_for(c)->state, ReplyState::kQueued);
  s->mark_sending(retried, 80);
  s->mark_sent(retried, "m3", 90);
  s->mark_sent(retried, "other", 95);  // settled once
  EXPECT_EQ(s->reply_for(a)->state, ReplyState::kSuppressed);
  EXPECT_EQ(s->reply_for(b)->error, "kCannotDm: closed");
  EXPECT_EQ(s->reply_for(c)->message_id, "m3");
  EXPECT_FALSE(s->reply_for(999));
  EXPECT_TRUE(s->pending().empty()) << "suppressed, failed and sent all acknowledge";
  EXPECT_EQ(s->sent_replies_since(90).size(), 1u);
  EXPECT_TRUE(s->sent_replies_since(91).empty());

  s->add_spend(20000, 2000, 1);
  s->add_spend(20000, 3000, 2);
  s->add_spend(20001, 7, 1);
  EXPECT_EQ(s->spend(20000), 5000);
  EXPECT_EQ(s->spend(20001), 7);
  EXPECT_EQ(s->spend(19999), 0);

  auto const n = s->counts();
  EXPECT_EQ(n.delivered, 3);
  EXPECT_EQ(n.pending, 0);
  EXPECT_EQ(n.replies_sent, 1);
  EXPECT_EQ(n.replies_failed, 1);
  EXPECT_EQ(n.replies_suppressed, 1);
  EXPECT_EQ(n.replies_open, 0);
}

TEST_P(InboxStoreTest, AReplySeenInTheInboxSettlesWithTheWalk) {
  auto s = open();
  ASSERT_TRUE(s);
  auto const seq = deliver(*s, inbound("1", 1));
  auto const id = s->add_reply(reply_to(seq));
  s->mark_sending(id, 10);
  WalkCommit walk;
  walk.replies_seen = {{id, "echo-1"}};
  s->commit(walk);
  EXPECT_EQ(s->reply_for(seq)->state, ReplyState::kSent);
  EXPECT_EQ(s->reply_for(seq)->message_id, "echo-1");
  EXPECT_TRUE(s->pending().empty());
}

TEST_P(InboxStoreTest, AnyBytesAreKeptExactly) {
  auto s = open();
  ASSERT_TRUE(s);
  // NUL, invalid UTF-8, control characters, quotes: what a bot may print.
  std::string const hostile = std::string("a\0b", 3) + "\xff\xfe \x1b[31m 'q' \"d\" \\ é 🙂";
  auto m = inbound("8", 8);
  m.message.text = hostile;
  m.conversation_id = "c'\"\\é";
  auto const seq = deliver(*s, m);
  auto const pending = s->pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].message.conversation_id, m.conversation_id);
  auto r = reply_to(seq, hostile);
  r.recipient_id = "é\x01";
  auto const id = s->add_reply(r);
  s->mark_sending(id, 1);
  s->mark_failed(id, hostile, 2);
  auto const back = s->reply_for(seq);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->text, hostile);
  EXPECT_EQ(back->error, hostile);
  EXPECT_EQ(back->recipient_id, r.recipient_id);
  WalkCommit walk;
  walk.initialize = StoreInfo{true, 1, hostile};
  walk.seen = {SeenMessage{hostile, hostile, false, 0, 1}};
  walk.conversations = {ConversationRecord{hostile, hostile, 1, hostile, 0, 0}};
  s->commit(walk);
  EXPECT_EQ(s->info().owner_id, hostile);
  EXPECT_EQ(s->seen({hostile}).count(hostile), 1u);
  ASSERT_TRUE(s->conversation(hostile));
  EXPECT_EQ(s->conversation(hostile)->last_message_id, hostile);
}

TEST_P(InboxStoreTest, OneWatcherHoldsTheRunLockUntilItsStoreIsGone) {
  auto first = open();
  auto second = open();
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(first->try_lock());
  EXPECT_TRUE(first->try_lock()) << "the holder may ask again";
  EXPECT_FALSE(second->try_lock());
  EXPECT_TRUE(state_->lock_held());
  first.reset();
  EXPECT_TRUE(state_->wait_lock_free());
  EXPECT_TRUE(second->try_lock());
}

TEST_P(InboxStoreTest, EightProcessesOpeningANewStateAtOnceAllGetIt) {
  std::atomic<int> opened{0};
  std::vector<std::string> errors(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto s = open_store(state_->location());
      if (s) {
        ++opened;
        (*s)->add_spend(1, 1, 1);
      } else {
        errors[i] = s.error().message();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(opened.load(), 8) << errors[0] << errors[1];
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->spend(1), 8);
}

TEST_P(InboxStoreTest, TheLocationNeverShowsAPassword) {
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->location().find(testing::kUrlPassword), std::string::npos) << s->location();
  if (GetParam() == Backend::kPostgres) {
    EXPECT_NE(s->location().find(":***@"), std::string::npos) << s->location();
  } else {
    EXPECT_EQ(s->location(), state_->location());
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, InboxStoreTest, ::testing::Values(testing::kBackend),
                         testing::backend_name);

#ifndef GETXAPI_INBOX_TEST_POSTGRES

TEST(InboxStore, RefusesAForeignSqliteFileAndANewerVersion) {
  Scratch dir("store");
  auto const foreign = dir.file("foreign.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(foreign.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto s = open_store(foreign);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kStoreError);

  auto const newer = dir.file("newer.db");
  ASSERT_TRUE(open_store(newer));
  ASSERT_EQ(sqlite3_open(newer.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto n = open_store(newer);
  ASSERT_FALSE(n);
  EXPECT_NE(n.error().message().find("newer"), std::string::npos);
}

// Without PostgreSQL the URL is refused, never taken for a file name; with
// it, a server that is not there is a store error. Neither shows the password.
TEST(InboxStore, APostgresUrlIsRefusedOrUnreachableWithoutThePassword) {
  auto s = open_store("postgresql://user:secret@127.0.0.1:1/db?connect_timeout=2");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kStoreError);
  EXPECT_EQ(s.error().message().find("secret"), std::string::npos) << s.error().message();
#ifndef GETXAPI_INBOX_BUILT_WITH_POSTGRES
  EXPECT_NE(s.error().message().find("GETXAPI_WITH_POSTGRES"), std::string::npos)
      << s.error().message();
#endif
  EXPECT_FALSE(std::filesystem::exists("postgresql:"));
}

#else

// The PostgreSQL tables: versioned, refused when newer or foreign.
class InboxPostgresTables : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!state_.available()) GTEST_SKIP() << "no PostgreSQL server";
  }
  void admin(std::string const& sql) {
    getxapi::testing::postgres_admin("SET search_path TO " + state_.schema() + "; " + sql);
  }
  TestState state_{Backend::kPostgres, "tables"};
};

TEST_F(InboxPostgresTables, TheSchemaIsVersionedAndANewerOneIsRefused) {
  ASSERT_TRUE(open_store(state_.location()));
  ASSERT_TRUE(open_store(state_.location())) << "opening again migrates nothing";
  admin("UPDATE getxapi_schema SET version = 99 WHERE component = 'inbox'");
  auto s = open_store(state_.location());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kStoreError);
  EXPECT_NE(s.error().message().find("newer"), std::string::npos) << s.error().message();
  EXPECT_NE(s.error().message().find("inbox"), std::string::npos) << s.error().message();
  EXPECT_EQ(s.error().message().find(testing::kUrlPassword), std::string::npos);
}

TEST_F(InboxPostgresTables, ForeignTablesOfTheSameNameAreRefused) {
  admin("CREATE TABLE inbox_seen(x integer)");
  auto s = open_store(state_.location());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kStoreError);
  EXPECT_EQ(s.error().message().find(testing::kUrlPassword), std::string::npos);
}

TEST_F(InboxPostgresTables, TwoStatesInOneDatabaseEachHaveTheirOwnLock) {
  TestState other(Backend::kPostgres, "other");
  auto a = open_store(state_.location());
  auto b = open_store(other.location());
  ASSERT_TRUE(a && b);
  EXPECT_TRUE((*a)->try_lock());
  EXPECT_TRUE((*b)->try_lock());
  (*a)->add_spend(1, 5, 1);
  EXPECT_EQ((*b)->spend(1), 0);
}

TEST(InboxPostgresUrl, APasswordParameterIsRedactedToo) {
  auto s = open_store("postgresql://127.0.0.1:1/db?user=u&password=hunter2&connect_timeout=2");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kStoreError);
  EXPECT_EQ(s.error().message().find("hunter2"), std::string::npos) << s.error().message();
}

#endif

}  // namespace
}  // namespace getxapi::inbox
