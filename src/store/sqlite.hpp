// The SQLite implementation of a store: a connection and prepared statements
// (RAII over the C API) that throw StoreError with a typed code and SQLite's
// own words, plus `Database::open`, which checks what a file is before it
// changes anything in it.
#pragma once

#include "store/error.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace getxapi::store::internal {

/// What a store file is and how it grows. Each component (outreach journal,
/// outbox, watcher state) has one; a PostgreSQL store would carry its own
/// dialect's migrations next to these.
struct Schema {
  /// Used in messages: "outreach journal".
  std::string kind;
  /// Written to `PRAGMA application_id` on creation: how a file says it is ours.
  std::int32_t application_id = 0;
  /// A file of an older release (application_id 0, user_version > 0) is ours
  /// when it has this table (empty: no older release to recognise).
  std::string legacy_table;
  /// migrations[i] takes a version i file to version i + 1.
  std::vector<std::string> migrations;
  int version() const { return static_cast<int>(migrations.size()); }
};

class Database;

class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  ~Statement();
  Statement(Statement const&) = delete;
  Statement& operator=(Statement const&) = delete;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, char const* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, std::optional<std::int64_t> value);
  Statement& bind_null(int index);

  /// Steps once: true while a row is available.
  bool step();
  /// Steps to completion (for statements that return no rows).
  void run();

  bool is_null(int column) const;
  std::int64_t integer(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;
  std::string text(int column) const;

 private:
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  /// Opens the store at `path` for `schema`, creating it if needed.
  ///
  /// An existing file is first inspected through a read-only connection: a
  /// file that is not SQLite, or another program's SQLite database, is
  /// refused (kStoreError) before anything is written to it, not even the
  /// switch to WAL. Then: WAL mode, synchronous=FULL, a busy timeout, and the
  /// missing migrations in one transaction. A file from a newer schema is
  /// refused ("upgrade getxapi"). Throws StoreError.
  static std::unique_ptr<Database> open(std::string const& path, Schema const& schema);

  ~Database();
  Database(Database const&) = delete;
  Database& operator=(Database const&) = delete;

  void exec(std::string_view sql);
  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  int user_version();
  /// Runs `body` in one IMMEDIATE transaction; nested calls join the outer one.
  void transaction(std::function<void()> const& body);
  /// Throws StoreError for the connection's last failure, typed by SQLite's code.
  [[noreturn]] void fail(std::string_view what) const;
  std::string const& path() const noexcept { return path_; }
  std::string const& kind() const noexcept { return kind_; }
  sqlite3* handle() const { return db_; }

 private:
  Database(std::string path, std::string kind, int flags);
  static void inspect(std::string const& path, Schema const& schema);
  void switch_to_wal();
  sqlite3* db_ = nullptr;
  std::string path_;
  std::string kind_;
  int depth_ = 0;
};

}  // namespace getxapi::store::internal
