/// @file
/// When to try a failed request again, and how long to wait first.
///
/// Defaults (see `ClientOptions`): retry only 429 (not the daily DM limit) and
/// 5xx, plus network errors and timeouts on idempotent calls; at most 4
/// attempts and 60 s in total; exponential backoff with full jitter starting
/// at 500 ms, each wait capped at 30 s. A server-sent `retry_after` /
/// `Retry-After` replaces the backoff delay; if it asks for longer than the
/// single-wait cap (or than the time left), the call returns kRateLimited at
/// once with `retry_after()` set instead of sleeping.
#pragma once

#include <getxapi/error.hpp>
#include <getxapi/export.hpp>

#include <chrono>
#include <memory>

namespace getxapi {

class RandomSource;

/// Decides whether another attempt may follow a failure. Policies hold
/// per-call state, so the client clones the configured prototype per call.
class GETXAPI_EXPORT RetryPolicy {
 public:
  virtual ~RetryPolicy() = default;
  virtual std::unique_ptr<RetryPolicy> clone() const = 0;

  /// Whether `error` is worth retrying at all. Default: `error.is_transient()`,
  /// i.e. 429 other than the daily limit, 5xx, network errors and timeouts.
  virtual bool is_retryable(Error const& error) const;
  /// Records a failed attempt, `elapsed` after the call began; returns false
  /// when the policy allows no further attempt.
  virtual bool on_failure(Error const& error, std::chrono::milliseconds elapsed) = 0;
  /// Longest single wait the policy accepts, server-requested waits included.
  virtual std::chrono::milliseconds max_single_wait() const = 0;
  /// Time left for waiting and retrying, given `elapsed` since the call began.
  virtual std::chrono::milliseconds time_left(std::chrono::milliseconds elapsed) const = 0;
};

/// At most `max_attempts` requests and `max_total` time per call.
class GETXAPI_EXPORT LimitedRetryPolicy : public RetryPolicy {
 public:
  explicit LimitedRetryPolicy(int max_attempts = 4,
                              std::chrono::milliseconds max_total = std::chrono::seconds(60),
                              std::chrono::milliseconds max_single_wait = std::chrono::seconds(30));
  std::unique_ptr<RetryPolicy> clone() const override;
  bool on_failure(Error const& error, std::chrono::milliseconds elapsed) override;
  std::chrono::milliseconds max_single_wait() const override { return max_single_wait_; }
  std::chrono::milliseconds time_left(std::chrono::milliseconds elapsed) const override;

  int max_attempts() const noexcept { return max_attempts_; }
  std::chrono::milliseconds max_total() const noexcept { return max_total_; }

 private:
  int max_attempts_;
  std::chrono::milliseconds max_total_;
  std::chrono::milliseconds max_single_wait_;
  int failures_ = 0;
};

/// One attempt only: every failure is returned at once.
class GETXAPI_EXPORT NoRetryPolicy : public RetryPolicy {
 public:
  std::unique_ptr<RetryPolicy> clone() const override;
  bool on_failure(Error const&, std::chrono::milliseconds) override { return false; }
  std::chrono::milliseconds max_single_wait() const override { return {}; }
  std::chrono::milliseconds time_left(std::chrono::milliseconds) const override { return {}; }
};

/// How long to wait before the next attempt when the server did not say.
class GETXAPI_EXPORT BackoffPolicy {
 public:
  virtual ~BackoffPolicy() = default;
  virtual std::unique_ptr<BackoffPolicy> clone() const = 0;
  /// The delay before the next attempt; advances the policy's state.
  virtual std::chrono::milliseconds next_delay(RandomSource& random) = 0;
};

/// Exponential backoff with full jitter (AWS's "full jitter"): the n-th delay
/// is uniform in [0, min(maximum, initial * multiplier^n)].
class GETXAPI_EXPORT ExponentialBackoffPolicy : public BackoffPolicy {
 public:
  explicit ExponentialBackoffPolicy(
      std::chrono::milliseconds initial = std::chrono::milliseconds(500),
      std::chrono::milliseconds maximum = std::chrono::seconds(30), double multiplier = 2.0);
  std::unique_ptr<BackoffPolicy> clone() const override;
  std::chrono::milliseconds next_delay(RandomSource& random) override;

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds maximum_;
  double multiplier_;
  double current_;  // ms, before jitter
};

}  // namespace getxapi
