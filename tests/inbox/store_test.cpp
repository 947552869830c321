// The SQLite state: what it refuses, and that a reply is journaled once.
#include "scratch.hpp"

#include <getxapi/inbox.hpp>

#include <sqlite3.h>

#include <gtest/gtest.h>

namespace getxapi::inbox {
namespace {

using testing::Scratch;

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

TEST(InboxStore, PostgresUrlsAreRefusedBeforeAnythingElse) {
  auto s = open_store("postgresql://user:secret@localhost/db");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kStoreError);
  EXPECT_EQ(s.error().message().find("secret"), std::string::npos);
}

TEST(InboxStore, AReplyIsJournaledOncePerDeliveryAndSentAcknowledges) {
  Scratch dir("store");
  auto s = open_store(dir.file("s.db"));
  ASSERT_TRUE(s);
  auto& store = **s;
  WalkCommit walk;
  InboundMessage m;
  m.message.id = "5";
  m.conversation_id = "1-2";
  m.message.sender_id = "2";
  walk.deliveries.push_back(m);
  walk.deliveries.push_back(m);  // the same (id, edit_count) twice is one delivery
  store.commit(walk);
  auto pending = store.pending();
  ASSERT_EQ(pending.size(), 1u);
  ReplyRecord r;
  r.delivery_seq = pending[0].message.sequence;
  r.conversation_id = "1-2";
  r.recipient_id = "2";
  r.text = "hi";
  auto const id = store.add_reply(r);
  EXPECT_EQ(store.add_reply(r), id);
  store.mark_sending(id, 1000);
  EXPECT_THROW(store.mark_sending(id, 1001), StoreError) << "only a queued reply starts sending";
  EXPECT_EQ(store.open_replies().size(), 1u);
  store.mark_sent(id, "77", 1002);
  EXPECT_TRUE(store.open_replies().empty());
  EXPECT_TRUE(store.pending().empty());
  EXPECT_EQ(store.counts().replies_sent, 1);
}

}  // namespace
}  // namespace getxapi::inbox
