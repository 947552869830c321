// A disk that fills up on cue, for the SQLite stores' tests: a SQLite VFS registered
// as the process's default that passes everything to the real one, except that
// once armed, the Nth write from now and every write after it fail with SQLITE_FULL,
// which is what SQLite's unix VFS answers for ENOSPC. `heal()` gives the space back.
// Counting writes lets a test fail every write of a piece of work in turn.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstring>

namespace getxapi::store::testing {

class FullDisk {
 public:
  /// Registers the VFS as the default (once per process).
  static void install() {
    static bool const done = [] {
      real_ = sqlite3_vfs_find(nullptr);
      vfs_ = *real_;
      vfs_.zName = "getxapi-full-disk";
      vfs_.szOsFile = static_cast<int>(sizeof(File)) + real_->szOsFile;
      vfs_.xOpen = open;
      vfs_.pNext = nullptr;
      return sqlite3_vfs_register(&vfs_, 1) == SQLITE_OK;
    }();
    (void)done;
  }
  /// The `writes`-th write from now (0: the next one) and all after it fail.
  static void fill_after(long writes) {
    countdown_ = writes;
    armed_ = true;
  }
  /// Space is back: writes succeed again.
  static void heal() { armed_ = false; }
  /// Whether a write has failed since the last `fill_after`.
  static bool hit() { return hit_.load(); }
  static void reset_hit() { hit_ = false; }

 private:
  struct File {
    sqlite3_file base;
    sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
  };
  static File* cast(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
  static sqlite3_file* real(sqlite3_file* f) { return cast(f)->real(); }

  static bool full() {
    if (!armed_) return false;
    if (countdown_.fetch_sub(1) > 0) return false;
    hit_ = true;
    return true;
  }

  static int open(sqlite3_vfs*, char const* name, sqlite3_file* file, int flags, int* out_flags) {
    File* f = cast(file);
    std::memset(f, 0, sizeof(File));
    int const rc = real_->xOpen(real_, name, f->real(), flags, out_flags);
    f->base.pMethods = f->real()->pMethods ? &methods_ : nullptr;
    return rc;
  }

  // Every method but xWrite forwards to the real file.
  static int close(sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); }
  static int read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
    return real(f)->pMethods->xRead(real(f), b, n, o);
  }
  static int write(sqlite3_file* f, void const* b, int n, sqlite3_int64 o) {
    if (full()) return SQLITE_FULL;
    return real(f)->pMethods->xWrite(real(f), b, n, o);
  }
  static int truncate(sqlite3_file* f, sqlite3_int64 size) {
    return real(f)->pMethods->xTruncate(real(f), size);
  }
  static int sync(sqlite3_file* f, int flags) { return real(f)->pMethods->xSync(real(f), flags); }
  static int file_size(sqlite3_file* f, sqlite3_int64* size) {
    return real(f)->pMethods->xFileSize(real(f), size);
  }
  static int lock(sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); }
  static int unlock(sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); }
  static int check_reserved(sqlite3_file* f, int* out) {
    return real(f)->pMethods->xCheckReservedLock(real(f), out);
  }
  static int file_control(sqlite3_file* f, int op, void* arg) {
    return real(f)->pMethods->xFileControl(real(f), op, arg);
  }
  static int sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
  static int device(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }
  static int shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
    return real(f)->pMethods->xShmMap(real(f), region, size, extend, out);
  }
  static int shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
  }
  static void shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
  static int shm_unmap(sqlite3_file* f, int del) {
    return real(f)->pMethods->xShmUnmap(real(f), del);
  }
  static int fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** out) {
    return real(f)->pMethods->xFetch(real(f), o, n, out);
  }
  static int unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) {
    return real(f)->pMethods->xUnfetch(real(f), o, p);
  }

  static inline sqlite3_vfs* real_ = nullptr;
  static inline sqlite3_vfs vfs_{};
  static inline std::atomic<bool> armed_{false};
  static inline std::atomic<long> countdown_{0};
  static inline std::atomic<bool> hit_{false};
  static inline sqlite3_io_methods const methods_{
      3,        close,       read,           write,        truncate,    sync,   file_size,
      lock,     unlock,      check_reserved, file_control, sector_size, device, shm_map,
      shm_lock, shm_barrier, shm_unmap,      fetch,        unfetch};
};

}  // namespace getxapi::store::testing
