// Unit tests of the outreach component's pieces that need no network: the
// message template, recipients files, the journal and its schema migrations.
#include <getxapi/outreach.hpp>

#include "store/run_lock.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace getxapi::outreach {
namespace {

using ::testing::HasSubstr;

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("getxapi-outreach-unit-" + std::to_string(::getpid()) + "-" + std::to_string(next_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(std::string const& name) const { return (path_ / name).string(); }

 private:
  static inline int next_ = 0;
  fs::path path_;
};

Timestamp at(std::string const& iso) { return *parse_timestamp(iso); }

void raw_sql(std::string const& path, std::string const& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int const rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string const message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

// ---- template ------------------------------------------------------------------------------

TEST(MessageTemplate, RendersBothPlaceholders) {
  auto t = MessageTemplate::parse("Hi {name} (@{userName})!");
  ASSERT_TRUE(t) << t.error();
  EXPECT_TRUE(t->uses_name());
  EXPECT_TRUE(t->uses_user_name());
  EXPECT_EQ(t->render({"Grace H", "grace_h"}), "Hi Grace H (@grace_h)!");
}

TEST(MessageTemplate, UnknownPlaceholderIsRejectedBeforeAnySend) {
  auto t = MessageTemplate::parse("Hi {first_name}");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(t.error().message(), HasSubstr("{first_name}"));
  EXPECT_EQ(t.error().attempts(), 0);
}

TEST(MessageTemplate, UnmatchedBracesAreRejectedAndDoubledBracesAreLiteral) {
  EXPECT_FALSE(MessageTemplate::parse("Hi {name"));
  EXPECT_FALSE(MessageTemplate::parse("Hi name}"));
  auto t = MessageTemplate::parse("{{code}} for {name}");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->render({"Ada", "ada"}), "{code} for Ada");
}

TEST(MessageTemplate, EmptyOrInvalidUtf8MessagesAreRejected) {
  EXPECT_FALSE(MessageTemplate::parse(""));
  EXPECT_FALSE(MessageTemplate::parse("  \n\t"));
  EXPECT_FALSE(MessageTemplate::parse("caf\xC3"));
  EXPECT_FALSE(MessageTemplate::parse("\xC0\xAF overlong"));
}

TEST(MessageTemplate, MissingNameFallsBackToHandleThenToThere) {
  auto t = MessageTemplate::parse("Hi {name}, aka {userName}");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->render({"", "grace_h"}), "Hi grace_h, aka grace_h");
  EXPECT_EQ(t->render({"   ", "grace_h"}), "Hi grace_h, aka grace_h");
  EXPECT_EQ(t->render({"", ""}), "Hi there, aka there");
  EXPECT_EQ(t->render({"  Grace  ", "grace_h"}), "Hi Grace, aka grace_h");
}

TEST(MessageTemplate, NonAsciiNamesRenderByteForByte) {
  auto t = MessageTemplate::parse("¡Hola {name}! 👋 — {userName}");
  ASSERT_TRUE(t);
  std::string const rendered = t->render({"Zoë 山田 ✨", "zoe_yamada"});
  EXPECT_EQ(rendered, "¡Hola Zoë 山田 ✨! 👋 — zoe_yamada");
  EXPECT_TRUE(is_valid_utf8(rendered));
}

// ---- recipients files -----------------------------------------------------------------------

TEST(RecipientsFile, HandlesIdsCommentsBlanksAndDuplicates) {
  auto r = parse_recipients(
      "\xEF\xBB\xBF# audience\r\n@Grace_H\n\n1700000000000000003\n  ada_example  "
      "\ngrace_h\n@123\n");
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].user_name, "Grace_H");
  EXPECT_EQ((*r)[1].id, "1700000000000000003");
  EXPECT_EQ((*r)[2].user_name, "ada_example");
  EXPECT_EQ((*r)[3].user_name, "123");
}

TEST(RecipientsFile, BadLinesAndEmptyFilesAreRejected) {
  auto bad = parse_recipients("grace_h\nnot a handle\n");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), HasSubstr("line 2"));
  EXPECT_FALSE(parse_recipients("# nobody\n\n"));
  EXPECT_FALSE(read_recipients_file("/nonexistent/recipients.txt"));
}

// ---- journal --------------------------------------------------------------------------------

TEST(Journal, NewJournalIsWalAtTheCurrentVersion) {
  TempDir dir;
  auto j = *Journal::open(dir.file("j.db"));
  EXPECT_EQ(*j.schema_version(), Journal::kSchemaVersion);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file("j.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<char const*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(Journal, AudiencePagesDeduplicateAndSkipCanDmFalse) {
  TempDir dir;
  auto j = *Journal::open(dir.file("j.db"));
  CampaignSpec spec{"c", Audience::followers_of("ada_example"), "Hi {name}"};
  j.create_campaign(spec, "acct-1", at("2026-03-02T10:00:00Z"));
  EXPECT_EQ(*j.add_audience_page("c", {{"1", "a", "A", true}, {"2", "b", "B", false}}, "cur1"), 2);
  auto info = *j.campaign("c");
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->audience_complete);
  EXPECT_EQ(info->audience_cursor, "cur1");
  // The same user on a later page (the list moved while we walked) is kept once.
  EXPECT_EQ(*j.add_audience_page("c", {{"1", "a", "A", true}, {"3", "c", "", true}}, ""), 1);
  info = *j.campaign("c");
  EXPECT_TRUE(info->audience_complete);
  EXPECT_EQ(info->audience_pages, 2);
  auto counts = *j.counts("c");
  EXPECT_EQ(counts.pending, 2);
  EXPECT_EQ(counts.skipped, 1);
  auto skipped = *j.recipients("c", RecipientState::kSkipped);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].user_id, "2");
  EXPECT_EQ(skipped[0].reason, "canDm false");
}

TEST(Journal, StateTransitionsAndDailyCountsAcrossCampaigns) {
  TempDir dir;
  auto j = *Journal::open(dir.file("j.db"));
  Timestamp const day1 = at("2026-03-02T23:59:00Z");
  Timestamp const day2 = at("2026-03-03T00:01:00Z");
  for (std::string name : {"c1", "c2"}) {
    j.create_campaign({name, Audience::followers_of("x"), "Hi"}, "acct-1", day1);
    j.add_audience_page(name, {{"1", "a", "", true}, {"2", "b", "", true}, {"3", "c", "", true}},
                        "");
  }
  j.create_campaign({"other", Audience::followers_of("x"), "Hi"}, "acct-2", day1);
  j.add_audience_page("other", {{"1", "a", "", true}}, "");

  j.mark_sending("c1", 0, "Hi", day1);
  auto again = j.mark_sending("c1", 0, "Hi", day1);  // not pending any more
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kStoreError);
  j.mark_sent("c1", 0, "m1", false, day1);
  j.mark_sending("c1", 1, "Hi", day1);  // in flight: counts as a send (maybe delivered)
  j.mark_sending("c2", 0, "Hi", day2);
  j.mark_sent("c2", 0, "m2", true, day2);
  j.mark_sending("c2", 1, "Hi", day2);
  j.mark_pending("c2", 1, Error(ErrorCode::kNetwork, "connect failed"));
  j.mark_sending("c2", 2, "Hi", day2);
  j.mark_failed("c2", 2, Error(ErrorCode::kCannotDm, "Cannot send messages to this user"));
  j.mark_sending("other", 0, "Hi", day1);
  j.mark_sent("other", 0, "m3", false, day1);

  EXPECT_EQ(*j.sends_on_day("acct-1", utc_day(day1)), 2);
  EXPECT_EQ(*j.sends_on_day("acct-1", utc_day(day2)), 1);
  EXPECT_EQ(*j.sends_on_day("acct-2", utc_day(day1)), 1);

  auto r = *j.recipient("c2", 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, RecipientState::kPending);
  EXPECT_EQ(r->error_code, "kNetwork");
  EXPECT_EQ(r->attempts, 1);
  r = *j.recipient("c2", 2);
  EXPECT_EQ(r->state, RecipientState::kFailed);
  EXPECT_EQ(r->error_code, "kCannotDm");
  r = *j.recipient("c2", 0);
  EXPECT_EQ(r->message_id, "m2");
  EXPECT_TRUE(r->recovered);
  auto c = *j.counts("c2");
  EXPECT_EQ(c.sent, 1);
  EXPECT_EQ(c.recovered, 1);
  EXPECT_EQ(c.pending, 1);
  EXPECT_EQ(c.failed, 1);
  auto next = *j.next_pending("c1");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->seq, 2);
}

TEST(Journal, RunsKeepBillingAcrossProcesses) {
  TempDir dir;
  {
    auto j = *Journal::open(dir.file("j.db"));
    j.create_campaign({"c", Audience::followers_of("x"), "Hi"}, "acct", at("2026-03-02T10:00:00Z"));
    auto run = *j.begin_run("c", "run", CampaignPacing{}, at("2026-03-02T10:00:00Z"));
    Stats s;
    s.endpoints[static_cast<std::size_t>(Endpoint::kFollowers)].billed_calls = 3;
    s.endpoints[static_cast<std::size_t>(Endpoint::kFollowers)].spend_micro_usd = 3000;
    s.endpoints[static_cast<std::size_t>(Endpoint::kDmSend)].billed_calls = 10;
    s.endpoints[static_cast<std::size_t>(Endpoint::kDmSend)].spend_micro_usd = 20000;
    j.record_run_stats(run, s);  // and then the process is killed: no finish_run
  }
  auto j = *Journal::open(dir.file("j.db"));
  auto b = *j.billed("c");
  EXPECT_EQ(b.runs, 1);
  EXPECT_EQ(b.total_billed_calls, 13);
  EXPECT_EQ(b.at(Endpoint::kDmSend), 10);
  EXPECT_EQ(b.spend_micro_usd, 23000);
  auto runs = *j.runs("c");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_FALSE(runs[0].finished_at);
  EXPECT_EQ(runs[0].outcome, "running");
}

TEST(Journal, OneRunPerJournalAtATime) {
  TempDir dir;
  auto j = *Journal::open(dir.file("j.db"));
  ClientOptions client_options;
  client_options.api_key = "key";
  client_options.base_url = "http://127.0.0.1:9";
  Client client(client_options);
  CampaignSpec spec{"c", Audience::followers_of("x"), "Hi"};
  RunOptions options;
  options.auth_token = "sandbox-token-ada";
  // Hold the lock as a concurrent run would, through another name of the same file.
  fs::create_symlink(dir.file("j.db"), dir.file("alias.db"));
  {
    auto held = store::internal::RunLock::acquire(dir.file("alias.db"));
    ASSERT_TRUE(held) << held.error();
    auto r = run_campaign(client, j, spec, options);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kBusy);
    EXPECT_THAT(r.error().message(), HasSubstr("in use by another run"));
    EXPECT_EQ(client.stats().total().requests, 0);
  }
  // Released: the lock is free again under any name.
  EXPECT_TRUE(store::internal::RunLock::acquire(dir.file("j.db")));
}

// The run lock is the file's, not its name's: a symlink, a hard link and a
// `x/../` path of one journal are one lock, held by another process.
TEST(RunLock, AnotherProcessHoldingTheSameFileUnderAnyNameMeansBusy) {
  TempDir dir;
  ASSERT_TRUE(Journal::open(dir.file("j.db")));
  fs::create_symlink(dir.file("j.db"), dir.file("sym.db"));
  fs::create_hard_link(dir.file("j.db"), dir.file("hard.db"));
  fs::create_directories(dir.file("x"));
  int ready[2];
  int release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  pid_t const child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto lock = store::internal::RunLock::acquire(dir.file("sym.db"));
    char const c = lock ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    char wait = 0;
    (void)!::read(release[0], &wait, 1);
    ::_exit(0);
  }
  char got = 0;
  ASSERT_EQ(::read(ready[0], &got, 1), 1);
  ASSERT_EQ(got, 'y');
  for (auto const& name : {dir.file("j.db"), dir.file("hard.db"), dir.file("x/../j.db")}) {
    auto second = store::internal::RunLock::acquire(name);
    ASSERT_FALSE(second) << name;
    EXPECT_EQ(second.error().code(), ErrorCode::kBusy) << name;
  }
  (void)!::write(release[1], "x", 1);
  int status = 0;
  ::waitpid(child, &status, 0);
  // The child is gone, and so is its lock (as after a kill -9).
  EXPECT_TRUE(store::internal::RunLock::acquire(dir.file("hard.db")));
}

TEST(Journal, RejectsForeignAndNewerFiles) {
  TempDir dir;
  raw_sql(dir.file("other.db"), "CREATE TABLE t(x)");
  auto other = Journal::open(dir.file("other.db"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code(), ErrorCode::kStoreError);
  raw_sql(dir.file("newer.db"), "CREATE TABLE campaigns(x); PRAGMA user_version = 99;");
  auto newer = Journal::open(dir.file("newer.db"));
  ASSERT_FALSE(newer) << "a newer schema was accepted";
  EXPECT_EQ(newer.error().code(), ErrorCode::kStoreError);
  EXPECT_THAT(newer.error().message(), HasSubstr("newer"));
  std::ofstream(dir.file("text.db")) << "not a database at all, just text\n";
  auto text = Journal::open(dir.file("text.db"));
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code(), ErrorCode::kStoreError);
}

std::string file_bytes(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string journal_mode(std::string const& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  std::string mode;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    mode = reinterpret_cast<char const*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return mode;
}

// #11 item 9: another program's database is refused before anything in it
// changes: not switched to WAL, not one byte written.
TEST(Journal, AForeignDatabaseIsRefusedUnchanged) {
  TempDir dir;
  std::string const path = dir.file("app.db");
  raw_sql(path,
          "CREATE TABLE notes(x); INSERT INTO notes VALUES ('keep me'); "
          "PRAGMA user_version = 3;");
  std::string const before = file_bytes(path);
  ASSERT_EQ(journal_mode(path), "delete");
  auto j = Journal::open(path);
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code(), ErrorCode::kStoreError);
  EXPECT_THAT(j.error().message(), HasSubstr("not a getxapi outreach journal"));
  EXPECT_EQ(journal_mode(path), "delete");
  EXPECT_EQ(file_bytes(path), before);
  EXPECT_FALSE(fs::exists(path + "-wal"));
  // A journal says what it is in its header, so it is recognised again.
  ASSERT_TRUE(Journal::open(dir.file("mine.db")));
  EXPECT_TRUE(Journal::open(dir.file("mine.db")));
}

TEST(Journal, APostgresUrlIsRefusedNotTakenForAFileName) {
  auto j = Journal::open("postgresql://user:secret@127.0.0.1/db");
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code(), ErrorCode::kStoreError);
  EXPECT_THAT(j.error().message(), ::testing::Not(HasSubstr("secret")));
}

// The schema of version 1, as the first release wrote it, with a campaign in
// the middle of its run: one sent, one in flight, one pending, one skipped.
constexpr char kVersion1Journal[] = R"sql(
PRAGMA journal_mode=WAL;
CREATE TABLE campaigns(
  name TEXT PRIMARY KEY, created_at_ms INTEGER NOT NULL, audience TEXT NOT NULL,
  message TEXT NOT NULL, account_key TEXT NOT NULL,
  audience_complete INTEGER NOT NULL DEFAULT 0, audience_cursor TEXT NOT NULL DEFAULT '',
  audience_pages INTEGER NOT NULL DEFAULT 0);
CREATE TABLE recipients(
  campaign TEXT NOT NULL REFERENCES campaigns(name), seq INTEGER NOT NULL,
  user_id TEXT NOT NULL DEFAULT '', user_name TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '', can_dm INTEGER,
  state TEXT NOT NULL CHECK (state IN ('pending','sending','sent','skipped','failed')),
  text TEXT NOT NULL DEFAULT '', message_id TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '', error_code TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0, sending_at_ms INTEGER, sent_at_ms INTEGER,
  PRIMARY KEY (campaign, seq));
CREATE UNIQUE INDEX recipients_by_user ON recipients(campaign, user_id) WHERE user_id <> '';
CREATE INDEX recipients_by_state ON recipients(campaign, state, seq);
CREATE TABLE runs(
  id INTEGER PRIMARY KEY AUTOINCREMENT, campaign TEXT NOT NULL, started_at_ms INTEGER NOT NULL,
  finished_at_ms INTEGER, outcome TEXT NOT NULL DEFAULT 'running',
  billed_calls INTEGER NOT NULL DEFAULT 0, spend_micro_usd INTEGER NOT NULL DEFAULT 0);
INSERT INTO campaigns VALUES ('spring', 1772445600000, 'followers:ada_example',
  'Hi {name}', 'acct-0123456789abcdef', 1, '', 3);
INSERT INTO recipients(campaign, seq, user_id, user_name, name, can_dm, state, text, message_id,
  attempts, sending_at_ms, sent_at_ms) VALUES
  ('spring', 0, '11', 'zoe', 'Zoë', 1, 'sent', 'Hi Zoë', 'm-1', 1, 1772445600000, 1772445601000),
  ('spring', 1, '12', 'li', '李', 1, 'sending', 'Hi 李', '', 1, 1772445602000, NULL),
  ('spring', 2, '13', 'max', 'Max', 1, 'pending', '', '', 0, NULL, NULL);
INSERT INTO recipients(campaign, seq, user_id, user_name, can_dm, state, reason) VALUES
  ('spring', 3, '14', 'shut', 0, 'skipped', 'canDm false');
INSERT INTO runs(campaign, started_at_ms, billed_calls, spend_micro_usd)
  VALUES ('spring', 1772445600000, 5, 7000);
PRAGMA user_version = 1;
)sql";

TEST(JournalMigration, Version1JournalIsMigratedInPlaceAndKeepsItsState) {
  TempDir dir;
  std::string const path = dir.file("v1.db");
  raw_sql(path, kVersion1Journal);
  auto j = *Journal::open(path);
  EXPECT_EQ(*j.schema_version(), 2);

  auto c = *j.campaign("spring");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->audience.kind, Audience::Kind::kFollowers);
  EXPECT_EQ(c->audience.source, "ada_example");
  EXPECT_EQ(c->message, "Hi {name}");
  EXPECT_TRUE(c->audience_complete);
  EXPECT_EQ(c->sender_id, "");

  auto counts = *j.counts("spring");
  EXPECT_EQ(counts.sent, 1);
  EXPECT_EQ(counts.sending, 1);
  EXPECT_EQ(counts.pending, 1);
  EXPECT_EQ(counts.skipped, 1);
  EXPECT_EQ(counts.recovered, 0);
  auto inflight = *j.recipient("spring", 1);
  ASSERT_TRUE(inflight);
  EXPECT_EQ(inflight->text, "Hi 李");
  EXPECT_EQ(inflight->state, RecipientState::kSending);

  // Version 2's per-day index is back-filled: the sent and the in-flight row
  // count against 2026-03-02 for the daily cap.
  EXPECT_EQ(*j.sends_on_day("acct-0123456789abcdef", utc_day(at("2026-03-02T12:00:00Z"))), 2);
  // Version 1's billing survives (as a total; it had no per-endpoint split).
  auto billed = *j.billed("spring", std::string("run"));
  EXPECT_EQ(billed.total_billed_calls, 5);
  EXPECT_EQ(billed.spend_micro_usd, 7000);

  // And the migrated file works as a version 2 journal.
  j.mark_sent("spring", 1, "m-2", true, at("2026-03-02T10:00:03Z"));
  EXPECT_TRUE(*j.mark_replied("spring", 1, at("2026-03-02T11:00:00Z")));
  EXPECT_EQ(j.counts("spring")->replied, 1);
  // Reopening does not migrate twice.
  auto again = *Journal::open(path);
  EXPECT_EQ(*again.schema_version(), 2);
  EXPECT_EQ(again.counts("spring")->sent, 2);
}

TEST(CampaignStatus, CountsBillingAndEtaUnderTheCap) {
  TempDir dir;
  auto j = *Journal::open(dir.file("j.db"));
  Timestamp const now = at("2026-03-02T12:00:00Z");
  j.create_campaign({"c", Audience::followers_of("x"), "Hi"}, "acct", now);
  std::vector<NewRecipient> page;
  for (int i = 0; i < 10; ++i) page.push_back({std::to_string(100 + i), "u", "", i < 8});
  j.add_audience_page("c", page, "");
  CampaignPacing pacing;
  pacing.delay_min = std::chrono::seconds(2);
  pacing.delay_max = std::chrono::seconds(4);
  pacing.daily_cap = 5;
  auto run = *j.begin_run("c", "run", pacing, now);
  for (int seq = 0; seq < 3; ++seq) {
    j.mark_sending("c", seq, "Hi", now);
    j.mark_sent("c", seq, "m" + std::to_string(seq), false, now);
  }
  Stats s;
  s.endpoints[static_cast<std::size_t>(Endpoint::kFollowers)].billed_calls = 1;
  s.endpoints[static_cast<std::size_t>(Endpoint::kDmSend)].billed_calls = 3;
  s.endpoints[static_cast<std::size_t>(Endpoint::kDmSend)].spend_micro_usd = 6000;
  j.record_run_stats(run, s);

  auto st = campaign_status(j, "c", now);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->counts.sent, 3);
  EXPECT_EQ(st->remaining, 5);
  EXPECT_EQ(st->sent_today, 3);
  ASSERT_TRUE(st->billed_calls_per_dm);
  EXPECT_DOUBLE_EQ(*st->billed_calls_per_dm, 4.0 / 3.0);
  EXPECT_EQ(st->skipped_reasons.at("canDm false"), 2);
  // 2 more today (cap 5), then 3 tomorrow at 3 s each: 12 h to midnight + 9 s.
  ASSERT_TRUE(st->eta);
  EXPECT_EQ(st->eta->count(), 12 * 3600 + 9);
  auto json = to_json(*st);
  EXPECT_EQ(json["counts"]["sent"], 3);
  EXPECT_EQ(json["billed_calls"]["total"], 4);
  EXPECT_EQ(json["daily_cap"], 5);
  std::ostringstream text;
  text << *st;
  EXPECT_THAT(text.str(), HasSubstr("billed calls per delivered DM: 1.3333"));
  EXPECT_FALSE(campaign_status(j, "nope", now));
}

}  // namespace
}  // namespace getxapi::outreach
