// The retry loop, after google-cloud-cpp's internal/retry_loop.h: one small
// loop over (retry policy, backoff policy, idempotency, sleeper, one attempt).
// It knows nothing of HTTP, pacing or accounting: the attempt does those.
#pragma once

#include <getxapi/client_options.hpp>
#include <getxapi/clock.hpp>
#include <getxapi/error.hpp>
#include <getxapi/result.hpp>
#include <getxapi/retry_policy.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

namespace getxapi::internal {

enum class Idempotency {
  kIdempotent,     ///< Repeating the request is harmless (reads, login).
  kNonIdempotent,  ///< dm/send: repeated only when the caller can check first.
};

/// What one attempt gave. `retryable` false: refused before anything was sent
/// (pacing, budget, a cancelled wait), returned as is without asking the policy.
template <class T>
struct AttemptResult {
  Result<T> result;
  bool retryable = true;
};

/// The wait before the next attempt.
struct RetryWait {
  std::chrono::milliseconds delay{0};
  WaitReason reason = WaitReason::kBackoff;
};

/// Sleeps `wait` after `error`; false: stop waiting and return the error now.
using RetrySleeper = std::function<bool(RetryWait const& wait, Error const& error)>;

/// Before a non-idempotent request that may have taken effect is repeated:
/// nullopt repeats it, a value ends the call with that result.
template <class T>
using ResendCheck = std::function<std::optional<Result<T>>(Error const& error)>;

/// The per-call prototypes and sources the loop needs (cloned lazily).
struct RetryLoopPolicies {
  RetryPolicy const& retry;
  BackoffPolicy const& backoff;
  Clock const& clock;
  RandomSource& random;
};

/// The wait the policies allow after `error`, `elapsed` into the call;
/// nullopt when none is (a Retry-After longer than the policy accepts, or no
/// time left): the error is returned now rather than slept on.
std::optional<RetryWait> next_wait(RetryPolicy const& retry, BackoffPolicy& backoff,
                                   RandomSource& random, Error const& error,
                                   std::chrono::milliseconds elapsed);

/// Runs `attempt` until it succeeds, is refused locally, or the policies stop
/// it. `attempt` is `AttemptResult<T>()`.
template <class T, class Attempt>
Result<T> retry_loop(RetryLoopPolicies const& policies, Idempotency idempotency,
                     RetrySleeper const& sleeper, Attempt&& attempt,
                     ResendCheck<T> const& check_before_resend = {}) {
  // Cloned at the first failure: most calls succeed at once and need no
  // per-call policy state (two allocations saved on the hot path).
  std::unique_ptr<RetryPolicy> retry;
  std::unique_ptr<BackoffPolicy> backoff;
  auto const start = policies.clock.steady_now();
  for (;;) {
    AttemptResult<T> outcome = attempt();
    if (outcome.result || !outcome.retryable) return std::move(outcome.result);
    Error error = std::move(outcome.result).error();
    auto const elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(policies.clock.steady_now() - start);
    if (!retry) {
      retry = policies.retry.clone();
      backoff = policies.backoff.clone();
    }
    if (!retry->is_retryable(error) || !retry->on_failure(error, elapsed)) return error;
    if (idempotency == Idempotency::kNonIdempotent && error.may_have_taken_effect() &&
        !check_before_resend) {
      return error;
    }
    auto const wait = next_wait(*retry, *backoff, policies.random, error, elapsed);
    if (!wait || (wait->delay.count() > 0 && !sleeper(*wait, error))) return error;
    if (check_before_resend) {
      if (auto settled = check_before_resend(error)) return std::move(*settled);
    }
  }
}

}  // namespace getxapi::internal
