// The outbox against the in-process sandbox, in worker processes: 1,000 entries over
// 3 accounts (one capped low, one whose token is revoked mid-run), faults injected
// (500 and drops after delivery, drops before it, failing dm/list), workers SIGKILLed
// more than 20 times; then two `getxapi outbox work` processes on one file at once.
#include "outbox_processes.hpp"

#include <getxapi/outbox.hpp>

#include <gtest/gtest.h>

#include <signal.h>

#include <map>
#include <random>
#include <set>
#include <thread>

namespace getxapi::outbox::testing {
namespace {

using getxapi::outreach::testing::SandboxFixture;
using getxapi::outreach::testing::ScratchDir;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kAdaId[] = "1700000000000000001";
constexpr char kGraceId[] = "1700000000000000002";
constexpr char kNewId[] = "1700000000000000010";

struct Planned {
  std::int64_t id = 0;
  std::string recipient, text;
  bool due = true;  // false: expired or far in the future; never to be sent
  std::optional<Timestamp> not_before;
};

TEST(OutboxCrash, ThousandEntriesThreeAccountsKilledOver20TimesExactlyOnce) {
  SandboxFixture sb;
  ScratchDir dir("outbox-crash");
  std::string const store = dir.file("outbox.db");
  auto audience = sb.followers("premium_brand");
  std::vector<std::string> recipients(audience.dmable.begin(), audience.dmable.end());
  ASSERT_GE(recipients.size(), 1000u);

  auto outbox = Outbox::open(store);
  ASSERT_TRUE(outbox) << outbox.error();
  auto const t0 = std::chrono::system_clock::now();
  std::vector<Planned> plan;
  for (int i = 0; i < 1000; ++i) {
    NewEntry n;
    n.recipient = Recipient::by_id(recipients[static_cast<std::size_t>(i)]);
    n.text = "Notification #" + std::to_string(i) + ": your order shipped ✨";
    n.key = "order-" + std::to_string(i);
    Planned p{0, n.recipient.value(), n.text, true, std::nullopt};
    if (i % 50 == 1) {  // 20 already expired when the workers start
      n.expires = t0 + 100ms;
      p.due = false;
    } else if (i % 50 == 2) {  // 20 not before tomorrow
      n.not_before = t0 + 24h;
      p.due = false;
    } else if (i % 20 == 3) {  // 50 not before a few seconds into the run
      n.not_before = t0 + 3s;
      p.not_before = n.not_before;
    }
    auto r = outbox->enqueue(n, t0);
    ASSERT_TRUE(r) << r.error();
    p.id = r->entry.id;
    plan.push_back(p);
  }
  std::this_thread::sleep_for(150ms);

  sb.post("/_sandbox/faults",
          json{{"faults",
                {{{"path", "/twitter/dm/send"},
                  {"status", 500},
                  {"after_delivery", true},
                  {"probability", 0.03}},
                 {{"path", "/twitter/dm/send"},
                  {"drop", true},
                  {"after_delivery", true},
                  {"probability", 0.03}},
                 {{"path", "/twitter/dm/send"}, {"drop", true}, {"probability", 0.02}},
                 {{"path", "/twitter/dm/list"}, {"status", 503}, {"probability", 0.05}}}}});

  Proc proc(base_env(sb.url()), dir.file("out.txt"), dir.file("err.txt"));
  auto worker = [&](std::string const& mode, std::string const& c_token) {
    return proc.spawn({GETXAPI_OUTBOX_TEST_WORKER, store, "1", "1", "2", mode,
                       "a=TOKEN_A:established", "b=TOKEN_B:40", "c=TOKEN_C:new"},
                      {"TOKEN_C=" + c_token, "OUTBOX_TEST_DELAY_MS=8"});
  };
  std::mt19937 rng(20261201);
  int kills = 0;
  std::string c_token = "sandbox-token-new";
  for (int round = 0; round < 24; ++round) {
    if (round == 3) {
      // Revoke c: its in-flight work is settled first (a stopped worker finishes its
      // send), then every later worker holds a token X refuses.
      for (int i = 0; i < 20; ++i) {
        auto sending = outbox->list(EntryState::kSending);
        ASSERT_TRUE(sending);
        bool c_busy = false;
        for (auto const& e : *sending) c_busy |= e.account == "c";
        if (!c_busy) break;
        pid_t const pid = worker("loop", c_token);
        std::this_thread::sleep_for(1500ms);
        ::kill(pid, SIGTERM);
        Proc::wait(pid);
      }
      c_token = "revoked-token-c";
    }
    if (round == 6) {  // repeated keys, enqueued while a worker runs
      pid_t const pid = worker("loop", c_token);
      for (int i = 0; i < 1000; i += 10) {
        NewEntry n{Recipient::by_id(recipients[static_cast<std::size_t>(i)]),
                   "duplicate",
                   "order-" + std::to_string(i),
                   {},
                   {},
                   {}};
        auto r = outbox->enqueue(n);
        ASSERT_TRUE(r);
        EXPECT_FALSE(r->created);
        EXPECT_EQ(r->entry.id, plan[static_cast<std::size_t>(i)].id);
      }
      ::kill(pid, SIGKILL);
      kills += Proc::wait(pid) == 128 + SIGKILL;
      continue;
    }
    pid_t const pid = worker("loop", c_token);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(60, 300)(rng)));
    ::kill(pid, SIGKILL);
    kills += Proc::wait(pid) == 128 + SIGKILL;
  }
  EXPECT_GE(kills, 20);
  auto const mid = *outbox->status();
  std::cout << "after the kills: " << mid.counts.sent << " sent, " << mid.counts.queued
            << " queued, " << mid.counts.sending << " sending\n";

  // Faults off, then run to the end: leases of the killed workers run out (1 s),
  // unconfirmed sends settle (2 s).
  sb.clear_faults();
  for (int i = 0; i < 40; ++i) {  // a loaded machine may need more rounds
    int const rc = Proc::wait(worker("once", c_token));
    ASSERT_EQ(rc, 0) << proc.err();
    auto st = outbox->status();
    ASSERT_TRUE(st);
    if (st->counts.sending == 0 && st->counts.queued == 20) break;
    std::this_thread::sleep_for(700ms);
  }

  auto st = *outbox->status();
  EXPECT_EQ(st.counts.sending, 0);
  EXPECT_EQ(st.counts.queued, 20);  // the ones not due before tomorrow
  EXPECT_EQ(st.counts.expired, 20);
  EXPECT_EQ(st.counts.failed, 0);
  EXPECT_EQ(st.counts.sent, 960);

  // Exactly once, none lost, nothing else sent.
  auto delivered = deliveries(sb);
  std::map<std::string, int> total;
  for (auto const& [sender, msgs] : delivered) {
    for (auto const& [key, n] : msgs) total[key] += n;
  }
  std::map<std::string, std::string> sender_of;
  for (auto const& [sender, msgs] : delivered) {
    for (auto const& [key, n] : msgs) sender_of[key] = sender;
  }
  int due = 0;
  for (auto const& p : plan) {
    std::string const key = p.recipient + '|' + p.text;
    auto it = total.find(key);
    int const n = it == total.end() ? 0 : it->second;
    if (p.due) {
      ++due;
      EXPECT_EQ(n, 1) << "entry " << p.id << " delivered " << n << " times";
      EXPECT_EQ((*outbox->entry(p.id))->state, EntryState::kSent) << p.id;
    } else {
      EXPECT_EQ(n, 0) << "entry " << p.id << " should never be sent";
    }
  }
  std::int64_t all = 0;
  for (auto const& [key, n] : total) all += n;
  EXPECT_EQ(all, due) << "messages the outbox never asked for";

  // Not-before respected: the sandbox's own delivery times.
  std::map<std::string, Timestamp> delivered_at;
  for (auto const& m : sb.get("/_sandbox/messages")) {
    delivered_at[m["recipientId"].get<std::string>() + '|' + m["text"].get<std::string>()] =
        *parse_timestamp(m["createdAt"].get<std::string>());
  }
  for (auto const& p : plan) {
    if (p.not_before) {
      EXPECT_GE(delivered_at[p.recipient + '|' + p.text], *p.not_before);
    }
  }

  // Caps held; the revoked account reported disabled.
  int const b_sent = static_cast<int>(delivered[kGraceId].size());
  EXPECT_LE(b_sent, 40);
  EXPECT_GT(b_sent, 0);
  EXPECT_LE(delivered[kAdaId].size(), 1000u);
  EXPECT_GT(delivered[kNewId].size(), 0u);
  std::map<std::string, AccountStatus> accounts;
  for (auto const& a : st.accounts) accounts[a.name] = a;
  EXPECT_EQ(accounts["c"].health, AccountHealth::kDisabled);
  EXPECT_NE(accounts["c"].reason.find("kAuthTokenInvalid"), std::string::npos);
  EXPECT_LE(accounts["b"].sent_today, 40);
  EXPECT_EQ(accounts["b"].sent_today, b_sent);
  EXPECT_NE(proc.out().find("disabled c"), std::string::npos);
  std::cout << "kills " << kills << ", billed calls " << st.billed_calls << " for "
            << st.counts.sent << " DMs (" << st.billed_per_sent() << " per DM, faults on)\n";
}

// Deliveries per minute of one worker with a pool of 1 and of 3 accounts, each paced
// at `delay` between its own sends: the pool multiplies what the pacing allows.
double deliveries_per_minute(SandboxFixture& sb, std::vector<Account> const& accounts, int n,
                             std::chrono::milliseconds delay, double* billed_per_dm) {
  ScratchDir dir("outbox-rate");
  auto outbox = Outbox::open(dir.file("outbox.db"));
  auto audience = sb.followers("premium_brand");
  auto it = audience.dmable.begin();
  for (int i = 0; i < n; ++i, ++it) {
    NewEntry e{Recipient::by_id(*it),
               "Rate test " + std::to_string(i) + " " + std::to_string(accounts.size()),
               {},
               {},
               {},
               {}};
    EXPECT_TRUE(outbox->enqueue(e));
  }
  Client client(sb.client_options());
  WorkerOptions o;
  o.accounts = accounts;
  o.delay_min = o.delay_max = delay;
  o.once = true;
  o.poll = 5ms;
  auto const start = std::chrono::steady_clock::now();
  auto r = work(client, *outbox, o);
  auto const elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r);
  EXPECT_EQ(r->sent, n);
  auto st = *outbox->status();
  *billed_per_dm = st.billed_per_sent();
  return n * 60.0 / std::chrono::duration<double>(elapsed).count();
}

TEST(OutboxThroughput, ThreeAccountsDeliverAboutThreeTimesAsManyAsOne) {
  SandboxFixture sb;
  double billed1 = 0, billed3 = 0;
  auto const delay = 60ms;
  double const one =
      deliveries_per_minute(sb, {{"a", "sandbox-token-ada", 1000, false}}, 30, delay, &billed1);
  double const three = deliveries_per_minute(sb,
                                             {{"a", "sandbox-token-ada", 1000, false},
                                              {"b", "sandbox-token-grace", 1000, false},
                                              {"c", "sandbox-token-new", 500, false}},
                                             90, delay, &billed3);
  std::cout << "deliveries per minute at " << delay.count() << " ms per account: 1 account " << one
            << ", 3 accounts " << three << " (x" << three / one << "); billed calls per DM "
            << billed1 << " / " << billed3 << "\n";
  EXPECT_GE(three / one, 2.5);
  EXPECT_LE(billed1, 1.01);
  EXPECT_LE(billed3, 1.01);
}

#ifdef GETXAPI_CLI_PATH
std::vector<std::string> lines(std::string const& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

TEST(OutboxCli, TwoWorkerProcessesOnOneFileDeliverExactlyOnceAndHoldTheCaps) {
  SandboxFixture sb;
  ScratchDir dir("outbox-two");
  std::string const store = dir.file("outbox.db");
  auto audience = sb.followers("premium_brand");
  std::vector<std::string> recipients(audience.dmable.begin(), audience.dmable.end());
  Proc add(base_env(sb.url()), dir.file("add.out"), dir.file("add.err"));
  // Through the CLI: an id printed, the same id again for a repeated key, exit 0 both times.
  for (int round = 0; round < 2; ++round) {
    ASSERT_EQ(Proc::wait(add.spawn({GETXAPI_CLI_PATH, "outbox", "add", "--outbox", store, "--to-id",
                                    recipients[0], "--key", "welcome-0", "Welcome aboard!"})),
              0)
        << add.err();
  }
  auto ids = lines(add.out());
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_EQ(Proc::wait(add.spawn({GETXAPI_CLI_PATH, "outbox", "add", "--outbox", store, "--to",
                                  "grace_h", "--not-before", "yesterday", "x"})),
            2);
  auto outbox = Outbox::open(store);
  ASSERT_TRUE(outbox);
  for (int i = 1; i < 300; ++i) {
    NewEntry n{Recipient::by_id(recipients[static_cast<std::size_t>(i)]),
               "Alert " + std::to_string(i),
               "alert-" + std::to_string(i),
               {},
               {},
               {}};
    ASSERT_TRUE(outbox->enqueue(n));
  }
  Proc w1(base_env(sb.url()), dir.file("w1.out"), dir.file("w1.err"));
  Proc w2(base_env(sb.url()), dir.file("w2.out"), dir.file("w2.err"));
  std::vector<std::string> const work = {
      GETXAPI_CLI_PATH,        "outbox",    "work",         "--outbox", store, "--account",
      "a=TOKEN_A:established", "--account", "b=TOKEN_B:60", "--delay",  "0",   "--once"};
  pid_t const p1 = w1.spawn(work);
  pid_t const p2 = w2.spawn(work);
  EXPECT_EQ(Proc::wait(p1), 0) << w1.err();
  EXPECT_EQ(Proc::wait(p2), 0) << w2.err();
  EXPECT_NE(w1.out().find("sent "), std::string::npos);
  std::cout << "worker 1: " << w1.out() << "worker 2: " << w2.out();

  auto delivered = deliveries(sb);
  std::int64_t total = 0;
  for (auto const& [sender, msgs] : delivered) {
    for (auto const& [key, n] : msgs) {
      EXPECT_EQ(n, 1) << key;
      total += n;
    }
  }
  EXPECT_EQ(total, 300);
  EXPECT_LE(delivered[kGraceId].size(), 60u);

  Proc q(base_env(sb.url()), dir.file("q.out"), dir.file("q.err"));
  ASSERT_EQ(
      Proc::wait(q.spawn({GETXAPI_CLI_PATH, "--json", "outbox", "status", "--outbox", store})), 0)
      << q.err();
  auto status = json::parse(lines(q.out()).at(0));
  EXPECT_EQ(status["sent"], 300);
  EXPECT_EQ(status["queued"], 0);
  for (auto const& a : status["accounts"]) {
    if (a["name"] == "b") {
      EXPECT_LE(a["sentToday"].get<int>(), 60);
    }
  }
  EXPECT_LE(status["billedCallsPerSent"].get<double>(), 1.01);
  Proc l(base_env(sb.url()), dir.file("l.out"), dir.file("l.err"));
  ASSERT_EQ(Proc::wait(l.spawn({GETXAPI_CLI_PATH, "outbox", "list", "--outbox", store, "--state",
                                "sent", "--json"})),
            0);
  auto sent = lines(l.out());
  ASSERT_EQ(sent.size(), 300u);
  EXPECT_EQ(json::parse(sent[0])["state"], "sent");
  // No token anywhere in what the CLI wrote or in the store file.
  std::string const file = slurp(store);
  for (auto const* secret : {"sandbox-token-ada", "sandbox-token-grace"}) {
    EXPECT_EQ(file.find(secret), std::string::npos);
    EXPECT_EQ((w1.out() + w1.err() + w2.out() + w2.err() + q.out() + l.out()).find(secret),
              std::string::npos);
  }
}
#endif

}  // namespace
}  // namespace getxapi::outbox::testing
