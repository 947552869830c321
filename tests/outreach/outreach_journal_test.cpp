// Every `Journal` call, with the same assertions over both stores: built once
// over a SQLite file (outreach_journal_test) and once over a PostgreSQL schema
// of its own per test (outreach_journal_postgres_test, GETXAPI_OUTREACH_TEST_POSTGRES,
// a real server: ctest -L postgres). The PostgreSQL build adds what only a
// database has: migrations in getxapi_schema, processes opening at once, the
// run lock as an advisory lock, a password in the URL.
#include <getxapi/outreach.hpp>

#ifdef GETXAPI_OUTREACH_TEST_POSTGRES
#include "postgres_support.hpp"
// Test names are ctest's keys (and carry the labels): the two builds must not share them.
#define JournalStore PostgresJournalStore
#endif

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace getxapi::outreach {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

Timestamp at(std::string const& iso) { return *parse_timestamp(iso); }

class JournalStore : public ::testing::Test {
 protected:
  JournalStore() {
    static int next = 0;
    dir_ = fs::temp_directory_path() /
           ("getxapi-journal-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
    fs::create_directories(dir_);
  }
  ~JournalStore() override {
    fs::remove_all(dir_);
#ifdef GETXAPI_OUTREACH_TEST_POSTGRES
    if (!schema_.empty()) getxapi::testing::drop_postgres_schema(schema_);
#endif
  }

#ifdef GETXAPI_OUTREACH_TEST_POSTGRES
  void SetUp() override {
    if (!getxapi::testing::postgres_available()) GTEST_SKIP() << "no PostgreSQL server";
    schema_ = getxapi::testing::create_postgres_schema();
  }
  std::string location() const { return getxapi::testing::postgres_url(schema_); }
  std::string schema_;
#else
  std::string location() const { return (dir_ / "j.db").string(); }
#endif

  Journal open() {
    auto j = Journal::open(location());
    if (!j) throw std::runtime_error(j.error().message());
    return std::move(*j);
  }

  fs::path dir_;
};

TEST_F(JournalStore, OpensAtTheCurrentVersionAndKeepsWhatWasCommitted) {
  {
    auto j = open();
    EXPECT_EQ(*j.schema_version(), Journal::kSchemaVersion);
    ASSERT_TRUE(j.create_campaign({"c", Audience::followers_of("x"), "Hi"}, "acct",
                                  at("2026-03-02T10:00:00Z")));
  }
  auto j = open();  // a second process, later
  EXPECT_EQ(*j.schema_version(), Journal::kSchemaVersion);
  auto c = *j.campaign("c");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->created_at, at("2026-03-02T10:00:00Z"));
  EXPECT_EQ(c->account_key, "acct");
  EXPECT_FALSE(*j.campaign("missing"));
}

TEST_F(JournalStore, AudiencePagesDeduplicateAndSkipCanDmFalse) {
  auto j = open();
  CampaignSpec spec{"c", Audience::followers_of("ada_example"), "Hi {name}"};
  j.create_campaign(spec, "acct-1", at("2026-03-02T10:00:00Z"));
  EXPECT_EQ(*j.add_audience_page("c", {{"1", "a", "A", true}, {"2", "b", "B", false}}, "cur1"), 2);
  auto info = *j.campaign("c");
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->audience_complete);
  EXPECT_EQ(info->audience_cursor, "cur1");
  EXPECT_EQ(info->audience.describe(), spec.audience.describe());
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
  auto all = *j.recipients("c");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].seq, 0);
  EXPECT_EQ(all[2].seq, 2);  // no gap where the duplicate was refused
  EXPECT_EQ(all[2].user_id, "3");
  EXPECT_EQ(all[0].can_dm, std::optional<bool>(true));
  EXPECT_EQ(all[0].name, "A");
}

Timestamp const kDay1 = at("2026-03-02T23:59:00Z");
Timestamp const kDay2 = at("2026-03-03T00:01:00Z");

// Two campaigns of acct-1 over two UTC days and one of acct-2, in every state.
void seed_transitions(Journal& j) {
  for (std::string name : {"c1", "c2"}) {
    j.create_campaign({name, Audience::followers_of("x"), "Hi"}, "acct-1", kDay1);
    j.add_audience_page(name, {{"1", "a", "", true}, {"2", "b", "", true}, {"3", "c", "", true}},
                        "");
  }
  j.create_campaign({"other", Audience::followers_of("x"), "Hi"}, "acct-2", kDay1);
  j.add_audience_page("other", {{"1", "a", "", true}}, "");

  j.mark_sending("c1", 0, "Hi", kDay1);
  j.mark_sent("c1", 0, "m1", false, kDay1);
  j.mark_sending("c1", 1, "Hi", kDay1);  // in flight: counts as a send (maybe delivered)
  j.mark_sending("c2", 0, "Hi", kDay2);
  j.mark_sent("c2", 0, "m2", true, kDay2);
  j.mark_sending("c2", 1, "Hi", kDay2);
  j.mark_pending("c2", 1, Error(ErrorCode::kNetwork, "connect failed"));
  j.mark_sending("c2", 2, "Hi", kDay2);
  j.mark_failed("c2", 2, Error(ErrorCode::kCannotDm, "Cannot send messages to this user"));
  j.mark_sending("other", 0, "Hi", kDay1);
  j.mark_sent("other", 0, "m3", false, kDay1);
}

TEST_F(JournalStore, StateTransitionsAndDailyCountsAcrossCampaigns) {
  auto j = open();
  seed_transitions(j);
  auto again = j.mark_sending("c1", 0, "Hi", kDay1);  // not pending any more
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kStoreError);

  EXPECT_EQ(*j.sends_on_day("acct-1", utc_day(kDay1)), 2);
  EXPECT_EQ(*j.sends_on_day("acct-1", utc_day(kDay2)), 1);
  EXPECT_EQ(*j.sends_on_day("acct-2", utc_day(kDay1)), 1);
  auto c = *j.counts("c2");
  EXPECT_EQ(c.sent, 1);
  EXPECT_EQ(c.recovered, 1);
  EXPECT_EQ(c.pending, 1);
  EXPECT_EQ(c.failed, 1);
  EXPECT_EQ(c.total(), 3);
  auto next = *j.next_pending("c1");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->seq, 2);
  EXPECT_FALSE(*j.next_pending("c1", 2));
  EXPECT_FALSE(*j.recipient("c1", 99));
}

TEST_F(JournalStore, EachMarkLeavesItsRowAsDescribed) {
  auto j = open();
  seed_transitions(j);
  auto r = *j.recipient("c2", 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, RecipientState::kPending);
  EXPECT_EQ(r->error_code, "kNetwork");
  EXPECT_EQ(r->reason, "connect failed");
  EXPECT_EQ(r->attempts, 1);
  r = *j.recipient("c2", 2);
  EXPECT_EQ(r->state, RecipientState::kFailed);
  EXPECT_EQ(r->error_code, "kCannotDm");
  r = *j.recipient("c2", 0);
  EXPECT_EQ(r->message_id, "m2");
  EXPECT_TRUE(r->recovered);
  EXPECT_EQ(r->sent_at, kDay2);
  EXPECT_EQ(r->sending_at, kDay2);
  EXPECT_EQ(r->text, "Hi");
  // A pending mark without an error keeps the last failure on record.
  j.mark_sending("c2", 1, "Hi", kDay2);
  j.mark_pending("c2", 1);
  EXPECT_EQ(j.recipient("c2", 1)->value().error_code, "kNetwork");
  EXPECT_EQ(j.recipient("c2", 1)->value().attempts, 2);
}

TEST_F(JournalStore, UnsettledSkippedRepliedAndTheSender) {
  auto j = open();
  Timestamp const t = at("2026-03-02T10:00:00Z");
  j.create_campaign({"c", Audience::followers_of("x"), "Hi"}, "acct", t);
  j.add_audience_page("c", {{"1", "a", "", true}, {"2", "b", "", true}, {"3", "c", "", true}}, "");
  ASSERT_TRUE(j.set_sender_id("c", "42"));
  EXPECT_EQ(j.campaign("c")->value().sender_id, "42");

  // Unsettled: only a `sending` row takes it.
  j.mark_unsettled("c", 0, t + std::chrono::seconds(90), Error(ErrorCode::kTimeout, "slow"));
  EXPECT_FALSE(j.recipient("c", 0)->value().settle_at);
  j.mark_sending("c", 0, "Hi", t);
  ASSERT_TRUE(
      j.mark_unsettled("c", 0, t + std::chrono::seconds(90), Error(ErrorCode::kTimeout, "slow")));
  auto r = j.recipient("c", 0)->value();
  EXPECT_EQ(r.state, RecipientState::kSending);
  EXPECT_EQ(r.settle_at, t + std::chrono::seconds(90));
  EXPECT_EQ(r.error_code, "kTimeout");
  EXPECT_EQ(r.reason, "slow");
  EXPECT_EQ(*j.sends_on_day("acct", utc_day(t)), 1);
  // Skipped after all: no longer a send of that day.
  ASSERT_TRUE(j.mark_skipped("c", 0, "answered elsewhere"));
  EXPECT_EQ(*j.sends_on_day("acct", utc_day(t)), 0);
  EXPECT_EQ(j.recipient("c", 0)->value().reason, "answered elsewhere");
  // A new attempt starts without a settle time.
  j.mark_sending("c", 1, "Hi", t);
  EXPECT_FALSE(j.recipient("c", 1)->value().settle_at);

  j.mark_sent("c", 1, "m1", false, t);
  EXPECT_EQ(*j.mark_replied("c", 1, t + std::chrono::hours(1)), true);
  EXPECT_EQ(*j.mark_replied("c", 1, t + std::chrono::hours(2)), false);  // recorded once
  EXPECT_EQ(j.recipient("c", 1)->value().replied_at, t + std::chrono::hours(1));
  EXPECT_EQ(*j.mark_replied("c", 77, t), false);
  auto c = *j.counts("c");
  EXPECT_EQ(c.replied, 1);
  EXPECT_EQ(c.sent, 1);
  EXPECT_EQ(c.pending, 1);
  EXPECT_EQ(c.skipped, 1);
  EXPECT_EQ(j.recipients("c", RecipientState::kSent)->size(), 1u);
  EXPECT_TRUE(j.recipients("c", RecipientState::kSending)->empty());
}

TEST_F(JournalStore, AFileAudienceIsCompleteAtOnceAndResolvesHandles) {
  auto j = open();
  std::vector<NewRecipient> file = {
      {"", "ada", "", {}}, {"2", "", "", {}}, {"2", "", "", {}}, {"", "grace", "", {}}};
  auto info = j.create_campaign({"f", Audience::from_file("r.txt"), "Hi"}, "acct",
                                at("2026-03-02T10:00:00Z"), file);
  ASSERT_TRUE(info) << info.error();
  EXPECT_TRUE(info->audience_complete);
  EXPECT_EQ(info->audience.kind, Audience::Kind::kFile);
  auto all = *j.recipients("f");
  ASSERT_EQ(all.size(), 3u);  // the repeated id is kept once
  EXPECT_EQ(all[1].user_id, "2");
  EXPECT_EQ(all[2].seq, 3);  // in file order
  EXPECT_EQ(all[2].user_name, "grace");
  // ada resolves to a new id; grace turns out to be id 2, already in.
  EXPECT_EQ(*j.resolve("f", 0, {"1", "ada", "Ada", true}), true);
  EXPECT_EQ(*j.resolve("f", 3, {"2", "grace", "Grace", false}), false);
  auto ada = j.recipient("f", 0)->value();
  EXPECT_EQ(ada.user_id, "1");
  EXPECT_EQ(ada.name, "Ada");
  EXPECT_EQ(ada.can_dm, std::optional<bool>(true));
  auto grace = j.recipient("f", 3)->value();
  EXPECT_EQ(grace.state, RecipientState::kSkipped);
  EXPECT_EQ(grace.reason, "duplicate of recipient #1");
  EXPECT_EQ(grace.user_id, "");
  // The same name twice is one campaign.
  auto twice = j.create_campaign({"f", Audience::followers_of("x"), "Hi"}, "acct",
                                 at("2026-03-02T10:00:00Z"));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code(), ErrorCode::kStoreError);
  EXPECT_EQ(j.recipients("f")->size(), 3u);
}

TEST_F(JournalStore, CampaignsComeInByteOrderAndTextRoundTrips) {
  auto j = open();
  std::string const odd = "it's \"quoted\"; -- \t\n\x01 ✨ $1 ? %s";
  for (std::string const& name : std::vector<std::string>{"beta", "alpha", "Alpha", odd}) {
    ASSERT_TRUE(j.create_campaign({name, Audience::followers_of("x"), odd + name}, "acct",
                                  at("2026-03-02T10:00:00Z")));
  }
  auto all = *j.campaigns();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].name, "Alpha");
  EXPECT_EQ(all[1].name, "alpha");
  EXPECT_EQ(all[2].name, "beta");
  EXPECT_EQ(all[3].name, odd);
  EXPECT_EQ(all[3].message, odd + odd);
  j.add_audience_page(odd, {{"1", "a", odd, true}}, odd);
  EXPECT_EQ(j.recipient(odd, 0)->value().name, odd);
  EXPECT_EQ(j.campaign(odd)->value().audience_cursor, odd);
}

TEST_F(JournalStore, RunsKeepBillingAcrossProcesses) {
  Timestamp const t = at("2026-03-02T10:00:00Z");
  {
    auto j = open();
    j.create_campaign({"c", Audience::followers_of("x"), "Hi"}, "acct", t);
    CampaignPacing pacing;
    pacing.delay_min = std::chrono::milliseconds(1500);
    pacing.delay_max = std::chrono::milliseconds(4000);
    pacing.daily_cap = 250;
    auto run = *j.begin_run("c", "run", pacing, t);
    Stats s;
    s.endpoints[static_cast<std::size_t>(Endpoint::kFollowers)].billed_calls = 3;
    s.endpoints[static_cast<std::size_t>(Endpoint::kFollowers)].spend_micro_usd = 3000;
    s.endpoints[static_cast<std::size_t>(Endpoint::kDmSend)].billed_calls = 10;
    s.endpoints[static_cast<std::size_t>(Endpoint::kDmSend)].spend_micro_usd = 20000;
    j.record_run_stats(run, s);  // and then the process is killed: no finish_run
    auto replies = *j.begin_run("c", "replies", CampaignPacing{}, t + std::chrono::hours(1));
    EXPECT_GT(replies, run);
    Stats r;
    r.endpoints[static_cast<std::size_t>(Endpoint::kDmList)].billed_calls = 2;
    r.endpoints[static_cast<std::size_t>(Endpoint::kDmList)].spend_micro_usd = 2000;
    j.record_run_stats(replies, r);
    ASSERT_TRUE(j.finish_run(replies, "completed", t + std::chrono::hours(2)));
  }
  auto j = open();
  auto b = *j.billed("c");
  EXPECT_EQ(b.runs, 2);
  EXPECT_EQ(b.total_billed_calls, 15);
  EXPECT_EQ(b.at(Endpoint::kDmSend), 10);
  EXPECT_EQ(b.at(Endpoint::kFollowers), 3);
  EXPECT_EQ(b.at(Endpoint::kDmList), 2);
  EXPECT_EQ(b.spend_micro_usd, 25000);
  auto only_runs = *j.billed("c", std::string("run"));
  EXPECT_EQ(only_runs.runs, 1);
  EXPECT_EQ(only_runs.total_billed_calls, 13);
  EXPECT_EQ(only_runs.at(Endpoint::kDmList), 0);
  EXPECT_EQ(j.billed("nobody")->runs, 0);
  auto runs = *j.runs("c");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_FALSE(runs[0].finished_at);
  EXPECT_EQ(runs[0].outcome, "running");
  EXPECT_EQ(runs[0].kind, "run");
  EXPECT_EQ(runs[0].started_at, t);
  EXPECT_EQ(runs[0].pacing.delay_min, std::chrono::milliseconds(1500));
  EXPECT_EQ(runs[0].pacing.delay_max, std::chrono::milliseconds(4000));
  EXPECT_EQ(runs[0].pacing.daily_cap, std::optional<int>(250));
  EXPECT_EQ(runs[1].kind, "replies");
  EXPECT_EQ(runs[1].outcome, "completed");
  EXPECT_EQ(runs[1].finished_at, t + std::chrono::hours(2));
  EXPECT_FALSE(runs[1].pacing.daily_cap);
}

TEST_F(JournalStore, ATransactionCommitsAllOrNothingAndNestedCallsJoinIt) {
  auto j = open();
  Timestamp const t = at("2026-03-02T10:00:00Z");
  j.create_campaign({"c", Audience::followers_of("x"), "Hi"}, "acct", t);
  j.add_audience_page("c", {{"1", "a", "", true}, {"2", "b", "", true}}, "");
  auto failed = j.transaction([&]() -> Result<Committed> {
    if (!j.mark_sending("c", 0, "Hi", t)) return Error(ErrorCode::kStoreError, "unexpected");
    auto inner =
        j.transaction([&]() -> Result<Committed> { return j.mark_sending("c", 1, "Hi", t); });
    if (!inner) return inner;
    return Error(ErrorCode::kNetwork, "changed my mind");
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code(), ErrorCode::kNetwork);
  EXPECT_EQ(j.counts("c")->pending, 2);  // both marks rolled back
  EXPECT_EQ(*j.sends_on_day("acct", utc_day(t)), 0);
  ASSERT_TRUE(j.transaction([&]() -> Result<Committed> {
    auto a = j.mark_sending("c", 0, "Hi", t);
    if (!a) return a;
    return j.mark_sent("c", 0, "m", false, t);
  }));
  auto reopened = open();
  EXPECT_EQ(reopened.counts("c")->sent, 1);
}

#ifdef GETXAPI_OUTREACH_TEST_POSTGRES
// ---- PostgreSQL only ------------------------------------------------------------------------

std::string query_one(std::string const& url, std::string const& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  EXPECT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PGresult* r = PQexec(c, sql.c_str());
  std::string out;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
  PQclear(r);
  PQfinish(c);
  return out;
}

void exec_in(std::string const& url, std::string const& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PGresult* r = PQexec(c, sql.c_str());
  EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
}

// The URL with a password in it (the test server trusts loopback, so it is ignored).
std::string with_password(std::string url, std::string const& password) {
  auto const start = url.find("://") + 3;
  auto const at = url.find('@', start);
  if (at == std::string::npos) return url;
  return url.insert(at, ":" + password);
}

// Holds an advisory lock as another process's run would, until `release`.
class HeldLock {
 public:
  HeldLock(std::string const& url, std::string const& name) : conn_(PQconnectdb(url.c_str())) {
    EXPECT_EQ(PQstatus(conn_), CONNECTION_OK);
    char const* values[] = {name.c_str()};
    PGresult* r = PQexecParams(conn_, "SELECT pg_advisory_lock(hashtext($1))", 1, nullptr, values,
                               nullptr, nullptr, 0);
    EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQerrorMessage(conn_);
    PQclear(r);
  }
  ~HeldLock() { release(); }
  void release() {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
  }

 private:
  PGconn* conn_;
};

TEST_F(JournalStore, TheUrlShownHasNoPassword) {
  std::string const url = with_password(location(), "s3cr3t-pw");
  ASSERT_NE(url, location());
  auto j = Journal::open(url);
  ASSERT_TRUE(j) << j.error();
  EXPECT_THAT(j->path(), Not(HasSubstr("s3cr3t-pw")));
  EXPECT_THAT(j->path(), HasSubstr("***"));
  EXPECT_THAT(j->path(), HasSubstr("postgresql://"));
  // As a query parameter too (and the client key's passphrase).
  auto query =
      Journal::open(location() + "&password=qu3ry-pw&sslpassword=k3y-pw&application_name=t");
  ASSERT_TRUE(query) << query.error();
  EXPECT_THAT(query->path(), Not(HasSubstr("qu3ry-pw")));
  EXPECT_THAT(query->path(), Not(HasSubstr("k3y-pw")));
  EXPECT_THAT(query->path(), HasSubstr("&password=***&sslpassword=***&application_name=t"));
  // Unreachable: kStoreError, and the message does not carry the password either.
  for (std::string const down_url : {"postgresql://getxapi:s3cr3t-pw@127.0.0.1:1/nothing",
                                     "postgres://127.0.0.1:1/nothing?password=s3cr3t-pw"}) {
    auto down = Journal::open(down_url);
    ASSERT_FALSE(down);
    EXPECT_EQ(down.error().code(), ErrorCode::kStoreError);
    EXPECT_THAT(down.error().message(), Not(HasSubstr("s3cr3t-pw")));
  }
}

TEST_F(JournalStore, ADatabaseFromANewerVersionIsRefusedUnchanged) {
  { auto j = open(); }
  exec_in(location(), "UPDATE getxapi_schema SET version = 99 WHERE component = 'outreach'");
  auto j = Journal::open(location());
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code(), ErrorCode::kStoreError);
  EXPECT_THAT(j.error().message(), HasSubstr("upgrade getxapi"));
  EXPECT_EQ(
      query_one(location(), "SELECT version FROM getxapi_schema WHERE component = 'outreach'"),
      "99");
}

TEST_F(JournalStore, AnotherProgramsTablesAreRefusedUnchanged) {
  exec_in(location(), "CREATE TABLE outreach_campaigns(id INTEGER, note TEXT)");
  exec_in(location(), "INSERT INTO outreach_campaigns VALUES (1, 'theirs')");
  auto j = Journal::open(location());
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code(), ErrorCode::kStoreError);
  EXPECT_EQ(query_one(location(), "SELECT note FROM outreach_campaigns"), "theirs");
  EXPECT_EQ(query_one(location(), "SELECT to_regclass('outreach_recipients') IS NULL"), "t");
}

// Version 1 as it would have been written, with a campaign mid-run.
TEST_F(JournalStore, Version1IsMigratedAndKeepsItsState) {
  exec_in(location(), R"sql(
CREATE TABLE getxapi_schema (component text PRIMARY KEY, version integer NOT NULL);
INSERT INTO getxapi_schema VALUES ('outreach', 1);
CREATE TABLE outreach_campaigns(name TEXT PRIMARY KEY, created_at_ms BIGINT NOT NULL,
  audience TEXT NOT NULL, message TEXT NOT NULL, account_key TEXT NOT NULL,
  audience_complete INTEGER NOT NULL DEFAULT 0, audience_cursor TEXT NOT NULL DEFAULT '',
  audience_pages BIGINT NOT NULL DEFAULT 0);
CREATE TABLE outreach_recipients(campaign TEXT NOT NULL REFERENCES outreach_campaigns(name),
  seq BIGINT NOT NULL, user_id TEXT NOT NULL DEFAULT '', user_name TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '', can_dm INTEGER,
  state TEXT NOT NULL CHECK (state IN ('pending','sending','sent','skipped','failed')),
  text TEXT NOT NULL DEFAULT '', message_id TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '', error_code TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0, sending_at_ms BIGINT, sent_at_ms BIGINT,
  PRIMARY KEY (campaign, seq));
CREATE UNIQUE INDEX outreach_recipients_by_user ON outreach_recipients(campaign, user_id)
  WHERE user_id <> '';
CREATE INDEX outreach_recipients_by_state ON outreach_recipients(campaign, state, seq);
CREATE TABLE outreach_runs(id BIGSERIAL PRIMARY KEY, campaign TEXT NOT NULL,
  started_at_ms BIGINT NOT NULL, finished_at_ms BIGINT, outcome TEXT NOT NULL DEFAULT 'running',
  billed_calls BIGINT NOT NULL DEFAULT 0, spend_micro_usd BIGINT NOT NULL DEFAULT 0);
INSERT INTO outreach_campaigns VALUES ('old', 1772445600000, 'followers:x', 'Hi', 'acct', 1, '', 1);
INSERT INTO outreach_recipients(campaign, seq, user_id, state, attempts, sending_at_ms, sent_at_ms,
  message_id) VALUES ('old', 0, '1', 'sent', 1, 1772445600000, 1772445601000, 'm1');
INSERT INTO outreach_recipients(campaign, seq, user_id, state, attempts, sending_at_ms)
  VALUES ('old', 1, '2', 'sending', 1, 1772445602000);
INSERT INTO outreach_recipients(campaign, seq, user_id, state) VALUES ('old', 2, '3', 'pending');
INSERT INTO outreach_runs(campaign, started_at_ms, billed_calls) VALUES ('old', 1772445600000, 4);
)sql");
  auto j = open();
  EXPECT_EQ(*j.schema_version(), Journal::kSchemaVersion);
  auto c = *j.counts("old");
  EXPECT_EQ(c.sent, 1);
  EXPECT_EQ(c.sending, 1);
  EXPECT_EQ(c.pending, 1);
  // The per-day index was filled in for what was sent or in flight.
  EXPECT_EQ(*j.sends_on_day("acct", utc_day(at("2026-03-02T10:00:00Z"))), 2);
  EXPECT_EQ(j.recipient("old", 0)->value().message_id, "m1");
  EXPECT_EQ(j.runs("old")->at(0).kind, "run");
  EXPECT_EQ(j.billed("old")->total_billed_calls, 4);
  EXPECT_TRUE(j.mark_sent("old", 1, "m2", true, at("2026-03-02T10:05:00Z")));
}

TEST_F(JournalStore, ProcessesOpeningAtOnceMigrateOnce) {
  constexpr int kOpeners = 8;
  std::vector<std::thread> threads;
  std::vector<int> versions(kOpeners, -1);
  std::vector<std::string> errors(kOpeners);
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] {
      auto j = Journal::open(location());
      if (!j) {
        errors[static_cast<std::size_t>(i)] = j.error().message();
        return;
      }
      auto v = j->schema_version();
      versions[static_cast<std::size_t>(i)] = v ? *v : -2;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kOpeners; ++i) {
    EXPECT_EQ(versions[static_cast<std::size_t>(i)], Journal::kSchemaVersion)
        << errors[static_cast<std::size_t>(i)];
  }
  EXPECT_EQ(query_one(location(), "SELECT COUNT(*) FROM getxapi_schema"), "1");
}

TEST_F(JournalStore, ASwallowedFailureInsideATransactionIsNotReportedAsCommitted) {
  auto j = open();
  Timestamp const t = at("2026-03-02T10:00:00Z");
  j.create_campaign({"c", Audience::followers_of("x"), "Hi"}, "acct", t);
  j.add_audience_page("c", {{"1", "a", "", true}}, "");
  auto r = j.transaction([&]() -> Result<Committed> {
    j.mark_sending("c", 0, "Hi", t);
    // Fails in the database (the name is taken): the transaction is void from here.
    EXPECT_FALSE(j.create_campaign({"c", Audience::followers_of("x"), "Hi"}, "acct", t));
    return Committed{};
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kStoreError);
  EXPECT_EQ(j.counts("c")->pending, 1);
  EXPECT_TRUE(j.mark_sending("c", 0, "Hi", t));  // and the connection works on
}

// The run lock is the database's: a session advisory lock named after the
// schema and the campaign (and one after the account), released with the
// holder's connection.
class NoSleep : public Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds) override {}
};

class JournalRunLock : public JournalStore {
 protected:
  Result<RunReport> run(Journal& j, std::string const& campaign, std::string const& token) {
    ClientOptions client_options;
    client_options.api_key = "key";
    client_options.base_url = "http://127.0.0.1:9";  // nothing listens: no request may succeed
    client_options.sleeper = std::make_shared<NoSleep>();
    client_ = std::make_unique<Client>(client_options);
    RunOptions options;
    options.auth_token = token;
    return run_campaign(*client_, j, {campaign, Audience::followers_of("x"), "Hi"}, options);
  }
  // Once a holder disconnected, the server drops its locks a moment later.
  Result<RunReport> run_when_free(Journal& j, std::string const& campaign,
                                  std::string const& token) {
    auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      auto r = run(j, campaign, token);
      if (r || r.error().code() != ErrorCode::kBusy ||
          std::chrono::steady_clock::now() > deadline) {
        return r;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::string lock_name(std::string const& what) const {
    return "getxapi outreach " + schema_ + " " + what;
  }
  std::unique_ptr<Client> client_;
};

TEST_F(JournalRunLock, ACampaignHeldByAnotherRunIsBusyAndNothingIsSent) {
  auto j = open();
  {
    HeldLock held(location(), lock_name("campaign c"));
    auto r = run(j, "c", "sandbox-token-ada");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kBusy);
    EXPECT_THAT(r.error().message(), HasSubstr("in use by another run"));
    EXPECT_EQ(client_->stats().total().requests, 0);
    EXPECT_FALSE(*j.campaign("c"));  // refused before anything was written
    // Another campaign of another account is not held up.
    auto other = run(j, "d", "sandbox-token-grace");
    EXPECT_TRUE(other || other.error().code() != ErrorCode::kBusy) << other.error();
    EXPECT_TRUE(*j.campaign("d"));
  }
  // The holder's connection is gone: the server dropped its lock.
  auto r = run_when_free(j, "c", "sandbox-token-ada");
  EXPECT_TRUE(r || r.error().code() != ErrorCode::kBusy) << r.error();
  EXPECT_TRUE(*j.campaign("c"));  // past the lock: the campaign was created
}

TEST_F(JournalRunLock, OneRunPerAccountAndTheLockIsReleasedAfterTheRun) {
  auto j = open();
  std::string const ada = account_key("sandbox-token-ada");
  {
    HeldLock held(location(), lock_name("account " + ada));
    auto r = run(j, "c", "sandbox-token-ada");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kBusy);
    EXPECT_THAT(r.error().message(), HasSubstr("same account"));
    EXPECT_THAT(r.error().message(), Not(HasSubstr("sandbox-token")));
  }
  // A run that ended (here: failed to reach X) let go of both of its locks.
  auto first = run_when_free(j, "c", "sandbox-token-ada");
  ASSERT_TRUE(first || first.error().code() != ErrorCode::kBusy) << first.error();
  EXPECT_EQ(query_one(location(),
                      "SELECT pg_try_advisory_lock(hashtext('" + lock_name("campaign c") + "'))"),
            "t");
  EXPECT_EQ(query_one(location(), "SELECT pg_try_advisory_lock(hashtext('" +
                                      lock_name("account " + ada) + "'))"),
            "t");
}

TEST_F(JournalRunLock, TheSameCampaignNameInAnotherSchemaIsAnotherLock) {
  auto j = open();
  HeldLock held(location(), "getxapi outreach other_schema campaign c");
  auto r = run(j, "c", "sandbox-token-ada");
  EXPECT_TRUE(r || r.error().code() != ErrorCode::kBusy) << r.error();
  EXPECT_TRUE(*j.campaign("c"));
}
#endif

}  // namespace
}  // namespace getxapi::outreach
