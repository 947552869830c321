/// @file
/// `Outbox`: a durable queue of DMs, safe to share between processes.
#pragma once

#include <getxapi/outbox/entry.hpp>
#include <getxapi/outbox/export.hpp>
#include <getxapi/outbox/status.hpp>
#include <getxapi/result.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace getxapi::outbox {

namespace internal {
class Store;
}

/// What `enqueue` did.
struct Enqueued {
  Entry entry;
  bool created = false;  ///< false: the key was already there; `entry` is the first one.
};

/// A durable outbox over a store (a SQLite file; WAL, so any number of
/// processes may enqueue, list and work on it at once). Methods are safe to
/// call from several threads; failures of the store are `kStoreError`.
class GETXAPI_OUTBOX_EXPORT Outbox {
 public:
  /// Opens (creating and migrating if needed) the outbox at `path`. A file that
  /// is not an outbox, or one from a newer getxapi, is refused (kStoreError).
  static Result<Outbox> open(std::string const& path);

  /// Queues one DM. Arguments are checked first (kInvalidArgument): an empty or
  /// invalid recipient, an empty text, an expiry not after not_before.
  Result<Enqueued> enqueue(NewEntry const& entry);
  /// The current time is taken from `now` (tests, and apps with their own clock).
  Result<Enqueued> enqueue(NewEntry const& entry, Timestamp now);

  Result<std::optional<Entry>> entry(std::int64_t id);
  /// Entries in `state` (all when nullopt), oldest id first, at most `limit`.
  Result<std::vector<Entry>> list(std::optional<EntryState> state = std::nullopt,
                                  std::size_t limit = 100000);
  /// Counts, accounts (sent today per `now`'s UTC day), spend, the oldest due entry.
  Result<OutboxStatus> status();
  Result<OutboxStatus> status(Timestamp now);

  std::string const& path() const;
  /// For the worker (and a later PostgreSQL store): the store behind this outbox.
  internal::Store& store();

 private:
  struct Impl;
  explicit Outbox(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace getxapi::outbox
