#include "store/postgres.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <utility>

namespace getxapi::store::internal {

namespace {

// SQLSTATE classes a caller may retry: lock_not_available, deadlock,
// serialization_failure.
bool is_conflict(char const* state) {
  if (state == nullptr) return false;
  std::string_view const s(state);
  return s == "55P03" || s == "40P01" || s == "40001";
}

std::string trimmed(char const* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The values of `password=` and `sslpassword=` among the URL's query
// parameters, as `***`.
std::string redact_query_password(std::string s) {
  auto const query = s.find('?');
  if (query == std::string::npos) return s;
  for (auto start = query + 1; start < s.size();) {
    auto end = s.find('&', start);
    if (end == std::string::npos) end = s.size();
    auto const eq = s.find('=', start);
    if (eq < end) {
      std::string_view const key(s.data() + start, eq - start);
      if (key == "password" || key == "sslpassword") {
        s.replace(eq + 1, end - eq - 1, "***");
        end = eq + 4;
      }
    }
    start = end + 1;
  }
  return s;
}

// `user:password@` -> `user:***@`.
std::string redact_userinfo(std::string_view url) {
  auto const scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  auto const auth_start = scheme + 3;
  auto const at = url.find('@', auth_start);
  auto const slash = url.find('/', auth_start);
  if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) {
    return std::string(url);
  }
  auto const colon = url.find(':', auth_start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  std::string out(url.substr(0, colon + 1));
  out += "***";
  out += url.substr(at);
  return out;
}

}  // namespace

std::string redact_postgres_url(std::string_view url) {
  return redact_query_password(redact_userinfo(url));
}

PgParam pg_bytes(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + 2 * bytes.size());
  for (unsigned char const c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xF];
  }
  return out;
}

std::string pg_unbytes(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.substr(0, 2) != "\\x" || hex.size() % 2 != 0) {
    internal::fail(ErrorCode::kStoreError, "postgres: a bytea value is not in hex form");
  }
  std::string out;
  out.reserve(hex.size() / 2 - 1);
  for (std::size_t i = 2; i < hex.size(); i += 2) {
    int const hi = nibble(hex[i]);
    int const lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) internal::fail(ErrorCode::kStoreError, "postgres: a bad bytea digit");
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

PgResult::~PgResult() { PQclear(result_); }

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

int PgResult::rows() const { return PQntuples(result_); }

std::int64_t PgResult::affected() const {
  char const* n = PQcmdTuples(result_);
  return (n && *n) ? std::strtoll(n, nullptr, 10) : 0;
}

bool PgResult::is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string PgResult::text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::int64_t PgResult::integer(int row, int column) const {
  return std::strtoll(PQgetvalue(result_, row, column), nullptr, 10);
}

std::optional<std::int64_t> PgResult::optional_integer(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return integer(row, column);
}

PgConnection PgConnection::connect(std::string const& url) {
  pg_conn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) internal::fail(ErrorCode::kStoreError, "postgres: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    // libpq's message names host and port, never the password.
    std::string message =
        "cannot connect to " + redact_postgres_url(url) + ": " + trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    internal::fail(ErrorCode::kStoreError, std::move(message));
  }
  std::string where = std::string(PQhost(conn) ? PQhost(conn) : "?") + ":" +
                      (PQport(conn) ? PQport(conn) : "?") + "/" + (PQdb(conn) ? PQdb(conn) : "?");
  PgConnection c(conn, std::move(where));
  // Notices (e.g. "relation already exists, skipping") are not for the user's terminal.
  PQsetNoticeProcessor(
      conn, [](void*, char const*) {}, nullptr);
  // bytea comes back as \x<hex> (pg_unbytes), whatever the server's default.
  c.exec_script("SET bytea_output = 'hex'");
  return c;
}

PgConnection::PgConnection(PgConnection&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)), where_(std::move(other.where_)) {}

PgConnection& PgConnection::operator=(PgConnection&& other) noexcept {
  if (this != &other) {
    PQfinish(conn_);
    conn_ = std::exchange(other.conn_, nullptr);
    where_ = std::move(other.where_);
  }
  return *this;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

void PgConnection::fail(std::string_view what, pg_result* result) const {
  char const* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  ErrorCode const code = is_conflict(state) ? ErrorCode::kBusy : ErrorCode::kStoreError;
  std::string message = "postgres " + where_ + ": " + std::string(what) + ": " +
                        trimmed(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  PQclear(result);
  internal::fail(code, std::move(message));
}

PgResult PgConnection::exec(std::string_view sql, std::vector<PgParam> const& params) {
  std::vector<char const*> values;
  values.reserve(params.size());
  for (auto const& p : params) values.push_back(p ? p->c_str() : nullptr);
  std::string const text(sql);
  pg_result* r = PQexecParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                              values.data(), nullptr, nullptr, 0);
  auto const status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail("query", r);
  return PgResult(r);
}

void PgConnection::exec_script(std::string_view sql) {
  std::string const text(sql);
  pg_result* r = PQexec(conn_, text.c_str());
  auto const status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail("script", r);
  PQclear(r);
}

void PgConnection::migrate(PgSchema const& schema) {
  PgTransaction tx(*this);
  // One migration at a time, whatever the component, until COMMIT: even
  // `CREATE TABLE IF NOT EXISTS` races when two sessions run it at once.
  exec_script("SELECT pg_advisory_xact_lock(hashtext('getxapi_schema'))");
  exec_script(
      "CREATE TABLE IF NOT EXISTS getxapi_schema ("
      " component text PRIMARY KEY, version integer NOT NULL)");
  auto current = exec("SELECT version FROM getxapi_schema WHERE component = $1", {schema.kind});
  int version = current.rows() ? static_cast<int>(current.integer(0, 0)) : 0;
  if (version > schema.version()) {
    internal::fail(ErrorCode::kStoreError,
                   "postgres " + where_ + ": the " + schema.kind + " tables have schema version " +
                       std::to_string(version) + ", newer than this build's " +
                       std::to_string(schema.version()) + "; upgrade getxapi");
  }
  for (; version < schema.version(); ++version) {
    exec_script(schema.migrations[static_cast<std::size_t>(version)]);
  }
  exec(
      "INSERT INTO getxapi_schema (component, version) VALUES ($1, $2)"
      " ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version",
      {schema.kind, std::to_string(version)});
  tx.commit();
}

bool PgConnection::try_lock(std::string_view name) {
  auto r = exec("SELECT pg_try_advisory_lock(hashtext($1))", {std::string(name)});
  return r.text(0, 0) == "t";
}

void PgConnection::unlock(std::string_view name) {
  exec("SELECT pg_advisory_unlock(hashtext($1))", {std::string(name)});
}

PgTransaction::PgTransaction(PgConnection& conn) : conn_(conn) { conn_.exec_script("BEGIN"); }

PgTransaction::~PgTransaction() {
  if (done_) return;
  try {
    conn_.exec_script("ROLLBACK");
  } catch (StoreError const&) {
    // The connection is gone: the server rolls back on its own.
  }
}

void PgTransaction::commit() {
  conn_.exec_script("COMMIT");
  done_ = true;
}

}  // namespace getxapi::store::internal
