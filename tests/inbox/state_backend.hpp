// Where a test's watcher state lives, so one test body runs over both stores:
// a SQLite file in a scratch directory, or (tests built with
// GETXAPI_INBOX_TEST_POSTGRES) a fresh schema of its own on the server that
// GETXAPI_TEST_POSTGRES_URL names, dropped afterwards.
#pragma once

#include "scratch.hpp"

#include <getxapi/inbox.hpp>

#ifdef GETXAPI_INBOX_TEST_POSTGRES
#include "postgres_support.hpp"
#endif

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

namespace getxapi::inbox::testing {

enum class Backend { kSqlite, kPostgres };

/// The store this binary's parameterized tests run over.
#ifdef GETXAPI_INBOX_TEST_POSTGRES
inline constexpr Backend kBackend = Backend::kPostgres;
#else
inline constexpr Backend kBackend = Backend::kSqlite;
#endif

inline std::string backend_name(::testing::TestParamInfo<Backend> const& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

/// A password the test server (trust authentication) never asks for: put in
/// every PostgreSQL URL so a test can check that nothing ever shows it.
inline constexpr char kUrlPassword[] = "pw-never-shown-42";

class TestState {
 public:
  TestState(Backend backend, std::string const& tag) : backend_(backend), dir_(tag) {
    if (backend == Backend::kSqlite) {
      location_ = dir_.file("state.db");
      return;
    }
#ifdef GETXAPI_INBOX_TEST_POSTGRES
    if (!getxapi::testing::postgres_available()) return;
    schema_ = getxapi::testing::create_postgres_schema();
    location_ = with_password(getxapi::testing::postgres_url(schema_));
#endif
  }
  ~TestState() {
#ifdef GETXAPI_INBOX_TEST_POSTGRES
    // Quietly: no NOTICE line per dropped table.
    if (!schema_.empty()) {
      getxapi::testing::postgres_admin("SET client_min_messages = warning; DROP SCHEMA IF EXISTS " +
                                       schema_ + " CASCADE");
    }
#endif
  }
  TestState(TestState const&) = delete;
  TestState& operator=(TestState const&) = delete;

  /// False when the backend is not there (no server: the test skips).
  bool available() const { return !location_.empty(); }
  Backend backend() const { return backend_; }
  /// A file path, or a postgresql:// URL (with kUrlPassword in it).
  std::string const& location() const { return location_; }
  std::string const& schema() const { return schema_; }
  Scratch const& dir() const { return dir_; }

  /// True while some watcher holds the state's run lock. Leaves it free.
  bool lock_held() const {
#ifdef GETXAPI_INBOX_TEST_POSTGRES
    if (backend_ == Backend::kPostgres) return postgres_lock_held();
#endif
    auto probe = open_store(location_);
    return probe && !(*probe)->try_lock();  // the file lock goes with the probe
  }

  /// Waits (bounded: 5 s) until nobody holds the run lock: the server ends a
  /// killed watcher's session a moment after its socket closes.
  bool wait_lock_free() const {
    for (int i = 0; i < 250; ++i) {
      if (!lock_held()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  static std::string with_password(std::string url) {
    auto const auth = url.find("://");
    auto const at = url.find('@');
    if (auth == std::string::npos || at == std::string::npos) return url;
    if (url.find(':', auth + 3) < at) return url;  // has one already
    return url.insert(at, std::string(":") + kUrlPassword);
  }

#ifdef GETXAPI_INBOX_TEST_POSTGRES
  // The store's lock, asked for and given back on a connection of our own
  // (an advisory lock's release is immediate; a closed session's is not).
  bool postgres_lock_held() const {
    PGconn* c = PQconnectdb(getxapi::testing::postgres_server_url().c_str());
    if (PQstatus(c) != CONNECTION_OK) {
      PQfinish(c);
      ADD_FAILURE() << "cannot reach the test server";
      return false;
    }
    std::string const name = "getxapi inbox " + schema_;
    char const* params[] = {name.c_str()};
    PGresult* r = PQexecParams(c, "SELECT pg_try_advisory_lock(hashtext($1))", 1, nullptr, params,
                               nullptr, nullptr, 0);
    bool const taken =
        PQresultStatus(r) == PGRES_TUPLES_OK && std::string(PQgetvalue(r, 0, 0)) == "t";
    PQclear(r);
    if (taken) {
      PQclear(PQexecParams(c, "SELECT pg_advisory_unlock(hashtext($1))", 1, nullptr, params,
                           nullptr, nullptr, 0));
    }
    PQfinish(c);
    return !taken;
  }
#endif

  Backend backend_;
  Scratch dir_;
  std::string location_;
  std::string schema_;
};

}  // namespace getxapi::inbox::testing
