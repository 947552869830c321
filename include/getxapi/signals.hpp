/// @file
/// Stopping a long-running loop (a watcher, a worker, a campaign) cleanly on
/// SIGINT / SIGTERM, without any component: a bot needs only the core library.
#pragma once

#include <getxapi/clock.hpp>
#include <getxapi/export.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace getxapi {

/// While alive, SIGINT and SIGTERM set a flag instead of killing the process,
/// so a loop can finish the step in flight, commit and return. A second
/// signal restores the default action and re-raises it (durable components are
/// consistent at every instant, so that is safe too). One at a time per
/// process; the previous handlers are restored on destruction.
class GETXAPI_EXPORT SignalStop {
 public:
  SignalStop();
  ~SignalStop();
  SignalStop(SignalStop const&) = delete;
  SignalStop& operator=(SignalStop const&) = delete;

  /// True once a signal arrived.
  bool requested() const noexcept;
  /// The signal that arrived (SIGINT, SIGTERM), or 0.
  int signal_number() const noexcept;
  /// A `std::function<bool()>` to hand to a loop's `stop_requested`.
  std::function<bool()> predicate() const;
};

/// A sleeper that sleeps in short slices and returns early once `stop()` is
/// true, so a stop request does not wait out a long pause.
GETXAPI_EXPORT std::shared_ptr<Sleeper> interruptible_sleeper(
    std::function<bool()> stop, std::chrono::milliseconds slice = std::chrono::milliseconds(50));

}  // namespace getxapi
