// Two `getxapi outreach run` processes on one PostgreSQL journal (the real CLI
// against the in-process sandbox): exactly one runs, the other is refused with
// kBusy (exit 1) and sends nothing; after the runner is SIGKILLed the server
// drops its lock, and the next run takes it and finishes without a duplicate.
// The sandbox's own record of deliveries is the judge. A real server:
// ctest -L postgres (skipped without one, a failure under CI).
#include "../outbox/outbox_processes.hpp"
#include "postgres_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <thread>

namespace getxapi::outreach {
namespace {

using getxapi::outbox::testing::base_env;
using getxapi::outbox::testing::Proc;
using ::testing::HasSubstr;
using testing::SandboxFixture;
using testing::ScratchDir;
using namespace std::chrono_literals;

constexpr char kPremiumId[] = "1700000000000000020";
constexpr char kPassword[] = "pg-pass-w0rd";

class OutreachPostgresE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!getxapi::testing::postgres_available()) GTEST_SKIP() << "no PostgreSQL server";
    schema_ = getxapi::testing::create_postgres_schema();
    // With a password (the test server trusts loopback and ignores it): it must never show.
    url_ = getxapi::testing::postgres_url(schema_);
    auto const at = url_.find('@');
    ASSERT_NE(at, std::string::npos);
    url_.insert(at, std::string(":") + kPassword);
  }
  void TearDown() override {
    if (!schema_.empty()) getxapi::testing::drop_postgres_schema(schema_);
  }

  // `n` DM-able followers of premium_brand, in a recipients file.
  std::vector<std::string> audience(SandboxFixture& sb, ScratchDir const& dir, std::size_t n) {
    auto const followers = sb.followers("premium_brand");
    std::vector<std::string> ids(followers.dmable.begin(), followers.dmable.end());
    ids.resize(n);
    std::ofstream out(dir.file("recipients.txt"));
    for (auto const& id : ids) out << id << "\n";
    std::ofstream(dir.file("message.txt")) << "Hi {name}, thanks for following ✨\n";
    return ids;
  }

  std::vector<std::string> run_args(ScratchDir const& dir, std::string const& delay) const {
    return {GETXAPI_CLI_PATH,
            "--timeout",
            "2",
            "outreach",
            "run",
            "--campaign",
            "launch",
            "--journal",
            url_,
            "--recipients",
            dir.file("recipients.txt"),
            "--message-file",
            dir.file("message.txt"),
            "--delay",
            delay,
            "--inbox-margin",
            "0"};
  }

  static std::vector<std::string> env(SandboxFixture& sb) {
    auto e = base_env(sb.url());
    e.push_back("GETXAPI_AUTH_TOKEN=sandbox-token-premium");
    return e;
  }

  // Each of `ids` got exactly one DM, and nobody else got any.
  static void expect_each_once(SandboxFixture& sb, std::vector<std::string> const& ids) {
    auto const delivered = sb.delivered_from(kPremiumId);
    EXPECT_EQ(delivered.size(), ids.size());
    for (auto const& id : ids) {
      auto it = delivered.find(id);
      ASSERT_NE(it, delivered.end()) << id << " got no DM";
      EXPECT_EQ(it->second, 1) << id << " got " << it->second << " DMs";
    }
  }

  // `outreach status --json` over the URL: everything sent, the killed run on record.
  void expect_status_all_sent(Proc& status, std::size_t n) {
    ASSERT_EQ(Proc::wait(status.spawn({GETXAPI_CLI_PATH, "outreach", "status", "--campaign",
                                       "launch", "--journal", url_, "--json"})),
              0)
        << status.err();
    auto const s = nlohmann::json::parse(status.out());
    EXPECT_EQ(s["counts"]["sent"], static_cast<int>(n));
    EXPECT_EQ(s["counts"]["sending"], 0);
    EXPECT_EQ(s["counts"]["pending"], 0);
    EXPECT_GE(s["runs"].get<int>(), 2);
    EXPECT_GE(s["unfinished_runs"].get<int>(), 1);  // the killed one
  }

  std::string schema_;
  std::string url_;
};

TEST_F(OutreachPostgresE2e, TwoRunsStartedAtOnceOneRunsTheOtherIsRefused) {
  SandboxFixture sb;
  ScratchDir dir("outreach-pg-two");
  auto const ids = audience(sb, dir, 8);
  Proc a(env(sb), dir.file("a.out"), dir.file("a.err"));
  Proc b(env(sb), dir.file("b.out"), dir.file("b.err"));
  // 8 DMs 0.25 s apart: the winner holds the lock for about 2 s.
  pid_t const pa = a.spawn(run_args(dir, "0.25"));
  pid_t const pb = b.spawn(run_args(dir, "0.25"));
  int const sa = Proc::wait(pa);
  int const sb_status = Proc::wait(pb);
  ASSERT_EQ(std::min(sa, sb_status), 0) << a.err() << b.err();
  ASSERT_EQ(std::max(sa, sb_status), 1) << a.err() << b.err();
  Proc const& loser = sa == 1 ? a : b;
  EXPECT_THAT(loser.err(), HasSubstr("error: kBusy: "));
  EXPECT_THAT(loser.err(), HasSubstr("in use by another run"));
  EXPECT_THAT(loser.err(), HasSubstr("***"));
  expect_each_once(sb, ids);
  for (auto const* p : {&a, &b}) {
    EXPECT_EQ((p->out() + p->err()).find(kPassword), std::string::npos) << p->err();
    EXPECT_EQ((p->out() + p->err()).find("sandbox-token"), std::string::npos);
  }
}

TEST_F(OutreachPostgresE2e, ARunKilledWithSigkillLetsTheNextRunFinishWithoutADuplicate) {
  SandboxFixture sb;
  ScratchDir dir("outreach-pg-kill");
  auto const ids = audience(sb, dir, 12);
  Proc runner(env(sb), dir.file("run.out"), dir.file("run.err"));
  pid_t const pid = runner.spawn(run_args(dir, "0.15"));
  auto const deadline = std::chrono::steady_clock::now() + 20s;
  while (sb.delivered_from(kPremiumId).size() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_GE(sb.delivered_from(kPremiumId).size(), 3u) << runner.err();

  // While it runs, a second process on the same campaign is refused and sends nothing.
  auto const before = sb.delivered_from(kPremiumId).size();
  Proc contender(env(sb), dir.file("c.out"), dir.file("c.err"));
  EXPECT_EQ(Proc::wait(contender.spawn(run_args(dir, "0"))), 1) << contender.err();
  EXPECT_THAT(contender.err(), HasSubstr("error: kBusy: "));
  EXPECT_LE(sb.delivered_from(kPremiumId).size(), before + 2) << "the contender sent";

  ::kill(pid, SIGKILL);
  ASSERT_EQ(Proc::wait(pid), 128 + SIGKILL) << "the run ended before its kill";
  auto const partial = sb.delivered_from(kPremiumId).size();
  EXPECT_LT(partial, ids.size());
  // A send the kill cut short settles after --timeout + --inbox-margin (2 s):
  // until then the next run would rightly leave it alone.
  std::this_thread::sleep_for(2100ms);

  Proc next(env(sb), dir.file("next.out"), dir.file("next.err"));
  ASSERT_EQ(Proc::wait(next.spawn(run_args(dir, "0"))), 0) << next.err();
  expect_each_once(sb, ids);

  Proc status(env(sb), dir.file("s.out"), dir.file("s.err"));
  expect_status_all_sent(status, ids.size());
  for (auto const* p : {&runner, &contender, &next, &status}) {
    EXPECT_EQ((p->out() + p->err()).find(kPassword), std::string::npos) << p->err();
  }
}

}  // namespace
}  // namespace getxapi::outreach
