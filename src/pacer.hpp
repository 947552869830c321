// Local rate pacing: rolling-window limits per endpoint, the pause between
// sends, and the daily send cap per account. Thread-safe; never sleeps
// itself: it reserves a slot and says how long the caller must wait for it.
#pragma once

#include <getxapi/client_options.hpp>
#include <getxapi/clock.hpp>
#include <getxapi/error.hpp>
#include <getxapi/pacing.hpp>

#include <array>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace getxapi::internal {

class Pacer;

/// A dm/send's place under the daily cap, held for one attempt: it gives
/// itself back (the send did not happen) unless committed (it did, or may
/// have). Other endpoints' reservations have nothing to give back.
class PacerReservation {
 public:
  struct Slot {
    std::chrono::milliseconds delay{0};
    WaitReason reason = WaitReason::kRateLimit;
  };
  PacerReservation() = default;
  PacerReservation(Pacer* pacer, std::string_view account, Slot slot)
      : pacer_(pacer), account_(account), slot_(slot) {}
  PacerReservation(PacerReservation&& other) noexcept;
  PacerReservation& operator=(PacerReservation&& other) noexcept;
  PacerReservation(PacerReservation const&) = delete;
  PacerReservation& operator=(PacerReservation const&) = delete;
  ~PacerReservation() { release(); }

  /// How long to wait before sending, and why.
  Slot const& slot() const noexcept { return slot_; }
  /// The send counts against the cap: nothing is given back.
  void commit() noexcept { pacer_ = nullptr; }
  /// The send certainly did not happen: give its place back now.
  void release() noexcept;

 private:
  Pacer* pacer_ = nullptr;
  std::string_view account_;  // the caller's, which outlives the reservation
  Slot slot_;
};

class Pacer {
 public:
  Pacer(PacingOptions const& options, std::shared_ptr<Clock> clock,
        std::shared_ptr<RandomSource> random);

  /// A reserved slot: wait `delay` (for `reason`), then send.
  using Slot = PacerReservation::Slot;

  /// Reserves a request slot for `endpoint`. Fails with kRateLimited when the
  /// wait would pass `max_wait` or the policy is kFail, and with
  /// kDailyLimitReached when the daily cap for `account` is used up.
  Result<Slot> reserve(Endpoint endpoint, std::string_view account);
  /// `reserve`, as a reservation that gives a dm/send's place back unless committed.
  Result<PacerReservation> reserve_slot(Endpoint endpoint, std::string_view account);

  /// Gives back a dm/send reservation that certainly did not send.
  void cancel_send(std::string_view account);

  void seed_daily_sends(std::string_view account, int sends);
  int daily_sends(std::string_view account) const;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  struct Account {
    std::int64_t day = -1;
    int sends = 0;
    SteadyTime next_send{};
  };
  std::int64_t today() const;
  Account& account_locked(std::string_view account);

  PacingOptions options_;
  std::shared_ptr<Clock> clock_;
  std::shared_ptr<RandomSource> random_;
  mutable std::mutex mu_;
  std::array<std::deque<SteadyTime>, kEndpointCount> windows_;
  // Keyed by a hash of the auth_token, so the token itself is not kept here.
  std::map<std::size_t, Account> accounts_;
};

}  // namespace getxapi::internal
