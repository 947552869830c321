#include "retry_loop.hpp"

#include <algorithm>

namespace getxapi::internal {

std::optional<RetryWait> next_wait(RetryPolicy const& retry, BackoffPolicy& backoff,
                                   RandomSource& random, Error const& error,
                                   std::chrono::milliseconds elapsed) {
  using std::chrono::milliseconds;
  auto const left = retry.time_left(elapsed);
  if (error.retry_after()) {
    auto const delay = std::chrono::duration_cast<milliseconds>(*error.retry_after());
    // Asked for longer than we may wait: say so now rather than sleep.
    if (delay > retry.max_single_wait() || delay > left) return std::nullopt;
    return RetryWait{delay, WaitReason::kRetryAfter};
  }
  auto const delay = std::min({backoff.next_delay(random), retry.max_single_wait(), left});
  if (left.count() <= 0) return std::nullopt;
  return RetryWait{delay, WaitReason::kBackoff};
}

}  // namespace getxapi::internal
