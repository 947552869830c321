// A thin RAII layer over the SQLite C API: a connection and prepared statements
// that throw StoreError (to be replaced by src/store when it lands) with SQLite's own message.
#pragma once

#include "store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace getxapi::outbox::internal {

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
  explicit Database(std::string const& path);
  ~Database();
  Database(Database const&) = delete;
  Database& operator=(Database const&) = delete;

  void exec(std::string_view sql);
  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  [[noreturn]] void fail(std::string_view what) const;
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

/// BEGIN IMMEDIATE (the write lock up front, so two workers never both read a
/// row as free and then both claim it); rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) {
      try {
        db_.exec("ROLLBACK");
      } catch (...) {  // NOLINT(bugprone-empty-catch): nothing more to undo
      }
    }
  }
  Transaction(Transaction const&) = delete;
  Transaction& operator=(Transaction const&) = delete;
  void commit() {
    db_.exec("COMMIT");
    done_ = true;
  }

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace getxapi::outbox::internal
