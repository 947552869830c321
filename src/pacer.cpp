#include "pacer.hpp"

#include <algorithm>
#include <functional>
#include <utility>

namespace getxapi::internal {
namespace {

using std::chrono::milliseconds;

// Slots are placed this far past the instant the oldest call leaves the
// window, so a server counting the window inclusively still sees room.
constexpr milliseconds kWindowMargin{1};

std::chrono::seconds ceil_seconds(milliseconds ms) {
  return std::chrono::ceil<std::chrono::seconds>(ms);
}

}  // namespace

Pacer::Pacer(PacingOptions const& options, std::shared_ptr<Clock> clock,
             std::shared_ptr<RandomSource> random)
    : options_(options), clock_(std::move(clock)), random_(std::move(random)) {}

std::int64_t Pacer::today() const { return utc_day(clock_->system_now()); }

Pacer::Account& Pacer::account_locked(std::string_view account) {
  Account& a = accounts_[std::hash<std::string_view>{}(account)];
  auto const day = today();
  if (a.day != day) {
    a.day = day;
    a.sends = 0;
  }
  return a;
}

Result<Pacer::Slot> Pacer::reserve(Endpoint endpoint, std::string_view account) {
  if (!options_.enabled) return Slot{};
  std::lock_guard<std::mutex> lock(mu_);
  SteadyTime const now = clock_->steady_now();
  Slot slot;
  SteadyTime at = now;

  Account* sender = nullptr;
  if (endpoint == Endpoint::kDmSend) {
    sender = &account_locked(account);
    if (options_.daily_send_cap && sender->sends >= *options_.daily_send_cap) {
      auto const now = clock_->system_now();
      auto const left = std::chrono::duration_cast<milliseconds>(next_utc_midnight(now) - now);
      Error error(ErrorCode::kDailyLimitReached,
                  "daily send cap of " + std::to_string(*options_.daily_send_cap) +
                      " reached for this account; resets at 00:00 UTC");
      error.set_retry_after(ceil_seconds(left));
      return error;
    }
    if (sender->next_send > at) {
      at = sender->next_send;
      slot.reason = WaitReason::kSendDelay;
    }
  }

  auto const& limit = options_.limits[static_cast<std::size_t>(endpoint)];
  auto& window = windows_[static_cast<std::size_t>(endpoint)];
  if (limit && limit->max_calls > 0) {
    while (!window.empty() && window.front() + limit->window <= now) window.pop_front();
    if (static_cast<int>(window.size()) >= limit->max_calls) {
      SteadyTime const free_at = window.front() + limit->window + kWindowMargin;
      if (free_at > at) {
        at = free_at;
        slot.reason = WaitReason::kRateLimit;
      }
    }
  }

  slot.delay = std::chrono::duration_cast<milliseconds>(at - now);
  if (slot.delay.count() > 0 &&
      // The margin is ours, not the caller's: a full-window wait (the default
      // max_wait equals dm/list's window) must still be within max_wait.
      (options_.on_limit == LimitAction::kFail || slot.delay > options_.max_wait + kWindowMargin)) {
    Error error(
        ErrorCode::kRateLimited,
        std::string("local ") +
            (slot.reason == WaitReason::kSendDelay ? "send pacing" : "rate limit for ") +
            (slot.reason == WaitReason::kSendDelay ? "" : std::string(to_string(endpoint))) +
            ": next slot in " + std::to_string(slot.delay.count()) + " ms");
    error.set_retry_after(ceil_seconds(slot.delay));
    return error;
  }

  if (limit && limit->max_calls > 0) {
    if (static_cast<int>(window.size()) >= limit->max_calls) window.pop_front();
    window.insert(std::upper_bound(window.begin(), window.end(), at), at);
  }
  if (sender != nullptr) {
    ++sender->sends;
    auto const lo = options_.send_delay_min;
    auto const hi = std::max(options_.send_delay_min, options_.send_delay_max);
    if (hi.count() > 0) {
      double const u = random_->uniform01();
      auto const pause =
          lo + milliseconds(static_cast<std::int64_t>(static_cast<double>((hi - lo).count()) * u));
      sender->next_send = at + pause;
    }
  }
  return slot;
}

Result<PacerReservation> Pacer::reserve_slot(Endpoint endpoint, std::string_view account) {
  auto slot = reserve(endpoint, account);
  if (!slot) return std::move(slot).error();
  bool const counts = options_.enabled && endpoint == Endpoint::kDmSend;
  return PacerReservation(counts ? this : nullptr, account, *slot);
}

PacerReservation::PacerReservation(PacerReservation&& other) noexcept
    : pacer_(std::exchange(other.pacer_, nullptr)), account_(other.account_), slot_(other.slot_) {}

PacerReservation& PacerReservation::operator=(PacerReservation&& other) noexcept {
  if (this != &other) {
    release();
    pacer_ = std::exchange(other.pacer_, nullptr);
    account_ = other.account_;
    slot_ = other.slot_;
  }
  return *this;
}

void PacerReservation::release() noexcept {
  if (pacer_ != nullptr) std::exchange(pacer_, nullptr)->cancel_send(account_);
}

void Pacer::cancel_send(std::string_view account) {
  if (!options_.enabled) return;
  std::lock_guard<std::mutex> lock(mu_);
  Account& a = account_locked(account);
  if (a.sends > 0) --a.sends;
}

void Pacer::seed_daily_sends(std::string_view account, int sends) {
  std::lock_guard<std::mutex> lock(mu_);
  account_locked(account).sends = std::max(0, sends);
}

int Pacer::daily_sends(std::string_view account) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = accounts_.find(std::hash<std::string_view>{}(account));
  if (it == accounts_.end() || it->second.day != today()) return 0;
  return it->second.sends;
}

}  // namespace getxapi::internal
