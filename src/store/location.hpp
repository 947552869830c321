// Where a store lives. A file path is SQLite (the embedded default); a
// `postgresql://` or `postgres://` URL is PostgreSQL (design.md §9), opened
// when the build has GETXAPI_WITH_POSTGRES and otherwise refused with
// kStoreError rather than taken for a file name.
#pragma once

#include <getxapi/result.hpp>

#include <string>

namespace getxapi::store::internal {

struct Location {
  enum class Kind { kSqliteFile, kPostgres };
  Kind kind = Kind::kSqliteFile;
  std::string target;  ///< The file path, or the URL.
};

/// Parses a `--journal` / `--state` / `--outbox` argument.
Location parse_location(std::string const& text);
/// The location, or kStoreError when this build cannot open that kind of store.
Result<Location> supported_location(std::string const& text);

}  // namespace getxapi::store::internal
