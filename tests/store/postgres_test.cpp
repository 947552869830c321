// The PostgreSQL store layer against a real server (scripts/lib/postgres.sh):
// connection errors without secrets, migrations once under concurrency, row
// claims that never overlap (FOR UPDATE SKIP LOCKED), and a run lock that the
// server releases when its holder is killed.
#include "store/postgres.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace getxapi::store::internal {
namespace {

std::string server_url() {
  char const* url = std::getenv("GETXAPI_TEST_POSTGRES_URL");
  return url ? url : "";
}

// The server ends a closed or killed session asynchronously, so its locks go
// a moment later. Bounded: 100 tries, 50 ms apart.
bool eventually_locks(PgConnection& c, std::string const& name) {
  for (int i = 0; i < 100; ++i) {
    if (c.try_lock(name)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class PostgresStore : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = server_url();
    if (url_.empty()) {
      // CI always has a server (scripts/test starts one): never skip there.
      if (std::getenv("CI")) FAIL() << "GETXAPI_TEST_POSTGRES_URL is not set";
      GTEST_SKIP() << "no PostgreSQL server: run through scripts/test, or set "
                      "GETXAPI_TEST_POSTGRES_URL";
    }
    // Each test gets its own tables: a unique suffix, dropped afterwards.
    suffix_ = std::to_string(::getpid()) + "_" +
              std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  void TearDown() override {
    if (url_.empty()) return;
    auto c = PgConnection::connect(url_);
    c.exec_script("DROP TABLE IF EXISTS jobs_" + suffix_);
    if (c.exec("SELECT to_regclass('getxapi_schema') IS NOT NULL").text(0, 0) == "t") {
      c.exec("DELETE FROM getxapi_schema WHERE component = $1", {kind()});
    }
  }
  std::string kind() const { return "test_" + suffix_; }
  PgSchema schema() const {
    return PgSchema{kind(),
                    {"CREATE TABLE jobs_" + suffix_ + " (id bigint PRIMARY KEY, owner text)",
                     "ALTER TABLE jobs_" + suffix_ + " ADD COLUMN claimed_at bigint"}};
  }
  std::string url_;
  std::string suffix_;
};

TEST(PostgresUrl, PasswordIsRedacted) {
  EXPECT_EQ(redact_postgres_url("postgresql://bob:s3cret@db:5432/app"),
            "postgresql://bob:***@db:5432/app");
  EXPECT_EQ(redact_postgres_url("postgresql://bob@db/app"), "postgresql://bob@db/app");
  EXPECT_EQ(redact_postgres_url("postgresql://db/app?user=x"), "postgresql://db/app?user=x");
}

TEST_F(PostgresStore, UnreachableServerIsAStoreErrorWithoutThePassword) {
  try {
    // Port 1 on loopback: nothing listens there.
    PgConnection::connect("postgresql://bob:s3cret@127.0.0.1:1/none?connect_timeout=2");
    FAIL() << "connected to nothing";
  } catch (StoreError const& e) {
    EXPECT_EQ(e.error().code(), ErrorCode::kStoreError);
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("***"), std::string::npos) << e.what();
  }
}

TEST_F(PostgresStore, BadSqlIsAStoreError) {
  auto c = PgConnection::connect(url_);
  try {
    c.exec("SELECT * FROM no_such_table_" + suffix_);
    FAIL();
  } catch (StoreError const& e) {
    EXPECT_EQ(e.error().code(), ErrorCode::kStoreError);
  }
  // The connection is still usable afterwards.
  EXPECT_EQ(c.exec("SELECT 41 + 1").integer(0, 0), 42);
}

TEST_F(PostgresStore, MigratesOnceEvenWhenEightWorkersStartTogether) {
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 8; ++i) {
    workers.emplace_back([&] {
      try {
        auto c = PgConnection::connect(url_);
        c.migrate(schema());
      } catch (StoreError const&) {
        ++failures;
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto c = PgConnection::connect(url_);
  auto v = c.exec("SELECT version FROM getxapi_schema WHERE component = $1", {kind()});
  ASSERT_EQ(v.rows(), 1);
  EXPECT_EQ(v.integer(0, 0), 2);
  // Both migrations ran: the column of the second exists.
  EXPECT_NO_THROW(c.exec("SELECT claimed_at FROM jobs_" + suffix_));
  // Running it again is a no-op.
  EXPECT_NO_THROW(c.migrate(schema()));
}

TEST_F(PostgresStore, ANewerDatabaseIsRefused) {
  auto c = PgConnection::connect(url_);
  c.migrate(schema());
  PgSchema older{kind(), {schema().migrations[0]}};
  try {
    c.migrate(older);
    FAIL();
  } catch (StoreError const& e) {
    EXPECT_EQ(e.error().code(), ErrorCode::kStoreError);
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

TEST_F(PostgresStore, SkipLockedClaimsNeverOverlap) {
  auto setup = PgConnection::connect(url_);
  setup.migrate(schema());
  setup.exec("INSERT INTO jobs_" + suffix_ + " SELECT g, NULL FROM generate_series(1, 200) g");
  std::string const claim = "UPDATE jobs_" + suffix_ +
                            " SET owner = $1 WHERE id IN (SELECT id FROM jobs_" + suffix_ +
                            " WHERE owner IS NULL ORDER BY id LIMIT 5 FOR UPDATE SKIP LOCKED)"
                            " RETURNING id";
  std::vector<std::vector<std::int64_t>> claimed(4);
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      auto c = PgConnection::connect(url_);
      for (;;) {
        PgTransaction tx(c);
        auto r = c.exec(claim, {"w" + std::to_string(w)});
        if (r.rows() == 0) break;
        for (int i = 0; i < r.rows(); ++i)
          claimed[static_cast<std::size_t>(w)].push_back(r.integer(i, 0));
        tx.commit();
      }
    });
  }
  for (auto& t : workers) t.join();
  std::set<std::int64_t> all;
  std::size_t total = 0;
  for (auto const& ids : claimed) {
    total += ids.size();
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(total, 200u);       // every row claimed...
  EXPECT_EQ(all.size(), 200u);  // ...by exactly one worker
}

TEST_F(PostgresStore, RolledBackClaimIsFreeAgain) {
  auto a = PgConnection::connect(url_);
  a.migrate(schema());
  a.exec("INSERT INTO jobs_" + suffix_ + " VALUES (1, NULL)");
  {
    PgTransaction tx(a);
    auto r = a.exec("SELECT id FROM jobs_" + suffix_ + " FOR UPDATE SKIP LOCKED");
    ASSERT_EQ(r.rows(), 1);
    auto b = PgConnection::connect(url_);
    EXPECT_EQ(b.exec("SELECT id FROM jobs_" + suffix_ + " FOR UPDATE SKIP LOCKED").rows(), 0);
    // tx is destroyed without commit: rolled back.
  }
  auto b = PgConnection::connect(url_);
  EXPECT_EQ(b.exec("SELECT id FROM jobs_" + suffix_ + " FOR UPDATE SKIP LOCKED").rows(), 1);
}

TEST_F(PostgresStore, RunLockIsExclusiveAndReleasedWithTheConnection) {
  std::string const name = "run:" + suffix_;
  auto a = PgConnection::connect(url_);
  auto b = PgConnection::connect(url_);
  ASSERT_TRUE(a.try_lock(name));
  EXPECT_FALSE(b.try_lock(name));
  a.unlock(name);
  EXPECT_TRUE(b.try_lock(name));
  { auto gone = std::move(b); }  // connection closed
  EXPECT_TRUE(eventually_locks(a, name));
}

TEST_F(PostgresStore, RunLockOfAKilledProcessIsReleased) {
  std::string const name = "kill:" + suffix_;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t const child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    try {
      auto c = PgConnection::connect(url_);
      char const ok = c.try_lock(name) ? 'y' : 'n';
      (void)!::write(ready[1], &ok, 1);
      for (;;) ::pause();  // holds the lock until killed
    } catch (...) {
      ::_exit(3);
    }
  }
  ::close(ready[1]);
  char got = 0;
  ASSERT_EQ(::read(ready[0], &got, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(got, 'y');
  auto c = PgConnection::connect(url_);
  EXPECT_FALSE(c.try_lock(name));
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  // The kernel closes the dead process's socket; the server ends its session
  // and drops the lock.
  EXPECT_TRUE(eventually_locks(c, name));
}

}  // namespace
}  // namespace getxapi::store::internal
