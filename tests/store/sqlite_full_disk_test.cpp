// The outbox and the watcher state on a disk that fills up in the middle of work. Each
// test fails every write of a piece of work in turn (the Nth write from the start and
// all after it answer SQLITE_FULL, as ENOSPC does), then gives the space back and checks
// what a user relies on: the call failed with kStoreError naming the file and the full
// disk (and no secret); the file is intact and nothing committed is lost; nothing was or
// will be sent twice; and a new run after the space came back finishes the work.
#include "fake_source.hpp"
#include "fake_x.hpp"
#include "full_disk_vfs.hpp"
#include "sqlite_probe.hpp"

#include <getxapi/inbox.hpp>
#include <getxapi/outbox.hpp>

#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

namespace getxapi::store::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kToken[] = "tok-secret-ada";  // must never reach an error message
// Far more writes than one piece of work below makes: the sweep ends when a run no
// longer reaches its failing write.
constexpr long kMaxWrites = 2000;

class FullDiskTest : public ::testing::Test {
 protected:
  FullDiskTest() {
    fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    dir_ = base / ("getxapi-full-disk-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~FullDiskTest() override {
    FullDisk::heal();
    fs::remove_all(dir_);
  }
  void SetUp() override {
    FullDisk::install();
    FullDisk::heal();
  }
  std::string file(std::string const& name) const { return (dir_ / name).string(); }

  static void expect_disk_full_error(Error const& e, std::string const& path, long n) {
    EXPECT_EQ(e.code(), ErrorCode::kStoreError) << "write " << n << ": " << e;
    EXPECT_NE(e.message().find(path), std::string::npos) << "write " << n << ": " << e;
    EXPECT_NE(e.message().find("disk full"), std::string::npos) << "write " << n << ": " << e;
    EXPECT_EQ(e.message().find(kToken), std::string::npos) << "write " << n << ": " << e;
  }

  fs::path dir_;
};

// ---------------------------------------------------------------------------
// The outbox

class OutboxFullDisk : public FullDiskTest {
 protected:
  static constexpr int kEntries = 4;

  Client client(outbox::testing::FakeX& x,
                std::shared_ptr<outbox::testing::FakeClock> const& clock) {
    ClientOptions o;
    o.api_key = "key";
    o.base_url = "http://x.test";
    o.transport = x.transport();
    o.clock = clock;
    o.sleeper = std::make_shared<outbox::testing::FakeSleeper>(clock);
    o.random = std::make_shared<getxapi::testing::FixedRandom>(0.0);
    return Client(o);
  }
  outbox::WorkerOptions options(std::shared_ptr<outbox::testing::FakeClock> const& clock) {
    outbox::WorkerOptions o;
    o.accounts = {outbox::Account{"ada", kToken, 500, false}};
    o.delay_min = o.delay_max = 0ms;
    o.once = true;
    o.worker_id = "w";
    o.clock = clock;
    o.sleeper = std::make_shared<outbox::testing::FakeSleeper>(clock);
    o.random = std::make_shared<getxapi::testing::FixedRandom>(0.0);
    return o;
  }
  static std::string text(int i) { return "note " + std::to_string(i); }
};

TEST_F(OutboxFullDisk, EachWriteOfAWorkRunFailingInTurnLosesNothingAndSendsNothingTwice) {
  long n = 0;
  for (; n < kMaxWrites; ++n) {
    std::string const path = file("outbox-" + std::to_string(n) + ".db");
    auto clock = std::make_shared<outbox::testing::FakeClock>();
    outbox::testing::FakeX x(clock);
    x.add_account(kToken, "100");
    bool reached = false;
    {
      auto outbox = outbox::Outbox::open(path);
      ASSERT_TRUE(outbox) << outbox.error();
      for (int i = 0; i < kEntries; ++i) {
        auto e = outbox->enqueue(outbox::NewEntry{Recipient::by_id(std::to_string(200 + i)),
                                                  text(i),
                                                  "key-" + std::to_string(i),
                                                  {},
                                                  {},
                                                  {}},
                                 clock->system_now());
        ASSERT_TRUE(e) << e.error();
      }
      FullDisk::reset_hit();
      FullDisk::fill_after(n);
      auto c = client(x, clock);
      auto report = outbox::work(c, *outbox, options(clock));
      FullDisk::heal();
      ASSERT_TRUE(report) << report.error();
      // The report of a run the disk ended still counts every DM it sent.
      EXPECT_EQ(report->sent, static_cast<std::int64_t>(x.delivered().size())) << "write " << n;
      reached = FullDisk::hit();
      if (report->outcome == outbox::WorkOutcome::kFailed) {
        ASSERT_TRUE(reached) << "write " << n << ": " << *report->error;
        ASSERT_TRUE(report->error);
        expect_disk_full_error(*report->error, path, n);
      } else {
        EXPECT_EQ(report->outcome, outbox::WorkOutcome::kIdle) << "write " << n;
      }
      // The same connection works again once the space is back.
      auto st = outbox->status(clock->system_now());
      EXPECT_TRUE(st) << "write " << n << ": " << st.error();
    }
    ASSERT_EQ(integrity(path), "ok") << "write " << n;

    // What the failed run left: a delivered entry is never back in the queue (it would
    // be sent again), a `sent` one was delivered once, a queued one not at all.
    std::map<std::string, int> delivered;
    for (auto const& d : x.delivered()) ++delivered[d.text];
    {
      auto outbox = outbox::Outbox::open(path);
      ASSERT_TRUE(outbox) << outbox.error();
      auto all = outbox->list();
      ASSERT_TRUE(all) << all.error();
      ASSERT_EQ(all->size(), static_cast<std::size_t>(kEntries)) << "write " << n;
      for (auto const& e : *all) {
        int const d = delivered[e.text];
        EXPECT_LE(d, 1) << "write " << n << ": " << e.text;
        if (e.state == outbox::EntryState::kSent) {
          EXPECT_EQ(d, 1) << "write " << n;
        }
        if (e.state == outbox::EntryState::kQueued) {
          EXPECT_EQ(d, 0) << "write " << n << ": delivered yet queued again";
        }
      }
      // Space is back and the lease of the dead run's claim ran out: a new worker
      // finishes the work, each entry delivered exactly once.
      clock->advance(301s);
      auto c = client(x, clock);
      auto report = outbox::work(c, *outbox, options(clock));
      ASSERT_TRUE(report) << report.error();
      EXPECT_EQ(report->outcome, outbox::WorkOutcome::kIdle)
          << "write " << n << ": " << report->error.value_or(Error());
      auto after = outbox->list();
      ASSERT_TRUE(after) << after.error();
      for (auto const& e : *after) {
        EXPECT_EQ(e.state, outbox::EntryState::kSent) << "write " << n << ": " << e.text;
      }
    }
    delivered.clear();
    for (auto const& d : x.delivered()) ++delivered[d.text];
    for (int i = 0; i < kEntries; ++i) EXPECT_EQ(delivered[text(i)], 1) << "write " << n;
    EXPECT_EQ(x.sends(), kEntries) << "write " << n << ": a send after a failed mark";
    if (!reached || HasFailure()) break;  // past the run's last write, or already wrong
  }
  EXPECT_GT(n, 10) << "the run should have made many writes";
  EXPECT_LT(n, kMaxWrites);
}

// ---------------------------------------------------------------------------
// The watcher state

class WatchFullDisk : public FullDiskTest {
 protected:
  inbox::WatchOptions options(std::shared_ptr<getxapi::testing::FakeClock> const& clock) {
    inbox::WatchOptions o;
    o.clock = clock;
    o.sleeper = std::make_shared<getxapi::testing::FakeSleeper>(clock);
    return o;
  }
  static inbox::Handler answering() {
    return [](inbox::InboundMessage const& m) {
      return inbox::Decision::answer("re: " + m.message.text);
    };
  }
};

TEST_F(WatchFullDisk, EachWriteOfAPassFailingInTurnLosesNoAckAndAnswersNoOneTwice) {
  std::vector<std::string> const users = {"7", "8", "9"};
  long n = 0;
  for (; n < kMaxWrites; ++n) {
    std::string const path = file("watch-" + std::to_string(n) + ".db");
    auto clock = std::make_shared<getxapi::testing::FakeClock>();
    auto source = std::make_shared<inbox::testing::FakeSource>(clock);
    bool reached = false;
    inbox::Store::Counts before;
    {
      auto store = inbox::open_store(path);
      ASSERT_TRUE(store) << store.error();
      inbox::Watcher w(source, *store, options(clock));
      // A first message answered while the disk had room: it must stay answered.
      ASSERT_TRUE(w.poll_once(answering()));  // the baseline
      source->inbound("6", "early question");
      ASSERT_TRUE(w.poll_once(answering()));
      clock->advance(1s);
      for (auto const& u : users) source->inbound(u, "question from " + u);
      before = (*store)->counts();
      FullDisk::reset_hit();
      FullDisk::fill_after(n);
      auto pass = w.poll_once(answering());
      FullDisk::heal();
      reached = FullDisk::hit();
      if (!pass) {
        ASSERT_TRUE(reached) << "write " << n << ": " << pass.error();
        expect_disk_full_error(pass.error(), path, n);
      }
    }
    ASSERT_EQ(integrity(path), "ok") << "write " << n;
    EXPECT_EQ(before.replies_sent, 1);
    EXPECT_EQ(source->sent_to("6"), std::vector<std::string>{"re: early question"});
    for (auto const& u : users) EXPECT_LE(source->sent_to(u).size(), 1u) << "write " << n;

    // Space is back: a new watcher on the file (after the settle time, so a reply left
    // `sending` is looked for in its thread) answers everyone exactly once.
    {
      auto store = inbox::open_store(path);
      ASSERT_TRUE(store) << store.error();
      auto const kept = (*store)->counts();
      EXPECT_GE(kept.delivered, before.delivered) << "write " << n << ": an ack was lost";
      EXPECT_GE(kept.replies_sent, before.replies_sent) << "write " << n;
      inbox::Watcher w(source, *store, options(clock));
      for (int pass = 0; pass < 3; ++pass) {
        clock->advance(121s);
        auto r = w.poll_once(answering());
        ASSERT_TRUE(r) << "write " << n << ": " << r.error();
      }
      auto const c = (*store)->counts();
      EXPECT_EQ(c.pending, 0) << "write " << n;
      EXPECT_EQ(c.replies_open, 0) << "write " << n;
      EXPECT_EQ(c.replies_sent, 4) << "write " << n;
    }
    for (auto const& u : users) {
      EXPECT_EQ(source->sent_to(u), std::vector<std::string>{"re: question from " + u})
          << "write " << n;
    }
    EXPECT_EQ(source->sent_to("6").size(), 1u) << "write " << n;
    if (!reached || HasFailure()) break;
  }
  EXPECT_GT(n, 10) << "the pass should have made many writes";
  EXPECT_LT(n, kMaxWrites);
}

}  // namespace
}  // namespace getxapi::store::testing
