// The real `getxapi dm watch --exec` against the in-process sandbox, SIGKILLed at random
// moments while 1,000 inbound messages arrive over 50 conversations in both tabs (the
// sandbox clock is moved forward so the stream plays out in seconds). Afterwards: every
// message handed over and acknowledged, every one answered exactly once, nothing missed.
// The same test over each store: a SQLite file (inbox_kill_test), and PostgreSQL
// (inbox_postgres_e2e_test, built with GETXAPI_INBOX_TEST_POSTGRES: each restart after a
// SIGKILL waits for the server to drop the dead watcher's lock). Also: a second watcher on
// a state in use is refused with kBusy, and no output shows the URL's password.
#include "inbox_sandbox.hpp"
#include "state_backend.hpp"

#include <getxapi/inbox.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace getxapi::inbox {
namespace {

using testing::Backend;
using testing::InboxSandbox;
using testing::TestState;
using namespace std::chrono_literals;

constexpr int kMessages = 1000;
constexpr int kUsers = 50;
constexpr int kKills = 22;

class Child {
 public:
  Child(std::vector<std::string> args, std::vector<std::string> env, std::string const& log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);  // its own group: the bot it runs dies with it
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
      }
      std::vector<char*> argv, envp;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      for (auto& e : env) envp.push_back(e.data());
      envp.push_back(nullptr);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);
  }
  void kill(int sig) { ::kill(-pid_, sig); }
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
};

std::vector<std::string> watch_env(InboxSandbox& sandbox) {
  char const* path = std::getenv("PATH");
  return {"PATH=" + std::string(path ? path : "/usr/bin:/bin"), "GETXAPI_API_KEY=kill-test-key",
          "GETXAPI_AUTH_TOKEN=sandbox-token-ada", "GETXAPI_BASE_URL=" + sandbox.url(),
          "GETXAPI_WATCH_SETTLE=1"};
}

std::string slurp(std::string const& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class WatchKill : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!state_.available()) GTEST_SKIP() << "no PostgreSQL server (GETXAPI_TEST_POSTGRES_URL)";
  }
  TestState state_{GetParam(), "kill"};
};

TEST_P(WatchKill, ASecondWatcherIsRefusedWithKBusyUntilTheFirstIsKilled) {
  InboxSandbox sandbox;
  auto const& dir = state_.dir();
  auto const env = watch_env(sandbox);
  auto watch = [&](std::vector<std::string> extra, std::string const& log) {
    std::vector<std::string> args = {GETXAPI_CLI_PATH, "dm", "watch", "--state", state_.location()};
    args.insert(args.end(), extra.begin(), extra.end());
    return Child(args, env, dir.file(log));
  };
  ASSERT_EQ(watch({"--once"}, "baseline.log").wait(), 0) << slurp(dir.file("baseline.log"));
  sandbox.post("/_sandbox/inbound",
               {{"from", "lonely_user"}, {"to", "ada_example"}, {"text", "first in"}});
  auto first = watch({"--interval", "0.05-0.2"}, "first.log");
  // It printed the message: it has polled, so it holds the lock.
  bool polled = false;
  for (int i = 0; i < 500 && !polled; ++i) {
    std::this_thread::sleep_for(10ms);
    polled = slurp(dir.file("first.log")).find("first in") != std::string::npos;
  }
  ASSERT_TRUE(polled) << slurp(dir.file("first.log"));
  EXPECT_TRUE(GetParam() == Backend::kSqlite || state_.lock_held());
  EXPECT_EQ(watch({"--once"}, "second.log").wait(), 1);
  auto const refused = slurp(dir.file("second.log"));
  EXPECT_NE(refused.find("kBusy"), std::string::npos) << refused;

  first.kill(SIGKILL);
  first.wait();
  EXPECT_TRUE(state_.wait_lock_free()) << "the dead watcher's lock was not released";
  EXPECT_EQ(watch({"--once"}, "third.log").wait(), 0) << slurp(dir.file("third.log"));
  for (auto const* log : {"baseline.log", "first.log", "second.log", "third.log"}) {
    EXPECT_EQ(slurp(dir.file(log)).find(testing::kUrlPassword), std::string::npos) << log;
  }
}

TEST_P(WatchKill, AThousandInboundMessagesTwentyKillsNoneMissedNoneAnsweredTwice) {
  InboxSandbox sandbox;
  auto const& dir = state_.dir();
  std::string const state = state_.location();
  std::string const exec_log = dir.file("exec.log");
  std::string const out_log = dir.file("watch.log");
  std::string const bot = dir.file("bot.sh");
  {
    std::ofstream b(bot);
    b << "#!/bin/sh\n"
         "id=$(grep -o '\"id\":\"[0-9]*\"' | head -1 | tr -dc 0-9)\n"
         "echo \"$id\" >> '"
      << exec_log
      << "'\n"
         "echo \"ack $id\"\n";
  }
  ::chmod(bot.c_str(), 0755);
  auto const env = watch_env(sandbox);
  auto watch = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {GETXAPI_CLI_PATH, "dm", "watch", "--state", state};
    args.insert(args.end(), extra.begin(), extra.end());
    return Child(args, env, out_log);
  };
  auto const start = std::chrono::steady_clock::now();

  // A new state: what the world already holds counts as seen.
  ASSERT_EQ(watch({"--once"}).wait(), 0);

  ClientOptions co;
  co.api_key = "kill-test-key";
  co.base_url = sandbox.url();
  auto ada = Client(co).user_info("ada_example");
  ASSERT_TRUE(ada) << ada.error();
  std::string const ada_id = ada->id;
  auto stream = sandbox.post("/_sandbox/inbound_stream", {{"to", "ada_example"},
                                                          {"messages", kMessages},
                                                          {"users", kUsers},
                                                          {"seconds", 600},
                                                          {"from", "mixed"}});
  ASSERT_EQ(stream["scheduled"], kMessages);

  // The outside world: the sandbox clock runs 60x faster than the wall clock.
  std::atomic<bool> done{false};
  std::thread world([&] {
    while (!done) {
      try {
        sandbox.advance(1);
      } catch (...) {  // NOLINT(bugprone-empty-catch): the next tick retries
      }
      std::this_thread::sleep_for(16ms);
    }
  });

  std::mt19937 rng(20261201);
  std::uniform_int_distribution<int> alive_ms(150, 900);
  int kills = 0;
  for (int k = 0; k < kKills; ++k) {
    auto child = watch({"--exec", bot, "--interval", "0.05-0.2"});
    std::this_thread::sleep_for(std::chrono::milliseconds(alive_ms(rng)));
    child.kill(SIGKILL);
    child.wait();
    ++kills;
    // PostgreSQL: the server ends the dead session (and its lock) a moment later.
    ASSERT_TRUE(state_.wait_lock_free()) << "kill " << kills;
  }
  // Let the stream finish, then one watcher runs until everything is answered.
  for (int i = 0; i < 2000; ++i) {
    auto s = sandbox.get("/_sandbox/inbound_stream");
    if (s["streams"][0]["pending"] == 0) break;
    std::this_thread::sleep_for(10ms);
  }
  done = true;
  world.join();
  auto last = watch({"--exec", bot, "--interval", "0.05-0.2"});
  Store::Counts counts;
  for (int i = 0; i < 600; ++i) {
    std::this_thread::sleep_for(100ms);
    auto probe = open_store(state);
    if (!probe) continue;
    counts = (*probe)->counts();
    if (counts.delivered >= kMessages && counts.pending == 0 && counts.replies_open == 0) break;
  }
  last.kill(SIGTERM);
  EXPECT_EQ(last.wait(), 0) << "SIGTERM ends a watcher cleanly";
  auto const elapsed = std::chrono::steady_clock::now() - start;

  // What the sandbox delivered, and what the account answered.
  std::set<std::string> inbound;
  std::regex const streamed(R"( \(\d+/1000\)$)");
  Client reader(co);
  for (auto const& cid : stream["conversations"]) {
    for (auto const& m :
         reader.all_conversation_messages("sandbox-token-ada", cid.get<std::string>())) {
      ASSERT_TRUE(m) << m.error();
      if (m->sender_id != ada_id && std::regex_search(m->text, streamed)) inbound.insert(m->id);
    }
  }
  std::map<std::string, int> answers;
  for (auto const& m : sandbox.get("/_sandbox/messages?sender_id=" + ada_id)) {
    auto const text = m["text"].get<std::string>();
    if (text.rfind("ack ", 0) == 0) ++answers[text.substr(4)];
  }
  std::map<std::string, int> execs;
  {
    std::ifstream in(exec_log);
    for (std::string line; std::getline(in, line);) ++execs[line];
  }
  auto execs_of = [&](std::string const& id) { return execs.count(id) ? execs[id] : 0; };
  int missed = 0, duplicates = 0, strays = 0;
  for (auto const& id : inbound) missed += execs_of(id) == 0 ? 1 : 0;
  for (auto const& [id, n] : answers) {
    duplicates += n > 1 ? n - 1 : 0;
    strays += inbound.count(id) == 0 ? 1 : 0;
  }
  int handler_repeats = 0;
  for (auto const& [id, n] : execs) handler_repeats += n > 1 ? n - 1 : 0;

  EXPECT_EQ(inbound.size(), static_cast<std::size_t>(kMessages));
  EXPECT_GE(kills, 20);
  EXPECT_EQ(missed, 0);
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(strays, 0);
  EXPECT_EQ(counts.delivered, kMessages) << "every message acknowledged";
  EXPECT_EQ(counts.pending, 0);
  // Refused replies (a sender whose DMs are closed) are recorded and acknowledged.
  EXPECT_EQ(counts.replies_sent + counts.replies_failed, kMessages);
  EXPECT_EQ(counts.replies_suppressed, 0) << "an echo was taken for a person";
  EXPECT_EQ(slurp(out_log).find(testing::kUrlPassword), std::string::npos);

  auto const lists = sandbox.requests_to("/twitter/dm/list");
  auto const threads = sandbox.requests_to("/twitter/dm/conversation");
  auto const sends = sandbox.requests_to("/twitter/dm/send");
  std::cout << "[figures] kill test (" << testing::backend_name({GetParam(), 0})
            << "): " << kMessages << " inbound over " << kUsers << " conversations, " << kills
            << " SIGKILLs, " << std::chrono::duration_cast<std::chrono::seconds>(elapsed).count()
            << " s; missed " << missed << ", duplicate replies " << duplicates << ", replies sent "
            << counts.replies_sent << ", refused " << counts.replies_failed << ", handler re-runs "
            << handler_repeats << "; requests dm/list " << lists << ", dm/conversation " << threads
            << ", dm/send " << sends
            << "; per inbound message: " << static_cast<double>(lists + threads + sends) / kMessages
            << " (reads " << static_cast<double>(lists + threads) / kMessages << ")\n";
}

INSTANTIATE_TEST_SUITE_P(Stores, WatchKill, ::testing::Values(testing::kBackend),
                         testing::backend_name);

}  // namespace
}  // namespace getxapi::inbox
