// The SQLite store of an outbox: one file, WAL, synchronous=FULL; writers take
// the lock up front (BEGIN IMMEDIATE), so claims of two processes serialize.
#pragma once

#include "store.hpp"

#include <memory>
#include <string>

namespace getxapi::outbox::internal {

std::unique_ptr<Store> open_sqlite_store(std::string const& path);

}  // namespace getxapi::outbox::internal
