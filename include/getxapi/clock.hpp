/// @file
/// Time and chance as injectable seams, so tests never sleep for real.
#pragma once

#include <getxapi/export.hpp>
#include <getxapi/timestamp.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

namespace getxapi {

/// Where the client reads the time. `steady_now` measures waits and windows;
/// `system_now` dates things (daily caps, "sent since" checks).
class GETXAPI_EXPORT Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
  virtual Timestamp system_now() const = 0;
};

/// How the client waits (backoff, Retry-After, pacing).
class GETXAPI_EXPORT Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void sleep_for(std::chrono::milliseconds duration) = 0;
};

/// Uniform numbers in [0, 1), for jitter and send pacing. Must be thread-safe.
class GETXAPI_EXPORT RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual double uniform01() = 0;
};

/// Days since 1970-01-01 in UTC: the day a send counts against for daily caps.
GETXAPI_EXPORT std::int64_t utc_day(Timestamp t) noexcept;
/// The first UTC midnight after `t` (when daily caps reset).
GETXAPI_EXPORT Timestamp next_utc_midnight(Timestamp t) noexcept;

/// The real clock, the real `std::this_thread::sleep_for`, and a seeded
/// mt19937_64 behind a mutex.
GETXAPI_EXPORT std::shared_ptr<Clock> system_clock();
GETXAPI_EXPORT std::shared_ptr<Sleeper> thread_sleeper();
GETXAPI_EXPORT std::shared_ptr<RandomSource> default_random();

}  // namespace getxapi
