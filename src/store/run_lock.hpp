// One run per store at a time, keyed on the store FILE, not its name: a
// symlink, a hard link, `./x/../j.db` or a bind mount of the same journal all
// reach the same lock.
//
// The lock is an open-file-description lock (F_OFD_SETLK) on one byte of the
// journal file itself, far above the bytes SQLite locks, so it never meets
// SQLite's own locking. The kernel releases it when the process dies, however
// it dies (kill -9 included). Within one process a second lock on the same
// file (same st_dev/st_ino) is refused too.
//
// A PostgreSQL store would hold this as an advisory lock in the database.
#pragma once

#include <getxapi/result.hpp>

#include <memory>
#include <string>

namespace getxapi::store::internal {

class RunLock {
 public:
  /// Takes the lock on the file at `path` (which must exist), or fails with
  /// kBusy when another run holds it and kStoreError when the file cannot be
  /// opened. `what` names the store in messages ("journal").
  static Result<RunLock> acquire(std::string const& path, std::string const& what = "journal");

  RunLock(RunLock&&) noexcept = default;
  RunLock& operator=(RunLock&&) noexcept = default;
  ~RunLock();

  /// The byte of the store file that the lock covers (documented in docs/outreach.md).
  static constexpr long long kLockOffset = 0x7f000000LL;

 private:
  struct Held;
  explicit RunLock(std::shared_ptr<Held> held) : held_(std::move(held)) {}
  std::shared_ptr<Held> held_;
};

}  // namespace getxapi::store::internal
