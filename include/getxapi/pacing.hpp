/// @file
/// Client-side rate pacing, so a client stays under GetXAPI's and X's limits
/// instead of discovering them through 429s.
#pragma once

#include <getxapi/endpoint.hpp>
#include <getxapi/export.hpp>

#include <array>
#include <chrono>
#include <optional>

namespace getxapi {

/// At most `max_calls` calls in any rolling `window`.
struct RateLimit {
  int max_calls = 0;
  std::chrono::milliseconds window{0};
};

/// X's approximate daily DM caps by account type.
enum class AccountTier {
  kNew,          ///< ~500 a day (new or unverified accounts).
  kEstablished,  ///< ~1,000 a day.
  kPremium,      ///< ~1,500 a day (Premium / Premium+).
};

/// The daily cap for `tier`: 500, 1,000 or 1,500.
GETXAPI_EXPORT int daily_send_cap(AccountTier tier) noexcept;

/// What to do when a local limit is reached.
enum class LimitAction {
  kWait,  ///< Sleep until the call is allowed, if that is within `max_wait`.
  kFail,  ///< Return kRateLimited (or kDailyLimitReached) at once, retry_after set.
};

/// Pacing settings. Defaults: on; dm/list at most 900 calls per rolling 15
/// minutes (GetXAPI's documented limit); no other per-endpoint limit; no delay
/// between sends; no daily send cap (X enforces its own; set one to stop
/// before X does).
struct PacingOptions {
  bool enabled = true;
  /// Per-endpoint rolling-window limits, indexed by `Endpoint`; nullopt = none.
  std::array<std::optional<RateLimit>, kEndpointCount> limits = {
      std::nullopt, std::nullopt, std::nullopt,
      std::nullopt, std::nullopt, RateLimit{900, std::chrono::minutes(15)},
      std::nullopt};
  /// A random delay in [min, max] between two dm/send calls of one client
  /// (e.g. 2-5 s for outreach, as GetXAPI's guide advises). 0-0 is off.
  std::chrono::milliseconds send_delay_min{0};
  std::chrono::milliseconds send_delay_max{0};
  /// Sends per auth_token per UTC day; nullopt is no cap. See `daily_send_cap()`.
  std::optional<int> daily_send_cap;
  LimitAction on_limit = LimitAction::kWait;
  /// Longest a call waits for a limit with kWait; longer gives kRateLimited.
  std::chrono::milliseconds max_wait = std::chrono::minutes(15);

  PacingOptions& set_limit(Endpoint endpoint, std::optional<RateLimit> limit) {
    limits[static_cast<std::size_t>(endpoint)] = limit;
    return *this;
  }
  PacingOptions& set_send_delay(std::chrono::milliseconds min, std::chrono::milliseconds max) {
    send_delay_min = min;
    send_delay_max = max;
    return *this;
  }
  PacingOptions& set_daily_send_cap(AccountTier tier) {
    daily_send_cap = getxapi::daily_send_cap(tier);
    return *this;
  }
};

}  // namespace getxapi
