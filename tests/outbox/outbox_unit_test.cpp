// The outbox over a FakeTransport and a FakeClock: idempotency, not-before, expiry,
// caps across restarts and UTC days, each error's handling, ambiguous sends, and the
// takeover of a dead worker's claim. Nothing sleeps for real.
#include "fake_x.hpp"
#include "store.hpp"
#ifdef GETXAPI_OUTBOX_TEST_POSTGRES
#include "postgres_support.hpp"
#endif

#include <getxapi/outbox.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace getxapi::outbox::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kA[] = "tok-a";
constexpr char kB[] = "tok-b";
constexpr char kC[] = "tok-c";

class OutboxTest : public ::testing::Test {
 protected:
  OutboxTest() {
    dir_ = std::filesystem::temp_directory_path() /
           ("getxapi-outbox-unit-" + std::to_string(::getpid()) + "-" + std::to_string(++n_));
    std::filesystem::create_directories(dir_);
    x_.add_account(kA, "100");
    x_.add_account(kB, "200");
    x_.add_account(kC, "300");
    x_.add_user("grace_h", "2", true);
    x_.add_user("closed_dms", "3", false);
  }
  ~OutboxTest() override {
    std::filesystem::remove_all(dir_);
#ifdef GETXAPI_OUTBOX_TEST_POSTGRES
    if (!schema_.empty()) getxapi::testing::drop_postgres_schema(schema_);
#endif
  }

#ifdef GETXAPI_OUTBOX_TEST_POSTGRES
  // The same tests over a PostgreSQL outbox: each test in a schema of its own.
  void SetUp() override {
    if (!getxapi::testing::postgres_available()) GTEST_SKIP() << "no PostgreSQL server";
    schema_ = getxapi::testing::create_postgres_schema();
  }
  std::string path() const { return getxapi::testing::postgres_url(schema_); }
  std::string schema_;
#else
  std::string path() const { return (dir_ / "outbox.db").string(); }
#endif

  Outbox open() {
    auto o = Outbox::open(path());
    EXPECT_TRUE(o) << o.error();
    return std::move(*o);
  }

  Client client() {
    ClientOptions o;
    o.api_key = "key";
    o.base_url = "http://x.test";
    o.transport = x_.transport();
    o.clock = clock_;
    o.sleeper = sleeper_;
    o.random = std::make_shared<getxapi::testing::FixedRandom>(0.0);
    return Client(o);
  }

  WorkerOptions options(std::vector<Account> accounts) {
    WorkerOptions o;
    o.accounts = std::move(accounts);
    o.delay_min = o.delay_max = 0ms;
    o.once = true;
    o.clock = clock_;
    o.sleeper = sleeper_;
    o.random = std::make_shared<getxapi::testing::FixedRandom>(0.0);
    return o;
  }

  WorkReport run(Outbox& outbox, WorkerOptions const& o) {
    auto c = client();
    auto r = work(c, outbox, o);
    EXPECT_TRUE(r) << r.error();
    return *r;
  }

  Entry add(Outbox& outbox, std::string to, std::string text, std::string key = {}) {
    NewEntry n;
    n.recipient = Recipient::by_id(std::move(to));
    n.text = std::move(text);
    n.key = std::move(key);
    auto r = outbox.enqueue(n, clock_->system_now());
    EXPECT_TRUE(r) << r.error();
    return r->entry;
  }

  Entry get(Outbox& outbox, std::int64_t id) { return **outbox.entry(id); }

  static Account acct(std::string name, std::string token, int cap = 500, bool verified = false) {
    return Account{std::move(name), std::move(token), cap, verified};
  }

  static inline int n_ = 0;
  std::filesystem::path dir_;
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<FakeSleeper> sleeper_ = std::make_shared<FakeSleeper>(clock_);
  FakeX x_{clock_};
};

TEST_F(OutboxTest, SameKeyTwiceIsOneDmEver) {
  auto outbox = open();
  NewEntry n{Recipient::by_id("2"), "order 17 shipped", "order-17", {}, {}, {}};
  auto first = outbox.enqueue(n, clock_->system_now());
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->created);
  n.text = "a different text under the same key";
  auto second = outbox.enqueue(n, clock_->system_now());
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->entry.id, first->entry.id);
  EXPECT_EQ(second->entry.text, "order 17 shipped");
  run(outbox, options({acct("a", kA)}));
  // After delivery too: the key still names the sent entry, nothing new is queued.
  auto third = open().enqueue(n, clock_->system_now());
  ASSERT_TRUE(third);
  EXPECT_FALSE(third->created);
  EXPECT_EQ(third->entry.state, EntryState::kSent);
  run(outbox, options({acct("a", kA)}));
  ASSERT_EQ(x_.delivered().size(), 1u);
  EXPECT_EQ(x_.delivered()[0].text, "order 17 shipped");
}

TEST_F(OutboxTest, BadArgumentsAreRefusedBeforeAnythingIsStored) {
  auto outbox = open();
  for (auto const& n :
       {NewEntry{Recipient::by_id(""), "x", {}, {}, {}, {}},
        NewEntry{Recipient::by_id("12a"), "x", {}, {}, {}, {}},
        NewEntry{Recipient::by_username("bad handle"), "x", {}, {}, {}, {}},
        NewEntry{Recipient::by_id("2"), "   ", {}, {}, {}, {}},
        NewEntry{Recipient::by_id("2"), "\xff\xfe", {}, {}, {}, {}},
        NewEntry{Recipient::by_id("2"), std::string(10001, 'a'), {}, {}, {}, {}},
        NewEntry{
            Recipient::by_id("2"), "x", {}, {}, clock_->system_now() + 1h, clock_->system_now()}}) {
    auto r = outbox.enqueue(n, clock_->system_now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(outbox.status()->counts.total(), 0);
}

TEST_F(OutboxTest, NotBeforeIsRespected) {
  auto outbox = open();
  NewEntry n{Recipient::by_id("2"), "reminder", {}, {}, clock_->system_now() + 1h, {}};
  auto e = outbox.enqueue(n, clock_->system_now());
  ASSERT_TRUE(e);
  auto o = options({acct("a", kA)});
  run(outbox, o);
  EXPECT_EQ(x_.sends(), 0);
  EXPECT_EQ(get(outbox, e->entry.id).state, EntryState::kQueued);
  clock_->advance(59min);
  run(outbox, o);
  EXPECT_EQ(x_.sends(), 0);
  clock_->advance(1min);
  run(outbox, o);
  ASSERT_EQ(x_.delivered().size(), 1u);
  EXPECT_GE(x_.delivered()[0].at, *n.not_before);
}

TEST_F(OutboxTest, ExpiredEntriesAreNeverSent) {
  auto outbox = open();
  NewEntry n{Recipient::by_id("2"),       "flash sale ends soon", {}, {}, {},
             clock_->system_now() + 10min};
  auto e = outbox.enqueue(n, clock_->system_now());
  ASSERT_TRUE(e);
  clock_->advance(10min);
  run(outbox, options({acct("a", kA)}));
  EXPECT_EQ(x_.sends(), 0);
  auto got = get(outbox, e->entry.id);
  EXPECT_EQ(got.state, EntryState::kExpired);
  EXPECT_FALSE(got.reason.empty());
  EXPECT_EQ(outbox.status(clock_->system_now())->counts.expired, 1);
}

TEST_F(OutboxTest, EntriesGoOutInOrderOfDueTime) {
  auto outbox = open();
  auto t0 = clock_->system_now();
  outbox.enqueue({Recipient::by_id("2"), "third", {}, {}, t0 + 3min, {}}, t0);
  outbox.enqueue({Recipient::by_id("2"), "first", {}, {}, {}, {}}, t0);
  outbox.enqueue({Recipient::by_id("2"), "second", {}, {}, t0 + 1min, {}}, t0);
  clock_->advance(5min);
  run(outbox, options({acct("a", kA)}));
  auto d = x_.delivered();
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].text, "first");
  EXPECT_EQ(d[1].text, "second");
  EXPECT_EQ(d[2].text, "third");
}

TEST_F(OutboxTest, DailyCapHoldsAcrossRestartsAndResetsAtUtcMidnight) {
  // 23:00 UTC, so the next day is an hour away.
  clock_->set_system(std::chrono::system_clock::from_time_t(1772492400));
  for (int i = 0; i < 5; ++i) {
    auto outbox = open();
    add(outbox, "2", "n" + std::to_string(i));
  }
  auto o = options({acct("a", kA, 3)});
  {
    auto outbox = open();
    EXPECT_EQ(run(outbox, o).sent, 3);
  }
  for (int restart = 0; restart < 3; ++restart) {  // new processes, same file
    auto outbox = open();
    EXPECT_EQ(run(outbox, o).sent, 0);
  }
  auto outbox = open();
  auto st = outbox.status(clock_->system_now());
  ASSERT_TRUE(st);
  ASSERT_EQ(st->accounts.size(), 1u);
  EXPECT_EQ(st->accounts[0].sent_today, 3);
  EXPECT_EQ(st->accounts[0].daily_cap, 3);
  EXPECT_EQ(st->counts.queued, 2);
  clock_->advance(1h);
  EXPECT_EQ(run(outbox, o).sent, 2);
  EXPECT_EQ(x_.delivered().size(), 5u);
}

TEST_F(OutboxTest, PacingBetweenSendsOfOneAccountIsKeptInTheStore) {
  auto outbox = open();
  for (int i = 0; i < 4; ++i) add(outbox, "2", "p" + std::to_string(i));
  auto o = options({acct("a", kA)});
  o.delay_min = o.delay_max = 10s;
  run(outbox, o);
  auto d = x_.delivered();
  ASSERT_EQ(d.size(), 4u);
  for (std::size_t i = 1; i < d.size(); ++i) EXPECT_GE(d[i].at - d[i - 1].at, 10s);
}

TEST_F(OutboxTest, CannotDmAndNotFoundAreDeadLettersWithTheReason) {
  auto outbox = open();
  auto closed = add(outbox, "3", "hello closed");
  auto gone = add(outbox, "9", "hello gone");
  NewEntry by_handle{Recipient::by_username("@closed_dms"), "by handle", {}, {}, {}, {}};
  auto h = outbox.enqueue(by_handle, clock_->system_now());
  ASSERT_TRUE(h);
  x_.on_send([](std::string const&, std::string const& to,
                std::string const&) -> std::optional<Result<HttpResponse>> {
    if (to == "3") {
      return json_response(
          403, R"({"error":"Cannot send messages to this user","twitter_error_code":349})");
    }
    if (to == "9") return json_response(404, R"({"error":"Could not find user"})");
    return std::nullopt;
  });
  auto r = run(outbox, options({acct("a", kA)}));
  EXPECT_EQ(r.failed, 3);
  EXPECT_EQ(get(outbox, closed.id).error_code, "kCannotDm");
  EXPECT_EQ(get(outbox, gone.id).error_code, "kNotFound");
  auto handle_entry = get(outbox, h->entry.id);
  EXPECT_EQ(handle_entry.state, EntryState::kFailed);
  EXPECT_EQ(handle_entry.error_code, "kCannotDm");
  EXPECT_EQ(x_.sends(), 2);  // canDm false from user/info: no dm/send at all
  auto failed = outbox.list(EntryState::kFailed);
  ASSERT_EQ(failed->size(), 3u);
  for (auto const& e : *failed) EXPECT_FALSE(e.reason.empty());
  // Failed sends do not count against the cap.
  EXPECT_EQ(outbox.status(clock_->system_now())->accounts[0].sent_today, 0);
}

TEST_F(OutboxTest, DailyLimitRestsTheAccountAndTheWorkMovesToAnother) {
  auto outbox = open();
  for (int i = 0; i < 4; ++i) add(outbox, "2", "d" + std::to_string(i));
  x_.on_send([](std::string const& token, std::string const&,
                std::string const&) -> std::optional<Result<HttpResponse>> {
    if (token == kA) {
      return json_response(
          429,
          R"({"error":"You've hit your daily message request limit.","twitter_error_code":502})");
    }
    return std::nullopt;
  });
  std::vector<WorkerEvent> events;
  auto o = options({acct("a", kA), acct("b", kB)});
  o.on_event = [&](WorkerEvent const& e) { events.push_back(e); };
  auto r = run(outbox, o);
  EXPECT_EQ(r.sent, 4);
  for (auto const& d : x_.delivered()) EXPECT_EQ(d.token, kB);
  auto st = *outbox.status(clock_->system_now());
  ASSERT_EQ(st.accounts.size(), 2u);
  EXPECT_EQ(st.accounts[0].health, AccountHealth::kResting);
  ASSERT_TRUE(st.accounts[0].rest_until);
  EXPECT_EQ(internal::utc_day_of_ms(internal::to_ms(*st.accounts[0].rest_until)),
            internal::utc_day_of_ms(internal::to_ms(clock_->system_now())) + 1);
  EXPECT_EQ(st.accounts[0].sent_today, 0);
  bool rested = false;
  for (auto const& e : events) rested |= e.kind == WorkerEvent::Kind::kAccountResting;
  EXPECT_TRUE(rested);
  // Still resting in a new process.
  add(outbox, "2", "later");
  x_.on_send(nullptr);
  run(outbox, options({acct("a", kA)}));
  EXPECT_EQ(x_.delivered().size(), 4u);
}

TEST_F(OutboxTest, RevokedTokenDisablesTheAccountAndIsReported) {
  auto outbox = open();
  for (int i = 0; i < 3; ++i) add(outbox, "2", "r" + std::to_string(i));
  auto r = run(outbox, options({acct("a", "revoked-token"), acct("b", kB)}));
  EXPECT_EQ(r.sent, 3);
  ASSERT_EQ(r.disabled_accounts.size(), 1u);
  EXPECT_EQ(r.disabled_accounts[0], "a");
  auto st = *outbox.status(clock_->system_now());
  EXPECT_EQ(st.accounts[0].health, AccountHealth::kDisabled);
  EXPECT_NE(st.accounts[0].reason.find("kAuthTokenInvalid"), std::string::npos);
  EXPECT_EQ(st.accounts[0].sent_today, 0);
  // Alone, a disabled pool cannot go on: the worker fails and says why.
  add(outbox, "2", "r3");
  auto alone = run(outbox, options({acct("a", "revoked-token")}));
  EXPECT_EQ(alone.outcome, WorkOutcome::kFailed);
  // A new token for the account enables it again.
  auto fixed = run(outbox, options({acct("a", kA)}));
  EXPECT_EQ(fixed.sent, 1);
  EXPECT_EQ(outbox.status(clock_->system_now())->accounts[0].health, AccountHealth::kOk);
}

TEST_F(OutboxTest, NotAllowedToDmIsTriedFromAVerifiedAccount) {
  auto outbox = open();
  auto e = add(outbox, "2", "needs a verified sender");
  x_.on_send([](std::string const& token, std::string const&,
                std::string const&) -> std::optional<Result<HttpResponse>> {
    if (token != kC) {
      return json_response(
          403,
          R"({"error":"Sender is not verified to send message requests","twitter_error_code":476})");
    }
    return std::nullopt;
  });
  auto r = run(outbox, options({acct("a", kA), acct("c", kC, 1500, true)}));
  EXPECT_EQ(r.sent, 1);
  ASSERT_EQ(x_.delivered().size(), 1u);
  EXPECT_EQ(x_.delivered()[0].token, kC);
  EXPECT_EQ(get(outbox, e.id).account, "c");
}

TEST_F(OutboxTest, NotAllowedToDmWithoutAVerifiedAccountIsADeadLetter) {
  auto outbox = open();
  auto e = add(outbox, "2", "no verified sender");
  x_.on_send([](std::string const&, std::string const&,
                std::string const&) -> std::optional<Result<HttpResponse>> {
    return json_response(403, R"({"error":"Sender is not verified","twitter_error_code":476})");
  });
  run(outbox, options({acct("a", kA), acct("b", kB)}));
  auto got = get(outbox, e.id);
  EXPECT_EQ(got.state, EntryState::kFailed);
  EXPECT_EQ(got.error_code, "kNotAllowedToDm");
}

TEST_F(OutboxTest, RateLimitIsRetriedLaterWithBackoff) {
  auto outbox = open();
  auto e = add(outbox, "2", "rate limited");
  int calls = 0;
  x_.on_send([&](std::string const&, std::string const&,
                 std::string const&) -> std::optional<Result<HttpResponse>> {
    if (++calls <= 4) {  // every attempt of the client's own retries
      return json_response(429, R"({"error":"Please try again shortly.","retry_after":2})",
                           {{"retry-after", "2"}});
    }
    return std::nullopt;
  });
  auto o = options({acct("a", kA)});
  auto r = run(outbox, o);
  EXPECT_EQ(r.retried, 1);
  auto got = get(outbox, e.id);
  EXPECT_EQ(got.state, EntryState::kQueued);
  EXPECT_EQ(got.error_code, "kRateLimited");
  EXPECT_GT(got.due_at, clock_->system_now());
  clock_->advance(
      std::chrono::duration_cast<std::chrono::milliseconds>(got.due_at - clock_->system_now()));
  EXPECT_EQ(run(outbox, o).sent, 1);
  EXPECT_EQ(x_.delivered().size(), 1u);
  EXPECT_EQ(outbox.status(clock_->system_now())->accounts[0].sent_today, 1);
}

TEST_F(OutboxTest, NetworkErrorBeforeSendingIsRetriedLater) {
  auto outbox = open();
  auto e = add(outbox, "2", "offline");
  bool down = true;
  x_.on_send([&](std::string const&, std::string const&,
                 std::string const&) -> std::optional<Result<HttpResponse>> {
    if (down) return Result<HttpResponse>(Error(ErrorCode::kNetwork, "connection refused"));
    return std::nullopt;
  });
  auto o = options({acct("a", kA)});
  run(outbox, o);
  EXPECT_EQ(get(outbox, e.id).state, EntryState::kQueued);
  down = false;
  clock_->advance(1h);
  EXPECT_EQ(run(outbox, o).sent, 1);
}

TEST_F(OutboxTest, AmbiguousSendIsNeverResentInsideTheSettleTime) {
  auto outbox = open();
  auto e = add(outbox, "2", "did it go out?");
  // Every attempt answers 500 and the inbox cannot be read: nobody knows.
  x_.on_send([](std::string const&, std::string const&,
                std::string const&) -> std::optional<Result<HttpResponse>> {
    return json_response(500, R"({"error":"Internal server error"})");
  });
  x_.fail_list(500);
  auto o = options({acct("a", kA)});
  o.recheck = 10s;
  o.settle = 60s;
  auto r = run(outbox, o);
  EXPECT_EQ(r.ambiguous, 1);
  int const sends_after_first = x_.sends();
  auto got = get(outbox, e.id);
  EXPECT_EQ(got.state, EntryState::kSending);
  EXPECT_TRUE(got.ambiguous_since);
  // Inbox readable again, DM not in it: still inside settle, so not re-sent.
  x_.fail_list(0);
  x_.on_send(nullptr);
  for (int i = 0; i < 4; ++i) {
    clock_->advance(11s);
    run(outbox, o);
    EXPECT_EQ(x_.sends(), sends_after_first) << "re-sent inside the settle time";
  }
  clock_->advance(30s);  // past settle: the inbox still does not show it
  run(outbox, o);
  EXPECT_EQ(x_.delivered().size(), 1u);
  EXPECT_EQ(get(outbox, e.id).state, EntryState::kSent);
}

TEST_F(OutboxTest, AmbiguousSendFoundInTheInboxIsSentOnce) {
  auto outbox = open();
  auto e = add(outbox, "2", "delivered, then 500");
  // Delivered, then the answer says 500; the client's own inbox check fails too.
  x_.fail_list(500);
  x_.on_send([](std::string const&, std::string const&,
                std::string const&) -> std::optional<Result<HttpResponse>> {
    return json_response(500, R"({"error":"Internal server error"})");
  });
  auto o = options({acct("a", kA)});
  o.recheck = 5s;
  run(outbox, o);
  EXPECT_EQ(get(outbox, e.id).state, EntryState::kSending);
  x_.on_send(nullptr);
  x_.deliver(kA, "2", "delivered, then 500");  // what X had in fact done
  x_.fail_list(0);
  clock_->advance(6s);
  run(outbox, o);
  auto got = get(outbox, e.id);
  EXPECT_EQ(got.state, EntryState::kSent);
  EXPECT_TRUE(got.recovered);
  EXPECT_EQ(x_.delivered().size(), 1u);
}

TEST_F(OutboxTest, DeadWorkersClaimIsReconciledAfterItsLease) {
  auto outbox = open();
  auto delivered = add(outbox, "2", "sent before the crash");
  auto lost = add(outbox, "2", "crashed before sending");
  // A worker claims both and dies: one DM had gone out, the other had not.
  outbox.store().register_accounts({{"a", "fp", 500, false}}, 0);
  internal::ClaimRequest req{"dead-worker", {"a"}, internal::to_ms(clock_->system_now()), 30000, 0};
  ASSERT_TRUE(outbox.store().claim(req).claim);
  ASSERT_TRUE(outbox.store().claim(req).claim);
  x_.deliver(kA, "2", "sent before the crash");
  auto o = options({acct("a", kA)});
  o.lease = 30s;
  run(outbox, o);  // the lease holds: nothing touched, nothing sent
  EXPECT_EQ(x_.sends(), 0);
  EXPECT_EQ(get(outbox, lost.id).state, EntryState::kSending);
  clock_->advance(31s);
  run(outbox, o);
  EXPECT_EQ(get(outbox, delivered.id).state, EntryState::kSent);
  EXPECT_TRUE(get(outbox, delivered.id).recovered);
  EXPECT_EQ(get(outbox, lost.id).state, EntryState::kSent);
  EXPECT_EQ(x_.sends(), 1);
  EXPECT_EQ(x_.delivered().size(), 2u);
  EXPECT_EQ(outbox.status(clock_->system_now())->accounts[0].sent_today, 2);
}

TEST_F(OutboxTest, PinnedSenderIsTheOnlyAccountUsed) {
  auto outbox = open();
  NewEntry n{Recipient::by_id("2"), "from b only", {}, "b", {}, {}};
  ASSERT_TRUE(outbox.enqueue(n, clock_->system_now()));
  run(outbox, options({acct("a", kA)}));
  EXPECT_EQ(x_.sends(), 0);
  run(outbox, options({acct("a", kA), acct("b", kB)}));
  ASSERT_EQ(x_.delivered().size(), 1u);
  EXPECT_EQ(x_.delivered()[0].token, kB);
}

#ifndef GETXAPI_OUTBOX_TEST_POSTGRES  // files only
TEST_F(OutboxTest, ForeignAndNewerFilesAreRefused) {
  {
    auto o = open();
    (void)o;
  }
  auto other = (dir_ / "other.db").string();
  {
    // Not an outbox: a SQLite file with some other table.
    auto o = Outbox::open(path());
    ASSERT_TRUE(o);
  }
  std::string cmd = "sqlite3 " + other + " 'CREATE TABLE t(x)' 2>/dev/null";
  if (std::system(cmd.c_str()) == 0) {
    auto o = Outbox::open(other);
    ASSERT_FALSE(o);
    EXPECT_EQ(o.error().code(), ErrorCode::kStoreError);
  }
  auto text = (dir_ / "text.db").string();
  { std::ofstream(text) << "definitely not sqlite, but long enough to be read as a header....."; }
  auto o = Outbox::open(text);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code(), ErrorCode::kStoreError);
}
#endif

TEST(OutboxOpen, PostgresUrlIsRefusedNotTakenForAFileName) {
  auto o = Outbox::open("postgresql://user:secret@db.example/outbox");
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code(), ErrorCode::kStoreError);
  EXPECT_EQ(o.error().message().find("secret"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists("postgresql:"));
}

TEST(OutboxAccountSpec, ParsesTiersAndRefusesTokens) {
  auto a = parse_account_spec("alerts=ALERTS_TOKEN:premium");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->name, "alerts");
  EXPECT_EQ(a->env_var, "ALERTS_TOKEN");
  EXPECT_EQ(a->daily_cap, 1500);
  EXPECT_TRUE(a->verified);
  EXPECT_EQ(parse_account_spec("b=B")->daily_cap, 500);
  EXPECT_EQ(parse_account_spec("b=B:established")->daily_cap, 1000);
  EXPECT_EQ(parse_account_spec("b=B:40")->daily_cap, 40);
  EXPECT_FALSE(parse_account_spec("=B"));
  EXPECT_FALSE(parse_account_spec("b="));
  EXPECT_FALSE(parse_account_spec("b"));
  EXPECT_FALSE(parse_account_spec("b=B:gold"));
  // What looks like a token pasted in place of a variable name is refused.
  auto pasted = parse_account_spec("b=abc-def.ghi");
  ASSERT_FALSE(pasted);
  EXPECT_EQ(pasted.error().message().find("abc-def"), std::string::npos);
}

}  // namespace
}  // namespace getxapi::outbox::testing
