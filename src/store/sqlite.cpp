#include "store/sqlite.hpp"

#include "store/location.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>

namespace getxapi::store::internal {
namespace {

// How long a connection waits for another one's lock (status, replies, a second opener).
constexpr int kBusyTimeoutMs = 10000;

ErrorCode code_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::kBusy;
    default:
      return ErrorCode::kStoreError;
  }
}

// SQLite's words for a full disk ("database or disk is full"; a bare "disk I/O error"
// when a file-size limit or a quota refused the write), made plain for whoever reads
// the error: what happened, and that what was committed before is kept.
std::string explained(sqlite3* db, std::string message) {
  switch (sqlite3_extended_errcode(db)) {
    case SQLITE_FULL:
      return message + " (disk full: free some space and run again; what was committed is kept)";
    case SQLITE_IOERR_WRITE:
    case SQLITE_IOERR_FSYNC:
    case SQLITE_IOERR_TRUNCATE:
    case SQLITE_IOERR_SHMSIZE:
      return message +
             " (a write failed: disk full, a file-size limit or a failing disk; what was "
             "committed is kept)";
    default:
      return message;
  }
}

bool empty_or_missing(std::string const& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return true;
  return S_ISREG(st.st_mode) && st.st_size == 0;
}

}  // namespace

Database::Database(std::string path, std::string kind, int flags)
    : path_(std::move(path)), kind_(std::move(kind)) {
  int const rc = sqlite3_open_v2(path_.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    internal::fail(code_for(rc), "cannot open " + kind_ + " " + path_ + ": " + message);
  }
  // Another process (status, replies) may hold the write lock for a moment.
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
}

Database::~Database() { sqlite3_close(db_); }

// Reads what an existing file is, through a read-only connection, and refuses
// it unless it is a store of `schema`. Nothing is written: a foreign database
// keeps its journal mode, its header and its bytes.
void Database::inspect(std::string const& path, Schema const& schema) {
  std::string const what = schema.kind + " " + path;
  Database probe(path, schema.kind, SQLITE_OPEN_READONLY);
  Statement tables(probe, "SELECT count(*) FROM sqlite_master WHERE type = 'table'");
  tables.step();
  std::int64_t const table_count = tables.integer(0);
  Statement app(probe, "PRAGMA application_id");
  app.step();
  auto const app_id = app.integer(0);
  int const version = probe.user_version();
  bool ours = app_id == schema.application_id;
  if (!ours && app_id == 0 && table_count == 0 && version == 0) {
    ours = true;  // an empty database: ours to initialise
  } else if (!ours && app_id == 0 && version > 0 && !schema.legacy_table.empty()) {
    // An older release's file, from before application_id was written.
    Statement t(probe, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    t.bind(1, schema.legacy_table);
    ours = t.step();
  }
  if (!ours) {
    internal::fail(ErrorCode::kStoreError,
                   what + " is a SQLite file of another program, not a getxapi " + schema.kind +
                       "; it was not changed");
  }
  if (version > schema.version()) {
    internal::fail(ErrorCode::kStoreError, what + " has schema version " + std::to_string(version) +
                                               ", newer than this program's " +
                                               std::to_string(schema.version()) +
                                               "; upgrade getxapi");
  }
}

// On a new file several openers switch to WAL at the same instant: each one's switch
// upgrades its read lock to a write lock, and there SQLite answers SQLITE_BUSY at once
// instead of calling the busy handler (waiting inside a transaction could deadlock).
// Once the other opener's switch is committed the file is WAL and asking again only
// reads it: so a busy switch is retried for as long as the busy timeout would wait.
void Database::switch_to_wal() {
  for (int waited_ms = 0, pause_ms = 1;;
       waited_ms += pause_ms, pause_ms = std::min(2 * pause_ms, 50)) {
    try {
      Statement mode(*this, "PRAGMA journal_mode=WAL");
      if (mode.step() && mode.text(0) == "wal") return;
      internal::fail(ErrorCode::kStoreError, kind_ + " " + path_ + ": cannot switch to WAL mode");
    } catch (StoreError const& e) {
      if (e.error().code() != ErrorCode::kBusy || waited_ms >= kBusyTimeoutMs) throw;
    }
    sqlite3_sleep(pause_ms);
  }
}

std::unique_ptr<Database> Database::open(std::string const& path, Schema const& schema) {
  auto location = supported_location(path);
  if (!location) throw StoreError(location.error());
  std::string const what = schema.kind + " " + path;
  if (!empty_or_missing(path)) inspect(path, schema);

  std::unique_ptr<Database> db(
      new Database(path, schema.kind, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  db->switch_to_wal();
  // FULL: a committed mark must survive a power cut too (a lost `sending` mark
  // could double a DM).
  db->exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  db->transaction([&] {
    int version = db->user_version();
    if (version > schema.version()) {  // replaced between the check and now
      internal::fail(ErrorCode::kStoreError,
                     what + " has schema version " + std::to_string(version) + "; upgrade getxapi");
    }
    for (; version < schema.version(); ++version) {
      db->exec(schema.migrations[static_cast<std::size_t>(version)]);
      db->exec("PRAGMA user_version = " + std::to_string(version + 1));
    }
    db->exec("PRAGMA application_id = " + std::to_string(schema.application_id));
  });
  return db;
}

int Database::user_version() {
  Statement s(*this, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

void Database::exec(std::string_view sql) {
  char* error = nullptr;
  std::string const text(sql);
  int const rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    internal::fail(code_for(rc), explained(db_, kind_ + " " + path_ + ": " + message));
  }
}

void Database::transaction(std::function<void()> const& body) {
  if (depth_ > 0) {
    body();
    return;
  }
  exec("BEGIN IMMEDIATE");
  ++depth_;
  try {
    body();
    --depth_;
    exec("COMMIT");
  } catch (...) {
    depth_ = 0;
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::int64_t Database::changes() const { return sqlite3_changes(db_); }
std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

void Database::fail(std::string_view what) const {
  internal::fail(
      code_for(sqlite3_extended_errcode(db_)),
      explained(db_, kind_ + " " + path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_)));
}

Statement::Statement(Database& db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
      SQLITE_OK) {
    db.fail("prepare");
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) db_.fail("bind");
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK) {
    db_.fail("bind");
  }
  return *this;
}

Statement& Statement::bind(int index, std::optional<std::int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) db_.fail("bind");
  return *this;
}

bool Statement::step() {
  int const rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail("step");
}

void Statement::run() {
  while (step()) {
  }
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<std::int64_t> Statement::optional_integer(int column) const {
  if (is_null(column)) return std::nullopt;
  return integer(column);
}

std::string Statement::text(int column) const {
  auto const* p = sqlite3_column_text(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<char const*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

}  // namespace getxapi::store::internal
