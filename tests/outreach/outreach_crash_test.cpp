// The `getxapi outreach run` binary, killed with SIGKILL at random moments (and
// once right after a 500 that had in fact delivered a DM), with and without
// faults, then run to completion: every DM-able follower got exactly one DM,
// nobody with canDm false got any, no user/info call was made, and `status`
// tells the truth.
#include <getxapi/outreach.hpp>

#include "sandbox_fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
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

std::string slurp(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class Cli {
 public:
  Cli(std::string base_url, std::string out, std::string err)
      : out_(std::move(out)), err_(std::move(err)) {
    env_ = {"GETXAPI_API_KEY=sandbox-api-key", "GETXAPI_AUTH_TOKEN=sandbox-token-premium",
            "GETXAPI_BASE_URL=" + base_url, "PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8"};
  }

  pid_t spawn(std::vector<std::string> const& args) {
    std::vector<std::string> argv_s = {GETXAPI_CLI_PATH};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv, envp;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    int const rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + argv_s[0]);
    return pid;
  }

  /// Exit status, or 128 + signal.
  static int wait(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
  }

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
  std::vector<std::string> const run = {
      "outreach",       "run",           "--campaign",     "launch", "--journal", journal,
      "--followers-of", "premium_brand", "--message-file", message,  "--delay",   "0.002-0.004"};
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

  // 4. SIGINT: the send in flight is finished, saved, exit 0 with a resume line.
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

}  // namespace
}  // namespace getxapi::outreach
