// The `getxapi outreach run` binary, killed with SIGKILL at random moments (and
// once right after a 500 that had in fact delivered a DM), with and without
// faults, then run to completion: every DM-able follower got exactly one DM,
// nobody with canDm false got any, no user/info call was made, and `status`
// tells the truth.
#include <getxapi/outreach.hpp>

#include "../support/child_process.hpp"
#include "sandbox_fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace getxapi::outreach {
namespace {

using ::testing::HasSubstr;
using testing::SandboxFixture;
using testing::ScratchDir;
using namespace std::chrono_literals;

constexpr char kPremiumId[] = "1700000000000000020";

using ::getxapi::testing::slurp;

// The CLI binary, with the sandbox's environment; output files truncated per run.
class Cli {
 public:
  Cli(std::string base_url, std::string out, std::string err)
      : out_(std::move(out)), err_(std::move(err)) {
    env_ = {"GETXAPI_API_KEY=sandbox-api-key", "GETXAPI_AUTH_TOKEN=sandbox-token-premium",
            "GETXAPI_BASE_URL=" + base_url, "PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8"};
  }

  pid_t spawn(std::vector<std::string> const& args) {
    std::vector<std::string> argv = {GETXAPI_CLI_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    return ::getxapi::testing::spawn_process(std::move(argv), env_, out_, err_);
  }

  /// Exit status, or 128 + signal.
  static int wait(pid_t pid) { return ::getxapi::testing::wait_process(pid); }

  int run(std::vector<std::string> const& args) { return wait(spawn(args)); }
  std::string out() const { return slurp(out_); }
  std::string err() const { return slurp(err_); }

 private:
  std::vector<std::string> env_;
  std::string out_, err_;
};

TEST(OutreachCrash, KilledAtRandomMomentsItStillDeliversExactlyOnce) {
  SandboxFixture sb;
  ScratchDir dir("outreach-crash");
  std::string const journal = dir.file("campaign.db");
  std::string const message = dir.file("message.txt");
  std::ofstream(message) << "Hi {name}! Thanks for following @premium_brand ✨\n";
  Cli cli(sb.url(), dir.file("out.txt"), dir.file("err.txt"));
  // An unclear send settles after --timeout + --inbox-margin: short here, so that
  // the rows a kill leaves `sending` settle within the test.
  std::vector<std::string> const run = {
      "--timeout",      "2",     "outreach",       "run",           "--campaign",     "launch",
      "--journal",      journal, "--followers-of", "premium_brand", "--message-file", message,
      "--inbox-margin", "0",     "--delay",        "0.002-0.004"};
  std::mt19937 rng(20260302);  // seeded: a failure replays
  int kills = 0;
  int finished_early = 0;
  auto kill_at_random = [&](int lo_ms, int hi_ms) {
    pid_t const pid = cli.spawn(run);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(lo_ms, hi_ms)(rng)));
    ::kill(pid, SIGKILL);
    int const status = Cli::wait(pid);
    if (status == 128 + SIGKILL) {
      ++kills;
    } else {
      ++finished_early;
      EXPECT_EQ(status, 0) << cli.err();
    }
  };
  auto delivered_count = [&] { return sb.delivered_from(kPremiumId).size(); };

  // 1. Plain kills.
  for (int i = 0; i < 10; ++i) kill_at_random(10, 250);

  // 2. The worst moment: X delivered the DM, answered 500, and the process dies
  //    before it learns anything more (the 20 s Retry-After keeps it waiting).
  //    First let the unclear sends of the kills above settle (--timeout 2 +
  //    --inbox-margin 0): inside that time they are rightly left `sending`.
  std::this_thread::sleep_for(2100ms);
  auto const faults_before = sb.get("/_sandbox/stats")["faults_applied"].get<int>();
  sb.post("/_sandbox/faults", {{"path", "/twitter/dm/send"},
                               {"status", 500},
                               {"retry_after", 20},
                               {"after_delivery", true},
                               {"count", 1}});
  {
    pid_t const pid = cli.spawn(run);
    auto const deadline = std::chrono::steady_clock::now() + 20s;
    while (sb.get("/_sandbox/stats")["faults_applied"].get<int>() == faults_before &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    ::kill(pid, SIGKILL);
    ASSERT_EQ(Cli::wait(pid), 128 + SIGKILL) << "the run ended before the fault fired";
    ++kills;
    auto j = *Journal::open(journal);
    auto const in_flight = *j.recipients("launch", RecipientState::kSending);
    ASSERT_EQ(in_flight.size(), 1u) << "the delivered DM should be left `sending`";
    EXPECT_EQ(sb.delivered_from(kPremiumId)[in_flight[0].user_id], 1);
  }

  // 3. Kills with faults on: 500s and dropped connections after delivery, 503s
  //    and drops before it, 429 with retry_after, a failing inbox.
  sb.post(
      "/_sandbox/faults",
      {{"faults",
        {{{"path", "/twitter/dm/send"},
          {"status", 500},
          {"after_delivery", true},
          {"probability", 0.04},
          {"count", 8}},
         {{"path", "/twitter/dm/send"},
          {"drop", true},
          {"after_delivery", true},
          {"probability", 0.04},
          {"count", 8}},
         {{"path", "/twitter/dm/send"}, {"status", 503}, {"probability", 0.03}, {"count", 5}},
         {{"path", "/twitter/dm/send"}, {"drop", true}, {"probability", 0.03}, {"count", 5}},
         {{"path", "/twitter/dm/send"},
          {"status", 429},
          {"retry_after", 1},
          {"probability", 0.02},
          {"count", 2}},
         {{"path", "/twitter/dm/list"}, {"status", 500}, {"probability", 0.1}, {"count", 4}}}}});
  for (int i = 0; i < 12; ++i) kill_at_random(20, 400);
  auto const faults_fired = sb.get("/_sandbox/stats")["faults_applied"].get<int>() - faults_before;
  sb.clear_faults();
  EXPECT_GE(kills, 20) << finished_early << " run(s) finished before their kill";
  EXPECT_GT(faults_fired, 5);
  EXPECT_LT(delivered_count(), 1400u) << "the kills left nothing for the final runs";
  std::cout << kills << " SIGKILLs (" << finished_early << " run(s) finished first), "
            << faults_fired << " faults fired, " << delivered_count()
            << " of 1400 DMs delivered before the final runs\n";

  // 4. SIGINT: the send in flight is finished, saved, exit 0 with a resume line
  //    (after the unclear sends of the kills above have settled).
  std::this_thread::sleep_for(2100ms);
  {
    std::vector<std::string> slow = run;
    slow.back() = "0.05";
    pid_t const pid = cli.spawn(slow);
    std::this_thread::sleep_for(300ms);
    ::kill(pid, SIGINT);
    EXPECT_EQ(Cli::wait(pid), 0) << cli.err();
    EXPECT_THAT(cli.err(), HasSubstr("interrupted: progress saved; resume with: getxapi outreach "
                                     "run --campaign launch --journal"));
    auto j = *Journal::open(journal);
    EXPECT_EQ(j.counts("launch")->sending, 0);
  }

  // 5. Let it finish.
  ASSERT_EQ(cli.run(run), 0) << cli.err();
  EXPECT_THAT(cli.out(), HasSubstr("0 pending, 0 unconfirmed, 600 skipped"));

  auto const audience = sb.followers("premium_brand");
  ASSERT_EQ(audience.dmable.size(), 1400u);
  auto const delivered = sb.delivered_from(kPremiumId);
  std::size_t doubled = 0, missing = 0;
  for (auto const& id : audience.dmable) {
    auto it = delivered.find(id);
    if (it == delivered.end()) {
      ++missing;
    } else if (it->second != 1) {
      ++doubled;
    }
  }
  EXPECT_EQ(doubled, 0u);
  EXPECT_EQ(missing, 0u);
  for (auto const& id : audience.closed) EXPECT_EQ(delivered.count(id), 0u);
  EXPECT_EQ(delivered.size(), 1400u);
  EXPECT_EQ(sb.requests_to("/twitter/user/info"), 0);

  // `status` agrees with the sandbox's record.
  ASSERT_EQ(cli.run({"outreach", "status", "--campaign", "launch", "--journal", journal, "--json"}),
            0)
      << cli.err();
  auto const status = nlohmann::json::parse(cli.out());
  EXPECT_EQ(status["counts"]["sent"], 1400);
  EXPECT_EQ(status["counts"]["pending"], 0);
  EXPECT_EQ(status["counts"]["sending"], 0);
  EXPECT_EQ(status["counts"]["skipped"], 600);
  EXPECT_EQ(status["counts"]["failed"], 0);
  EXPECT_EQ(status["eta_seconds"], 0);
  // Killed runs that got as far as opening the journal are on record too.
  EXPECT_GE(status["runs"].get<int>(), 2);
  EXPECT_GE(status["unfinished_runs"].get<int>(), 1);
  // Billed dm/sends as the journal recorded them: never more than the server
  // answered 2xx, and short by at most one per kill (answered, not yet committed).
  auto const sandbox_stats = sb.get("/_sandbox/stats");
  auto const ok_sends =
      sandbox_stats["paths"]["/twitter/dm/send"]["by_status"].value("200", std::int64_t{0});
  auto const journal_sends = status["billed_calls"].value("dm/send", std::int64_t{0});
  EXPECT_LE(journal_sends, ok_sends);
  EXPECT_GE(journal_sends, ok_sends - kills);
  EXPECT_GT(status["billed_calls_per_dm"].get<double>(), 1.0);
  std::cout << "billed calls per delivered DM through the kills and faults: "
            << status["billed_calls_per_dm"].get<double>() << "\n";
  ASSERT_EQ(cli.run({"outreach", "status", "--campaign", "launch", "--journal", journal}), 0);
  EXPECT_THAT(cli.out(), HasSubstr("1400 sent"));
  EXPECT_THAT(cli.out(), HasSubstr("billed calls per delivered DM: "));
}

// Two processes on one journal, reached through a symlink and a hard link: the
// second `outreach run` is refused with kBusy (exit 1) and sends nothing.
TEST(OutreachCli, ASecondRunOnTheSameJournalUnderAnotherNameIsBusy) {
  SandboxFixture sb;
  ScratchDir dir("outreach-lock");
  std::string const journal = dir.file("j.db");
  std::string const message = dir.file("m.txt");
  std::string const recipients = dir.file("r.txt");
  std::ofstream(message) << "Hello {name}\n";
  std::ofstream(recipients) << "1700000000000000002\n1700000000000000010\n";
  std::filesystem::create_symlink(journal, dir.file("sym.db"));
  Cli first(sb.url(), dir.file("out1.txt"), dir.file("err1.txt"));
  Cli second(sb.url(), dir.file("out2.txt"), dir.file("err2.txt"));
  auto args = [&](std::string const& path) {
    return std::vector<std::string>{"outreach",       "run",   "--campaign",   "c",
                                    "--journal",      path,    "--recipients", recipients,
                                    "--message-file", message, "--delay",      "4"};
  };
  pid_t const pid = first.spawn(args(journal));
  // Wait until the first run has sent its first DM (it then pauses 4 s, holding the lock).
  auto const deadline = std::chrono::steady_clock::now() + 10s;
  while (sb.delivered_from(kPremiumId).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_FALSE(sb.delivered_from(kPremiumId).empty()) << first.err();
  std::filesystem::create_hard_link(journal, dir.file("hard.db"));
  for (auto const& alias : {dir.file("sym.db"), dir.file("hard.db"), dir.file("x/../j.db")}) {
    std::filesystem::create_directories(dir.file("x"));
    EXPECT_EQ(second.run(args(alias)), 1) << alias;
    EXPECT_THAT(second.err(), HasSubstr("error: kBusy: ")) << alias;
    EXPECT_THAT(second.err(), HasSubstr("in use by another run")) << alias;
  }
  ::kill(pid, SIGINT);
  EXPECT_EQ(Cli::wait(pid), 0) << first.err();
  // Nobody got two DMs: the refused runs sent nothing.
  for (auto const& [id, n] : sb.delivered_from(kPremiumId)) EXPECT_EQ(n, 1) << id;
}

// `outreach list` says who failed or was skipped and why; stderr that is not a
// terminal gets whole progress lines with a rate and an ETA.
TEST(OutreachCli, ListShowsWhoAndWhyAndProgressLinesCarryRateAndEta) {
  SandboxFixture sb;
  ScratchDir dir("outreach-list");
  std::string const journal = dir.file("j.db");
  std::string const message = dir.file("m.txt");
  std::string const recipients = dir.file("r.txt");
  std::ofstream(message) << "Hello {name}\n";
  // grace accepts DMs; closed_dms (by id) does not; new_account by handle.
  std::ofstream(recipients) << "1700000000000000002\n1700000000000000003\n@new_account\n";
  Cli cli(sb.url(), dir.file("out.txt"), dir.file("err.txt"));
  ASSERT_EQ(
      cli.run({"outreach", "run", "--campaign", "c", "--journal", journal, "--recipients",
               recipients, "--message-file", message, "--delay", "0", "--progress-interval", "0"}),
      0)
      << cli.err();
  EXPECT_THAT(cli.err(), HasSubstr("outreach c: "));
  EXPECT_THAT(cli.err(), HasSubstr("/min, ETA "));
  EXPECT_EQ(cli.err().find('\r'), std::string::npos) << "no terminal rewrites in a log";

  ASSERT_EQ(
      cli.run({"outreach", "list", "--campaign", "c", "--journal", journal, "--state", "failed"}),
      0)
      << cli.err();
  EXPECT_THAT(cli.out(), HasSubstr("1700000000000000003"));
  EXPECT_THAT(cli.out(), HasSubstr("kCannotDm"));
  EXPECT_THAT(cli.out(), ::testing::Not(HasSubstr("1700000000000000002")));

  ASSERT_EQ(cli.run({"--json", "outreach", "list", "--campaign", "c", "--journal", journal,
                     "--state", "failed"}),
            0);
  std::istringstream lines(cli.out());
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto const j = nlohmann::json::parse(line);
    EXPECT_EQ(j["id"], "1700000000000000003");
    EXPECT_EQ(j["state"], "failed");
    EXPECT_EQ(j["error_code"], "kCannotDm");
    EXPECT_FALSE(j["reason"].get<std::string>().empty());
    ++n;
  }
  EXPECT_EQ(n, 1);

  ASSERT_EQ(
      cli.run({"outreach", "list", "--campaign", "c", "--journal", journal, "--state", "replied"}),
      0);
  EXPECT_THAT(cli.out(), HasSubstr("no replied recipients"));
  EXPECT_EQ(
      cli.run({"outreach", "list", "--campaign", "c", "--journal", journal, "--state", "bogus"}),
      2);
}

}  // namespace
}  // namespace getxapi::outreach
