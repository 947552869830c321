// The watcher's state in PostgreSQL (design.md §9): a support bot that moves
// to another host continues from the database, without a missed message or a
// second reply. Built with GETXAPI_WITH_POSTGRES.
#pragma once

#include <getxapi/inbox/store.hpp>

#include <memory>
#include <string>

namespace getxapi::inbox::internal {

/// `url`: postgresql://user[:password]@host:port/db[?...]. The `inbox_*`
/// tables are created or migrated in the first schema of the search path
/// (versioned as "inbox" in `getxapi_schema`). Throws the store layer's
/// StoreError (kStoreError) when the server cannot be reached or the tables
/// are newer than this build.
std::shared_ptr<Store> open_postgres_store(std::string const& url);

}  // namespace getxapi::inbox::internal
