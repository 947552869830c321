// The PostgreSQL store of an outbox (design.md §9): several workers on several
// hosts share one database. A claim locks the rows of the accounts it may use
// (FOR UPDATE, in name order, so claims that share an account take turns and
// its daily count stays exact) and picks entries with FOR UPDATE SKIP LOCKED
// (so workers never wait on each other's entries); the day's counter is
// updated in the claim's own transaction. A transaction the server aborts for
// a deadlock or a serialization conflict is retried.
#pragma once

#include "store.hpp"

#include <memory>
#include <string>

namespace getxapi::outbox::internal {

/// `url`: postgresql://user[:password]@host:port/db. The tables are created or
/// migrated on first use (`outbox_*`, versioned in `getxapi_schema`).
std::unique_ptr<Store> open_postgres_store(std::string const& url);

}  // namespace getxapi::outbox::internal
