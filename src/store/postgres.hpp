// The PostgreSQL side of the store layer (design.md §9): a libpq connection
// with parameterised queries, transactions, schema migrations and a run lock,
// all failing with StoreError (kStoreError, kBusy) like the SQLite side.
//
// Why these pieces: several workers on several hosts share one database, so
// nothing may be coordinated outside it. Claims use row locks
// (`FOR UPDATE SKIP LOCKED`), a run lock is a session advisory lock (the
// server drops it when the holder's connection dies, kill -9 included), and
// a migration runs under a transaction-scoped advisory lock so two workers
// starting at once cannot both apply it.
#pragma once

#include "store/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

struct pg_conn;
struct pg_result;

namespace getxapi::store::internal {

/// `url` with any password replaced by `***` (for messages and logs): the
/// one in `user:password@` and a `password=` parameter.
std::string redact_postgres_url(std::string_view url);

/// What a component's tables are and how they grow, in PostgreSQL's dialect.
struct PgSchema {
  /// Used in messages and as the row key of `getxapi_schema`: "outbox".
  std::string kind;
  /// migrations[i] takes version i to version i + 1 (each may hold several statements).
  std::vector<std::string> migrations;
  int version() const { return static_cast<int>(migrations.size()); }
};

/// A query's rows. Values come back as text (libpq's text format).
class PgResult {
 public:
  explicit PgResult(pg_result* result) : result_(result) {}
  ~PgResult();
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(PgResult const&) = delete;
  PgResult& operator=(PgResult const&) = delete;

  int rows() const;
  /// Rows changed by an INSERT / UPDATE / DELETE.
  std::int64_t affected() const;
  bool is_null(int row, int column) const;
  std::string text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  std::optional<std::int64_t> optional_integer(int row, int column) const;

 private:
  pg_result* result_ = nullptr;
};

/// One query parameter: nullopt is SQL NULL.
using PgParam = std::optional<std::string>;

/// An integer parameter.
inline PgParam pg_num(std::int64_t v) { return std::to_string(v); }
/// Any bytes as a `bytea` parameter (hex input form): text that may hold NUL
/// bytes or invalid UTF-8, stored exactly as given whatever the database's
/// encoding.
PgParam pg_bytes(std::string_view bytes);
/// A `bytea` column read back (hex output form, which `connect` selects).
std::string pg_unbytes(std::string_view hex);

class PgConnection {
 public:
  /// Connects to `url` (postgresql://user[:password]@host:port/db?...).
  /// kStoreError when the server cannot be reached; the password never
  /// appears in the message.
  static PgConnection connect(std::string const& url);

  PgConnection(PgConnection&& other) noexcept;
  PgConnection& operator=(PgConnection&& other) noexcept;
  PgConnection(PgConnection const&) = delete;
  PgConnection& operator=(PgConnection const&) = delete;
  ~PgConnection();

  /// Runs one statement with $1.. parameters; throws StoreError on failure
  /// (kBusy for a lock or serialization conflict the caller may retry).
  PgResult exec(std::string_view sql, std::vector<PgParam> const& params = {});
  /// Runs statements without parameters (DDL, several separated by ';').
  void exec_script(std::string_view sql);

  /// Brings the component's tables to `schema.version()`, once however many
  /// processes call it at the same moment. A database newer than this build
  /// is refused (kStoreError).
  void migrate(PgSchema const& schema);

  /// Takes the session advisory lock named `name` without waiting: false
  /// when another session holds it. Held until `unlock` or the connection ends.
  bool try_lock(std::string_view name);
  void unlock(std::string_view name);

  /// The server, for messages ("127.0.0.1:5432/db", no credentials).
  std::string const& where() const { return where_; }

 private:
  PgConnection(pg_conn* conn, std::string where) : conn_(conn), where_(std::move(where)) {}
  [[noreturn]] void fail(std::string_view what, pg_result* result) const;
  pg_conn* conn_ = nullptr;
  std::string where_;
};

/// BEGIN on construction; ROLLBACK on destruction unless `commit()` ran, so
/// an exception between the two leaves nothing half-done.
class PgTransaction {
 public:
  explicit PgTransaction(PgConnection& conn);
  ~PgTransaction();
  PgTransaction(PgTransaction const&) = delete;
  PgTransaction& operator=(PgTransaction const&) = delete;
  void commit();

 private:
  PgConnection& conn_;
  bool done_ = false;
};

/// Runs `body` in one transaction on `conn` and returns its value; a deadlock
/// or serialization abort (kBusy from the connection) is retried, up to
/// `attempts` times in all; anything else is thrown.
template <class F>
auto pg_transaction(PgConnection& conn, F&& body, int attempts = 5) -> decltype(body()) {
  for (int attempt = 1;; ++attempt) {
    try {
      PgTransaction tx(conn);
      if constexpr (std::is_void_v<decltype(body())>) {
        body();
        tx.commit();
        return;
      } else {
        auto value = body();
        tx.commit();
        return value;
      }
    } catch (StoreError const& e) {
      if (e.error().code() != ErrorCode::kBusy || attempt >= attempts) throw;
    }
  }
}

}  // namespace getxapi::store::internal
