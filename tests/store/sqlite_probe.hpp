// What a SQLite file holds, read the way an outside tool would: through a read-only
// connection of its own, apart from the store under test.
#pragma once

#include <sqlite3.h>

#include <string>

namespace getxapi::store::testing {

/// The first column of the first row `sql` answers on the file at `path` ("" if none,
/// "cannot open" if the file cannot be opened).
inline std::string first_value(std::string const& path, char const* sql) {
  sqlite3* db = nullptr;
  std::string out = "cannot open";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    out.clear();
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      auto const* text = sqlite3_column_text(s, 0);
      if (text != nullptr) out = reinterpret_cast<char const*>(text);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

/// "ok" for an intact file.
inline std::string integrity(std::string const& path) {
  return first_value(path, "PRAGMA integrity_check");
}

}  // namespace getxapi::store::testing
