// One run per journal at a time: an advisory lock on "<journal>.lock" that the
// kernel releases when the process dies, however it dies (kill -9 included).
#pragma once

#include <string>

namespace getxapi::outreach::internal {

class RunLock {
 public:
  /// Tries to take the lock; `held()` says whether it was.
  explicit RunLock(std::string const& journal_path);
  ~RunLock();
  RunLock(RunLock const&) = delete;
  RunLock& operator=(RunLock const&) = delete;
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace getxapi::outreach::internal
