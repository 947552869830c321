/// @file
/// Stopping a run cleanly on SIGINT / SIGTERM.
#pragma once

#include <getxapi/clock.hpp>
#include <getxapi/outreach/export.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace getxapi::outreach {

/// While alive, SIGINT and SIGTERM set a flag instead of killing the
/// process, so a run can finish the send in flight, commit and exit 0. A
/// second signal restores the default action and re-raises it (the journal is
/// safe either way). One at a time per process; the previous handlers are
/// restored on destruction.
class GETXAPI_OUTREACH_EXPORT SignalStop {
 public:
  SignalStop();
  ~SignalStop();
  SignalStop(SignalStop const&) = delete;
  SignalStop& operator=(SignalStop const&) = delete;

  /// True once a signal arrived.
  bool requested() const noexcept;
  /// The signal that arrived (SIGINT, SIGTERM), or 0.
  int signal_number() const noexcept;
  /// A `std::function<bool()>` for `RunOptions::stop_requested`.
  std::function<bool()> predicate() const;
};

/// A sleeper that sleeps in short slices and returns early once `stop()` is
/// true, so a stop request does not wait out a long pause between sends.
GETXAPI_OUTREACH_EXPORT std::shared_ptr<Sleeper> interruptible_sleeper(
    std::function<bool()> stop, std::chrono::milliseconds slice = std::chrono::milliseconds(50));

}  // namespace getxapi::outreach
