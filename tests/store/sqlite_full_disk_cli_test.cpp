// The real `getxapi outbox work` and `getxapi dm watch` against the in-process sandbox,
// in a child process whose files cannot grow past a limit (RLIMIT_FSIZE, SIGXFSZ
// ignored: each write past it fails with EFBIG, as a full disk fails with ENOSPC). The
// store fills up in the middle of the work: the command must exit 1 with
// `error: kStoreError: ... disk full ...` naming the file, without a token, soon (not
// crash, not loop); the file must be intact, and a run once the space is back must
// finish the work without sending anything twice.
#include "../outbox/outbox_processes.hpp"
#include "sqlite_probe.hpp"

#include <getxapi/inbox.hpp>
#include <getxapi/outbox.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace getxapi::store::testing {
namespace {

using getxapi::outbox::testing::slurp;
using getxapi::outreach::testing::SandboxFixture;
using getxapi::outreach::testing::ScratchDir;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kToken[] = "sandbox-token-ada";

struct Exit {
  int status = -1;  // exit status, 128 + signal, or -1 when it had to be killed
  std::string err;
};

/// Runs the CLI with `args`; `fsize_limit` > 0 caps the size of every file it writes.
/// Killed (status -1) if still running after `deadline`.
Exit run_cli(std::vector<std::string> args, std::vector<std::string> env, std::string const& log,
             rlim_t fsize_limit, std::chrono::seconds deadline = 60s) {
  args.insert(args.begin(), GETXAPI_CLI_PATH);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  ::unlink(log.c_str());
  pid_t const pid = ::fork();
  if (pid == 0) {  // only async-signal-safe calls until execve
    int const fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int const null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    if (fsize_limit > 0) {
      ::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails (EFBIG) instead of killing
      struct rlimit const limit{fsize_limit, fsize_limit};
      ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  Exit out;
  auto const until = std::chrono::steady_clock::now() + deadline;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > until) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      out.err = slurp(log);
      return out;
    }
    std::this_thread::sleep_for(20ms);  // a real process: polled, not faked
  }
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  out.err = slurp(log);
  return out;
}

rlim_t size_of(std::string const& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<rlim_t>(st.st_size) : 0;
}

void expect_disk_full_exit(Exit const& e, std::string const& path) {
  EXPECT_EQ(e.status, 1) << "exit 1 (not a signal, not a hang): " << e.err;
  EXPECT_NE(e.err.find("error: kStoreError: "), std::string::npos) << e.err;
  EXPECT_NE(e.err.find(path), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("disk full"), std::string::npos) << e.err;
  EXPECT_EQ(e.err.find(kToken), std::string::npos) << "a token on stderr: " << e.err;
}

// recipient id + '|' + text -> how often the sandbox delivered it, from `sender_id`.
std::map<std::string, int> sent_by(SandboxFixture& sb, std::string const& sender_id) {
  std::map<std::string, int> out;
  for (auto const& m : sb.get("/_sandbox/messages")) {
    if (m["senderId"] != sender_id) continue;
    out[m["recipientId"].get<std::string>() + '|' + m["text"].get<std::string>()]++;
  }
  return out;
}

std::string ada_id(SandboxFixture& sb) {
  ClientOptions o;
  o.api_key = "sandbox-api-key";
  o.base_url = sb.url();
  auto ada = Client(o).user_info("ada_example");
  return ada ? ada->id : std::string();
}

std::vector<std::string> base_env(std::string const& url) {
  return {"GETXAPI_API_KEY=sandbox-api-key",
          "GETXAPI_BASE_URL=" + url,
          "PATH=/usr/bin:/bin",
          "LC_ALL=C.UTF-8",
          std::string("TOKEN_A=") + kToken,
          std::string("GETXAPI_AUTH_TOKEN=") + kToken,
          "GETXAPI_PROGRESS_SECONDS=0"};
}

TEST(FullDiskCli, OutboxWorkStopsWithAStoreErrorAndTheNextRunSendsNothingTwice) {
  constexpr std::size_t kEntries = 40;
  SandboxFixture sb;
  ScratchDir dir("full-disk-outbox");
  std::string const store = dir.file("outbox.db");
  std::string const log = dir.file("work.err");
  auto audience = sb.followers("premium_brand");
  std::vector<std::string> recipients(audience.dmable.begin(), audience.dmable.end());
  ASSERT_GE(recipients.size(), kEntries);
  std::map<std::string, std::string> text_of;  // recipient -> text
  {
    auto outbox = outbox::Outbox::open(store);
    ASSERT_TRUE(outbox) << outbox.error();
    for (std::size_t i = 0; i < kEntries; ++i) {
      std::string const text = "Your order " + std::to_string(i) + " shipped";
      auto e = outbox->enqueue(outbox::NewEntry{
          Recipient::by_id(recipients[i]), text, "order-" + std::to_string(i), {}, {}, {}});
      ASSERT_TRUE(e) << e.error();
      text_of[recipients[i]] = text;
    }
  }
  // Room for the file as it is, its shared-memory index and a few sends' worth of WAL.
  rlim_t const limit = std::max<rlim_t>(size_of(store), 32768) + rlim_t{96} * 1024;
  std::vector<std::string> const work = {"outbox",    "work",        "--outbox", store,
                                         "--account", "ada=TOKEN_A", "--delay",  "0"};
  auto full = run_cli(work, base_env(sb.url()), log, limit);
  expect_disk_full_exit(full, store);
  ASSERT_EQ(integrity(store), "ok");

  std::string const sender = ada_id(sb);
  ASSERT_FALSE(sender.empty());
  auto delivered = sent_by(sb, sender);
  EXPECT_GE(delivered.size(), 1u) << "the disk should fill after some sends: " << full.err;
  EXPECT_LT(delivered.size(), kEntries) << "the disk should fill before the end";
  {
    auto outbox = outbox::Outbox::open(store);
    ASSERT_TRUE(outbox) << outbox.error();
    auto all = outbox->list();
    ASSERT_TRUE(all) << all.error();
    ASSERT_EQ(all->size(), kEntries);
    for (auto const& e : *all) {
      int const d = delivered[e.recipient.value() + '|' + e.text];
      EXPECT_LE(d, 1) << e.text;
      if (e.state == outbox::EntryState::kSent) {
        EXPECT_EQ(d, 1) << e.text;
      }
      if (e.state == outbox::EntryState::kQueued) {
        EXPECT_EQ(d, 0) << e.text << ": delivered, yet queued again";
      }
    }
  }

  // Space is back: the next run delivers the rest, nothing twice.
  auto again = run_cli(
      {"outbox", "work", "--outbox", store, "--account", "ada=TOKEN_A", "--delay", "0", "--once"},
      base_env(sb.url()), log, 0);
  EXPECT_EQ(again.status, 0) << again.err;
  delivered = sent_by(sb, sender);
  for (auto const& [recipient, text] : text_of) {
    EXPECT_LE(delivered[recipient + '|' + text], 1) << text;
  }
  auto outbox = outbox::Outbox::open(store);
  ASSERT_TRUE(outbox) << outbox.error();
  auto st = outbox->status();
  ASSERT_TRUE(st) << st.error();
  EXPECT_EQ(st->counts.queued, 0);
  // A send whose `sent` mark did not fit stays `sending` until its lease runs out
  // and the inbox confirms it; at most one, since the worker stopped right there.
  EXPECT_LE(st->counts.sending, 1);
  EXPECT_EQ(st->counts.sent + st->counts.sending, static_cast<std::int64_t>(kEntries));
}

TEST(FullDiskCli, DmWatchStopsWithAStoreErrorAndTheNextRunAnswersNoOneTwice) {
  constexpr int kMessages = 20;
  SandboxFixture sb;
  ScratchDir dir("full-disk-watch");
  std::string const state = dir.file("watch.db");
  std::string const log = dir.file("watch.err");
  std::string const bot = dir.file("bot.sh");
  {
    std::ofstream b(bot);
    b << "#!/bin/sh\ncat >/dev/null\necho 'Thanks, we are on it.'\n";
  }
  ::chmod(bot.c_str(), 0755);
  auto env = base_env(sb.url());
  env.push_back("GETXAPI_WATCH_SETTLE=1");
  auto const baseline = run_cli({"dm", "watch", "--state", state, "--once"}, env, log, 0);
  ASSERT_EQ(baseline.status, 0) << baseline.err;

  auto stream = sb.post("/_sandbox/inbound_stream", {{"to", "ada_example"},
                                                     {"messages", kMessages},
                                                     {"users", kMessages},
                                                     {"seconds", 1},
                                                     {"from", "mixed"}});
  ASSERT_EQ(stream["scheduled"], kMessages);
  sb.post("/_sandbox/time", {{"advance_seconds", 5}});

  rlim_t const limit = std::max<rlim_t>(size_of(state), 32768) + rlim_t{128} * 1024;
  std::vector<std::string> const watch = {"dm",     "watch", "--state",    state,
                                          "--exec", bot,     "--interval", "0.05-0.2"};
  auto full = run_cli(watch, env, log, limit);
  expect_disk_full_exit(full, state);
  ASSERT_EQ(integrity(state), "ok");
  std::string const sender = ada_id(sb);
  ASSERT_FALSE(sender.empty());
  auto const before = sent_by(sb, sender);
  EXPECT_GE(before.size(), 1u) << "the disk should fill while the replies go out";
  for (auto const& [to, n] : before) EXPECT_EQ(n, 1) << to;

  // Space is back: a few passes answer everyone, each once.
  for (int pass = 0; pass < 6; ++pass) {
    sb.post("/_sandbox/time", {{"advance_seconds", 5}});
    auto r = run_cli({"dm", "watch", "--state", state, "--exec", bot, "--once"}, env, log, 0);
    ASSERT_EQ(r.status, 0) << r.err;
    auto s = inbox::open_store(state);
    ASSERT_TRUE(s) << s.error();
    auto const c = (*s)->counts();
    if (c.pending == 0 && c.replies_open == 0) break;
    std::this_thread::sleep_for(1100ms);  // GETXAPI_WATCH_SETTLE=1 runs on the wall clock
  }
  auto s = inbox::open_store(state);
  ASSERT_TRUE(s) << s.error();
  auto const c = (*s)->counts();
  EXPECT_EQ(c.pending, 0);
  EXPECT_EQ(c.replies_open, 0);
  // Senders who do not accept DMs refuse the reply (recorded as failed, not retried).
  EXPECT_EQ(c.replies_sent + c.replies_failed, kMessages);
  EXPECT_GT(c.replies_sent, kMessages / 2);
  auto const answers = sent_by(sb, sender);
  EXPECT_EQ(static_cast<std::int64_t>(answers.size()), c.replies_sent);
  for (auto const& [to, n] : answers) EXPECT_EQ(n, 1) << to;
}

}  // namespace
}  // namespace getxapi::store::testing
