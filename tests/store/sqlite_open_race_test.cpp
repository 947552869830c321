// A new store file created by many openers at the same instant: 8 threads of this
// process and 4 forked processes open the same fresh path together (released at once
// from a closed pipe and a spinning flag), each writes once, and every one of them must
// succeed: no "database is locked", no half-made schema. Repeated over fresh paths for
// the outbox, the watcher state and the outreach journal.
//
// The race it pins: two connections switching a fresh file to WAL at once both hold a
// read lock while upgrading it, and SQLite answers one of them SQLITE_BUSY at once (its
// busy handler is not called inside a transaction), so Outbox::open failed with kBusy.
#include "sqlite_probe.hpp"

#include <getxapi/inbox.hpp>
#include <getxapi/outbox.hpp>
#include <getxapi/outreach/journal.hpp>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace getxapi::store::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kThreads = 8;
constexpr int kProcesses = 4;
constexpr int kOpeners = kThreads + kProcesses;

int rounds() {
  char const* env = std::getenv("GETXAPI_OPEN_RACE_ROUNDS");  // a longer soak by hand
  return env && std::atoi(env) > 0 ? std::atoi(env) : 50;
}

/// Opens the store at a path and writes once as opener `who`: "" or what failed.
using OpenAndWrite = std::function<std::string(std::string const& path, int who)>;

class Scratch {
 public:
  // On tmpfs when there is one: the locking is the same, and without the cost of
  // fsync the openers meet more often and 50 rounds take about a second.
  Scratch() {
    fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    path_ = base / ("getxapi-open-race-" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~Scratch() { fs::remove_all(path_); }
  std::string file(std::string const& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// A forked opener: waits until `go` is closed, runs, reports on `report`, exits.
[[noreturn]] void child(int go, int report, OpenAndWrite const& op, std::string const& path,
                        int who) {
  char byte = 0;
  while (::read(go, &byte, 1) < 0) {
  }
  std::string const failed = op(path, who);
  std::string const line = failed.empty() ? "ok" : failed;
  ssize_t const written = ::write(report, line.data(), line.size());
  ::_exit(written == static_cast<ssize_t>(line.size()) && failed.empty() ? 0 : 1);
}

std::string read_all(int fd) {
  std::string out;
  char buf[512];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
    if (n > 0) out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

/// One round: every opener at once on `path`; what each one said, "" for success.
std::vector<std::string> race(OpenAndWrite const& op, std::string const& path) {
  int go[2];
  if (::pipe(go) != 0) return {"pipe failed"};
  std::vector<pid_t> pids;
  std::vector<int> reports;
  // Forked while this process has no other thread (a fork copies only the caller).
  for (int p = 0; p < kProcesses; ++p) {
    int report[2];
    if (::pipe(report) != 0) return {"pipe failed"};
    pid_t const pid = ::fork();
    if (pid == 0) {
      ::close(go[1]);
      ::close(report[0]);
      child(go[0], report[1], op, path, kThreads + p);
    }
    ::close(report[1]);
    pids.push_back(pid);
    reports.push_back(report[0]);
  }
  std::vector<std::string> said(kOpeners);
  std::atomic<bool> start{false};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!start.load(std::memory_order_acquire)) std::this_thread::yield();
      said[static_cast<std::size_t>(t)] = op(path, t);
    });
  }
  ::close(go[0]);
  ::close(go[1]);  // the children's read() returns: all of them go
  start.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();
  for (std::size_t p = 0; p < pids.size(); ++p) {
    std::string const line = read_all(reports[p]);
    ::close(reports[p]);
    int status = 0;
    ::waitpid(pids[p], &status, 0);
    bool const ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    said[kThreads + p] = ok ? "" : "process: " + (line.empty() ? "died" : line);
  }
  return said;
}

struct Pragmas {
  std::string integrity, journal_mode;
  std::int64_t application_id = 0;
};

Pragmas pragmas(std::string const& path) {
  return {integrity(path), first_value(path, "PRAGMA journal_mode"),
          std::atoll(first_value(path, "PRAGMA application_id").c_str())};
}

/// Runs `rounds()` races over fresh paths; `check` looks at each finished file.
void race_rounds(std::string const& kind, std::int64_t application_id, OpenAndWrite const& op,
                 std::function<void(std::string const&)> const& check) {
  Scratch dir;
  int failed_rounds = 0;
  int r = 0;
  for (; r < rounds() && failed_rounds < 5; ++r) {
    std::string const path = dir.file(kind + "-" + std::to_string(r) + ".db");
    auto const said = race(op, path);
    bool failed = false;
    for (std::size_t i = 0; i < said.size(); ++i) {
      if (said[i].empty()) continue;
      failed = true;
      ADD_FAILURE() << kind << " round " << r << ", opener " << i << ": " << said[i];
    }
    failed_rounds += failed ? 1 : 0;
    auto const p = pragmas(path);
    EXPECT_EQ(p.integrity, "ok") << kind << " round " << r;
    EXPECT_EQ(p.journal_mode, "wal") << kind << " round " << r;
    EXPECT_EQ(p.application_id, application_id) << kind << " round " << r;
    check(path);
  }
  EXPECT_EQ(failed_rounds, 0) << kind << ": " << failed_rounds << " of " << r << " rounds failed";
}

TEST(SqliteOpenRace, TwelveOpenersCreateOneOutboxAndEnqueueTheSameKeyOnce) {
  auto op = [](std::string const& path, int who) -> std::string {
    auto outbox = outbox::Outbox::open(path);
    if (!outbox) return "open: " + outbox.error().message();
    auto e = outbox->enqueue(outbox::NewEntry{
        Recipient::by_id("42"), "hello from " + std::to_string(who), "the-key", {}, {}, {}});
    if (!e) return "enqueue: " + e.error().message();
    return "";
  };
  race_rounds("outbox", 0x47584F31, op, [](std::string const& path) {
    auto outbox = outbox::Outbox::open(path);
    ASSERT_TRUE(outbox) << outbox.error();
    auto all = outbox->list();
    ASSERT_TRUE(all) << all.error();
    EXPECT_EQ(all->size(), 1u) << "one key, one entry";
  });
}

TEST(SqliteOpenRace, TwelveOpenersCreateOneWatcherStateAndEachWriteLands) {
  auto op = [](std::string const& path, int) -> std::string {
    auto store = inbox::open_store(path);
    if (!store) return "open: " + store.error().message();
    try {
      (*store)->add_spend(1, 10, 1);
    } catch (std::exception const& e) {
      return std::string("add_spend: ") + e.what();
    }
    return "";
  };
  race_rounds("watch", 0x47585731, op, [](std::string const& path) {
    auto store = inbox::open_store(path);
    ASSERT_TRUE(store) << store.error();
    EXPECT_EQ((*store)->spend(1), 10 * kOpeners);
  });
}

TEST(SqliteOpenRace, TwelveOpenersCreateOneJournalAtTheCurrentSchema) {
  auto op = [](std::string const& path, int) -> std::string {
    auto journal = outreach::Journal::open(path);
    if (!journal) return "open: " + journal.error().message();
    auto v = journal->schema_version();
    if (!v) return "schema_version: " + v.error().message();
    if (*v != outreach::Journal::kSchemaVersion) return "schema " + std::to_string(*v);
    return "";
  };
  race_rounds("journal", 0x47584A31, op, [](std::string const& path) {
    auto journal = outreach::Journal::open(path);
    ASSERT_TRUE(journal) << journal.error();
    auto campaigns = journal->campaigns();
    ASSERT_TRUE(campaigns) << campaigns.error();
    EXPECT_TRUE(campaigns->empty());
  });
}

}  // namespace
}  // namespace getxapi::store::testing
