// Tests over a real PostgreSQL server (scripts/lib/postgres.sh starts one and
// exports GETXAPI_TEST_POSTGRES_URL). Each test works in a schema of its own,
// reached through the URL's search_path, so tests run in parallel and leave
// nothing behind.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>

namespace getxapi::testing {

inline std::string postgres_server_url() {
  char const* url = std::getenv("GETXAPI_TEST_POSTGRES_URL");
  return url ? url : "";
}

/// False (and the test should skip) without a server; under CI a missing
/// server is a failure, never a silent skip.
inline bool postgres_available() {
  if (!postgres_server_url().empty()) return true;
  if (std::getenv("CI")) ADD_FAILURE() << "GETXAPI_TEST_POSTGRES_URL is not set under CI";
  return false;
}

inline void postgres_admin(std::string const& sql) {
  PGconn* c = PQconnectdb(postgres_server_url().c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PGresult* r = PQexec(c, sql.c_str());
  EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
}

inline std::string create_postgres_schema() {
  static std::atomic<int> n{0};
  std::string name =
      "t" + std::to_string(::getpid()) + "_" + std::to_string(++n) + "_" +
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
  postgres_admin("CREATE SCHEMA " + name);
  return name;
}

inline void drop_postgres_schema(std::string const& name) {
  postgres_admin("DROP SCHEMA IF EXISTS " + name + " CASCADE");
}

/// The server's URL with `schema` first on the search path.
inline std::string postgres_url(std::string const& schema) {
  std::string url = postgres_server_url();
  url += url.find('?') == std::string::npos ? '?' : '&';
  return url + "options=-csearch_path%3D" + schema;
}

}  // namespace getxapi::testing
