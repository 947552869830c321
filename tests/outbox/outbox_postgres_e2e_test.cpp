// Four `getxapi outbox work` processes on one PostgreSQL outbox against the
// in-process sandbox: 2,000 entries over 3 accounts, workers SIGKILLed at random
// moments and restarted (at least 20 kills) until everything is delivered.
// Exactly once (the sandbox's own record of what it delivered), none lost, no
// account over its cap. The entries are queued, counted and listed through the
// CLI too (add / status / list with a postgresql:// URL).
#include "outbox_processes.hpp"
#include "postgres_support.hpp"

#include <getxapi/outbox.hpp>

#include <gtest/gtest.h>

#include <array>
#include <iostream>
#include <map>
#include <random>
#include <thread>

namespace getxapi::outbox::testing {
namespace {

using getxapi::outreach::testing::ScratchDir;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kAdaId[] = "1700000000000000001";
constexpr char kGraceId[] = "1700000000000000002";
constexpr char kNewId[] = "1700000000000000010";
constexpr int kEntries = 2000;

std::vector<std::string> lines(std::string const& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

class OutboxPostgresE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!getxapi::testing::postgres_available()) GTEST_SKIP() << "no PostgreSQL server";
    schema_ = getxapi::testing::create_postgres_schema();
    url_ = getxapi::testing::postgres_url(schema_);
  }
  void TearDown() override {
    if (!schema_.empty()) getxapi::testing::drop_postgres_schema(schema_);
  }
  std::string schema_;
  std::string url_;
};

TEST_F(OutboxPostgresE2e, FourWorkersKilledAtRandomDeliverTwoThousandExactlyOnce) {
  SandboxFixture sb;
  ScratchDir dir("outbox-pg-e2e");
  auto audience = sb.followers("premium_brand");
  std::vector<std::string> recipients(audience.dmable.begin(), audience.dmable.end());
  ASSERT_GE(recipients.size(), 500u);
  auto env = base_env(sb.url());
  env.push_back("TOKEN_C=sandbox-token-new");

  // Two through the CLI (the repeated key is the same entry), the rest through the library.
  Proc add(env, dir.file("add.out"), dir.file("add.err"));
  for (int round = 0; round < 2; ++round) {
    ASSERT_EQ(Proc::wait(
                  add.spawn({GETXAPI_CLI_PATH, "outbox", "add", "--outbox", url_, "--to-id",
                             recipients[0], "--key", "alert-0", "Alert #0: your order shipped ✨"})),
              0)
        << add.err();
  }
  auto ids = lines(add.out());
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], ids[1]);
  auto outbox = Outbox::open(url_);
  ASSERT_TRUE(outbox) << outbox.error();
  for (int i = 1; i < kEntries; ++i) {
    NewEntry n{Recipient::by_id(recipients[static_cast<std::size_t>(i) % recipients.size()]),
               "Alert #" + std::to_string(i) + ": your order shipped ✨",
               "alert-" + std::to_string(i),
               {},
               {},
               {}};
    auto r = outbox->enqueue(n);
    ASSERT_TRUE(r) << r.error();
  }

  // a: 1,000 a day (the sandbox's cap for ada too), b: 600 (below grace's 1,000),
  // c: 500 (new_account's). They add up to 2,100: everything goes, b and c reach
  // their caps on the way. A 2 s lease, so a killed worker's claim is soon taken over.
  std::vector<std::string> const work = {GETXAPI_CLI_PATH,
                                         "outbox",
                                         "work",
                                         "--outbox",
                                         url_,
                                         "--account",
                                         "a=TOKEN_A:established",
                                         "--account",
                                         "b=TOKEN_B:600",
                                         "--account",
                                         "c=TOKEN_C:new",
                                         "--delay",
                                         "0",
                                         "--lease",
                                         "2",
                                         "--recheck",
                                         "1",
                                         "--settle",
                                         "2"};
  Proc proc(env, dir.file("work.out"), dir.file("work.err"));
  std::array<pid_t, 4> workers{};
  for (auto& pid : workers) pid = proc.spawn(work);

  std::mt19937 rng(20261201);
  int kills = 0;
  auto const start = std::chrono::steady_clock::now();
  while (kills < 24) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(80, 450)(rng)));
    auto& victim = workers[std::uniform_int_distribution<std::size_t>(0, 3)(rng)];
    ::kill(victim, SIGKILL);
    kills += Proc::wait(victim) == 128 + SIGKILL;
    victim = proc.spawn(work);
  }
  auto const mid = *outbox->status();
  std::cout << "after " << kills << " kills: " << mid.counts.sent << " sent, " << mid.counts.queued
            << " queued, " << mid.counts.sending << " sending\n";

  // The four go on until nothing is left: the killed workers' leases run out (2 s),
  // their claims are reconciled against the inbox and settled.
  auto const deadline = std::chrono::steady_clock::now() + 60s;
  OutboxStatus st;
  for (;;) {
    auto s = outbox->status();
    ASSERT_TRUE(s) << s.error();
    st = *s;
    if (st.counts.sent + st.counts.failed == kEntries && st.counts.sending == 0) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << st.counts.sent << " sent, " << st.counts.queued << " queued, " << st.counts.sending
        << " sending; " << proc.err();
    std::this_thread::sleep_for(200ms);
  }
  auto const elapsed = std::chrono::steady_clock::now() - start;
  for (auto pid : workers) {
    ::kill(pid, SIGTERM);
    EXPECT_EQ(Proc::wait(pid), 0) << proc.err();
  }
  EXPECT_GE(kills, 20);
  EXPECT_EQ(st.counts.sent, kEntries);
  EXPECT_EQ(st.counts.failed, 0);
  EXPECT_EQ(st.counts.queued, 0);

  // Exactly once, none lost, nothing else: the sandbox's own record.
  auto delivered = deliveries(sb);
  std::int64_t total = 0;
  std::map<std::string, int> per_key;
  for (auto const& [sender, msgs] : delivered) {
    for (auto const& [key, n] : msgs) {
      EXPECT_EQ(n, 1) << "delivered " << n << " times: " << key;
      per_key[key] += n;
      total += n;
    }
  }
  EXPECT_EQ(total, kEntries);
  for (int i = 0; i < kEntries; ++i) {
    std::string const key = recipients[static_cast<std::size_t>(i) % recipients.size()] +
                            "|Alert #" + std::to_string(i) + ": your order shipped ✨";
    EXPECT_EQ(per_key[key], 1) << "entry " << i << " lost or doubled";
  }

  // No account over its cap: what the sandbox delivered, and what the store counts.
  EXPECT_LE(delivered[kAdaId].size(), 1000u);
  EXPECT_EQ(delivered[kGraceId].size(), 600u);
  EXPECT_EQ(delivered[kNewId].size(), 500u);
  std::map<std::string, std::string> const sender_of = {
      {"a", kAdaId}, {"b", kGraceId}, {"c", kNewId}};
  for (auto const& a : st.accounts) {
    EXPECT_LE(a.sent_today, a.daily_cap) << a.name;
    EXPECT_EQ(static_cast<std::size_t>(a.sent_today), delivered[sender_of.at(a.name)].size())
        << a.name;
  }

  // The CLI reads the same outbox: status and list over the URL.
  Proc q(env, dir.file("q.out"), dir.file("q.err"));
  ASSERT_EQ(Proc::wait(q.spawn({GETXAPI_CLI_PATH, "--json", "outbox", "status", "--outbox", url_})),
            0)
      << q.err();
  auto status = json::parse(lines(q.out()).at(0));
  EXPECT_EQ(status["sent"], kEntries);
  EXPECT_EQ(status["sending"], 0);
  Proc l(env, dir.file("l.out"), dir.file("l.err"));
  ASSERT_EQ(Proc::wait(l.spawn({GETXAPI_CLI_PATH, "outbox", "list", "--outbox", url_, "--state",
                                "sent", "--json"})),
            0)
      << l.err();
  EXPECT_EQ(lines(l.out()).size(), static_cast<std::size_t>(kEntries));
  for (auto const* secret : {"sandbox-token-ada", "sandbox-token-grace", "sandbox-token-new"}) {
    EXPECT_EQ((proc.out() + proc.err() + q.out() + l.out()).find(secret), std::string::npos);
  }

  // Wall time, and the span of the deliveries on the sandbox's clock.
  auto messages = sb.get("/_sandbox/messages");
  Timestamp first = Timestamp::max(), last = Timestamp::min();
  for (auto const& m : messages) {
    auto t = *parse_timestamp(m["createdAt"].get<std::string>());
    first = std::min(first, t);
    last = std::max(last, t);
  }
  std::cout << "kills " << kills << "; " << kEntries << " delivered in "
            << std::chrono::duration<double>(elapsed).count()
            << " s (sandbox clock: " << std::chrono::duration<double>(last - first).count()
            << " s first to last); "
            << "billed calls per DM " << st.billed_per_sent() << "\n";
}

}  // namespace
}  // namespace getxapi::outbox::testing
