#include <getxapi/clock.hpp>
#include <getxapi/retry_policy.hpp>

#include <algorithm>
#include <cmath>

namespace getxapi {

bool RetryPolicy::is_retryable(Error const& error) const { return error.is_transient(); }

LimitedRetryPolicy::LimitedRetryPolicy(int max_attempts, std::chrono::milliseconds max_total,
                                       std::chrono::milliseconds max_single_wait)
    : max_attempts_(std::max(1, max_attempts)),
      max_total_(max_total),
      max_single_wait_(max_single_wait) {}

std::unique_ptr<RetryPolicy> LimitedRetryPolicy::clone() const {
  auto copy = std::make_unique<LimitedRetryPolicy>(max_attempts_, max_total_, max_single_wait_);
  return copy;  // fresh per-call state: no failures counted yet
}

bool LimitedRetryPolicy::on_failure(Error const& error, std::chrono::milliseconds elapsed) {
  ++failures_;
  if (!is_retryable(error)) return false;
  return failures_ < max_attempts_ && elapsed < max_total_;
}

std::chrono::milliseconds LimitedRetryPolicy::time_left(std::chrono::milliseconds elapsed) const {
  return std::max(std::chrono::milliseconds(0), max_total_ - elapsed);
}

std::unique_ptr<RetryPolicy> NoRetryPolicy::clone() const {
  return std::make_unique<NoRetryPolicy>();
}

ExponentialBackoffPolicy::ExponentialBackoffPolicy(std::chrono::milliseconds initial,
                                                   std::chrono::milliseconds maximum,
                                                   double multiplier)
    : initial_(initial),
      maximum_(maximum),
      multiplier_(std::max(1.0, multiplier)),
      current_(static_cast<double>(initial.count())) {}

std::unique_ptr<BackoffPolicy> ExponentialBackoffPolicy::clone() const {
  return std::make_unique<ExponentialBackoffPolicy>(initial_, maximum_, multiplier_);
}

std::chrono::milliseconds ExponentialBackoffPolicy::next_delay(RandomSource& random) {
  double const ceiling = std::min(current_, static_cast<double>(maximum_.count()));
  current_ = std::min(current_ * multiplier_, static_cast<double>(maximum_.count()));
  double const u = std::clamp(random.uniform01(), 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(ceiling * u)));
}

}  // namespace getxapi
