// Several workers on one outbox at once, each with its own connection to the
// store (as separate processes have): every entry is claimed by one worker,
// delivered once, and no account passes its daily cap whichever worker sends.
// Run over a SQLite file and, when the build has it, over PostgreSQL.
#include "fake_x.hpp"
#ifdef GETXAPI_OUTBOX_TEST_POSTGRES
#include "postgres_support.hpp"
#endif

#include <getxapi/outbox.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <thread>

namespace getxapi::outbox::testing {
namespace {

using namespace std::chrono_literals;

enum class Backend { kSqlite, kPostgres };

class OutboxWorkers : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
#ifdef GETXAPI_OUTBOX_TEST_POSTGRES
      if (!getxapi::testing::postgres_available()) GTEST_SKIP() << "no PostgreSQL server";
      schema_ = getxapi::testing::create_postgres_schema();
      path_ = getxapi::testing::postgres_url(schema_);
#endif
    } else {
      dir_ = std::filesystem::temp_directory_path() /
             ("getxapi-outbox-workers-" + std::to_string(::getpid()));
      std::filesystem::create_directories(dir_);
      path_ = (dir_ / "outbox.db").string();
    }
    x_.add_account("tok-a", "100");
    x_.add_account("tok-b", "200");
    x_.add_account("tok-c", "300");
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
#ifdef GETXAPI_OUTBOX_TEST_POSTGRES
    if (!schema_.empty()) getxapi::testing::drop_postgres_schema(schema_);
#endif
  }

  Client client() {
    ClientOptions o;
    o.api_key = "key";
    o.base_url = "http://x.test";
    o.transport = x_.transport();
    return Client(o);
  }

  std::string path_;
  std::string schema_;
  std::filesystem::path dir_;
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  FakeX x_{clock_};
};

TEST_P(OutboxWorkers, FourWorkersDeliverEachEntryOnceAndHoldEveryCap) {
  constexpr int kEntries = 300;
  std::vector<Account> const pool = {
      {"a", "tok-a", 100, false}, {"b", "tok-b", 100, false}, {"c", "tok-c", 50, false}};
  {
    auto outbox = Outbox::open(path_);
    ASSERT_TRUE(outbox) << outbox.error();
    for (int i = 0; i < kEntries; ++i) {
      NewEntry n{Recipient::by_id(std::to_string(1000 + i)),
                 "note " + std::to_string(i),
                 "key-" + std::to_string(i),
                 {},
                 {},
                 {}};
      ASSERT_TRUE(outbox->enqueue(n));
    }
  }
  std::vector<std::thread> workers;
  std::vector<int> sent(4, 0);
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      auto outbox = Outbox::open(path_);  // its own connection, like a process
      ASSERT_TRUE(outbox) << outbox.error();
      auto c = client();
      WorkerOptions o;
      o.accounts = pool;
      o.delay_min = o.delay_max = 0ms;
      o.once = true;
      o.worker_id = "w" + std::to_string(w);
      auto report = work(c, *outbox, o);
      ASSERT_TRUE(report) << report.error();
      sent[static_cast<std::size_t>(w)] = report->sent;
    });
  }
  for (auto& t : workers) t.join();

  auto delivered = x_.delivered();
  // The caps add up to 250: exactly that many go out, each text once.
  EXPECT_EQ(delivered.size(), 250u);
  std::set<std::string> texts;
  std::map<std::string, int> per_account;
  for (auto const& d : delivered) {
    EXPECT_TRUE(texts.insert(d.text).second) << "delivered twice: " << d.text;
    ++per_account[d.token];
  }
  EXPECT_EQ(per_account["tok-a"], 100);
  EXPECT_EQ(per_account["tok-b"], 100);
  EXPECT_EQ(per_account["tok-c"], 50);
  EXPECT_EQ(sent[0] + sent[1] + sent[2] + sent[3], 250);
  auto outbox = Outbox::open(path_);
  ASSERT_TRUE(outbox);
  auto st = outbox->status();
  ASSERT_TRUE(st) << st.error();
  EXPECT_EQ(st->counts.sent, 250);
  EXPECT_EQ(st->counts.queued, kEntries - 250);
  EXPECT_EQ(st->counts.sending, 0);
}

TEST_P(OutboxWorkers, TheSameKeyFromFourProcessesAtOnceIsOneEntry) {
  std::vector<std::thread> producers;
  std::vector<std::int64_t> ids(4, 0);
  for (int p = 0; p < 4; ++p) {
    producers.emplace_back([&, p] {
      auto outbox = Outbox::open(path_);
      ASSERT_TRUE(outbox) << outbox.error();
      for (int i = 0; i < 50; ++i) {
        NewEntry n{Recipient::by_id("42"),
                   "order " + std::to_string(i) + " from " + std::to_string(p),
                   "order-" + std::to_string(i),
                   {},
                   {},
                   {}};
        auto e = outbox->enqueue(n);
        ASSERT_TRUE(e) << e.error();
        if (i == 0) ids[static_cast<std::size_t>(p)] = e->entry.id;
      }
    });
  }
  for (auto& t : producers) t.join();
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_EQ(ids[1], ids[2]);
  EXPECT_EQ(ids[2], ids[3]);
  auto outbox = Outbox::open(path_);
  ASSERT_TRUE(outbox);
  auto st = outbox->status();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->counts.queued, 50);
}

std::string backend_name(::testing::TestParamInfo<Backend> const& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

#ifdef GETXAPI_OUTBOX_TEST_POSTGRES
INSTANTIATE_TEST_SUITE_P(Stores, OutboxWorkers,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);
#else
INSTANTIATE_TEST_SUITE_P(Stores, OutboxWorkers, ::testing::Values(Backend::kSqlite), backend_name);
#endif

}  // namespace
}  // namespace getxapi::outbox::testing
