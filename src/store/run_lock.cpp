#include "store/run_lock.hpp"

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace getxapi::store::internal {
namespace {

using FileId = std::pair<dev_t, ino_t>;

// Closing any descriptor of a file drops every POSIX lock this process holds
// on it, SQLite's included. So a descriptor opened for the run lock is never
// closed: it stays in this table, and unlocking clears the OFD lock only.
struct Registry {
  std::mutex mutex;
  std::map<FileId, int> fds;  // file -> our descriptor
  std::map<FileId, bool> held;
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: outlives static Journals
  return *r;
}

bool ofd_lock(int fd, short type) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = RunLock::kLockOffset;
  fl.l_len = 1;
  return ::fcntl(fd, F_OFD_SETLK, &fl) == 0;
}

}  // namespace

struct RunLock::Held {
  FileId id;
  int fd;
  ~Held() {
    auto& r = registry();
    std::lock_guard<std::mutex> guard(r.mutex);
    ofd_lock(fd, F_UNLCK);
    r.held[id] = false;
  }
};

Result<RunLock> RunLock::acquire(std::string const& path, std::string const& what) {
  std::string const busy = what + " " + path +
                           " is in use by another run (the same file, under any name); "
                           "nothing was sent";
  auto& r = registry();
  std::lock_guard<std::mutex> guard(r.mutex);
  struct stat st {};
  errno = 0;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Error(ErrorCode::kStoreError, "cannot lock " + what + " " + path + ": " +
                                             (errno ? std::strerror(errno) : "not a regular file"));
  }
  FileId id{st.st_dev, st.st_ino};
  auto it = r.fds.find(id);
  if (it == r.fds.end()) {
    int const fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      return Error(ErrorCode::kStoreError,
                   "cannot open " + what + " " + path + " to lock it: " + std::strerror(errno));
    }
    // Identify the file we opened (the name may have moved since the stat).
    // The descriptor is kept even if fstat fails: closing it could drop SQLite's locks.
    if (::fstat(fd, &st) == 0) id = FileId{st.st_dev, st.st_ino};
    it = r.fds.emplace(id, fd).first;
  }
  if (r.held[id]) return Error(ErrorCode::kBusy, busy);
  if (!ofd_lock(it->second, F_WRLCK)) {
    if (errno == EAGAIN || errno == EACCES) return Error(ErrorCode::kBusy, busy);
    return Error(ErrorCode::kStoreError,
                 "cannot lock " + what + " " + path + ": " + std::strerror(errno));
  }
  r.held[id] = true;
  // Not make_shared(Held{...}): a temporary Held would unlock on destruction.
  return RunLock(std::shared_ptr<Held>(new Held{id, it->second}));
}

RunLock::~RunLock() = default;

}  // namespace getxapi::store::internal
