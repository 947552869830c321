/// @file
/// What a client did and what it cost.
#pragma once

#include <getxapi/endpoint.hpp>
#include <getxapi/export.hpp>

#include <array>
#include <cstdint>
#include <iosfwd>

namespace getxapi {

/// Prices per call in micro-dollars (1 USD = 1,000,000), indexed by `Endpoint`.
/// Defaults from GetXAPI's published prices: user_login $0.01 (the price
/// page; the DM guide says $0.001, we budget for the higher), user/info,
/// followers_v2 and following_v2 $0.001, dm/send and dm/list $0.002,
/// dm/conversation $0.001.
struct PriceTable {
  std::array<std::int64_t, kEndpointCount> micro_usd = {10'000, 1'000, 1'000, 1'000,
                                                        2'000,  2'000, 1'000};

  std::int64_t price(Endpoint endpoint) const noexcept {
    return micro_usd[static_cast<std::size_t>(endpoint)];
  }
  PriceTable& set_price(Endpoint endpoint, std::int64_t micro) {
    micro_usd[static_cast<std::size_t>(endpoint)] = micro;
    return *this;
  }
};

/// Counters for one endpoint.
struct GETXAPI_EXPORT EndpointStats {
  std::int64_t calls = 0;         ///< Client calls made (one per `send_dm`, etc.).
  std::int64_t requests = 0;      ///< HTTP requests sent, retries included.
  std::int64_t retries = 0;       ///< Requests that were retries.
  std::int64_t waits = 0;         ///< Times the client slept (backoff or pacing).
  std::int64_t wait_ms = 0;       ///< Total time slept.
  std::int64_t billed_calls = 0;  ///< Requests answered 2xx: what GetXAPI bills.
  std::int64_t spend_micro_usd = 0;
  std::int64_t errors = 0;     ///< Calls that returned an error.
  std::int64_t refused = 0;    ///< Calls refused locally (arguments, budget, pacing).
  std::int64_t recovered = 0;  ///< dm/send failures found delivered in the inbox.

  EndpointStats& operator+=(EndpointStats const& other);
};

/// A snapshot of a client's counters.
struct GETXAPI_EXPORT Stats {
  std::array<EndpointStats, kEndpointCount> endpoints{};

  EndpointStats const& at(Endpoint endpoint) const& {
    return endpoints[static_cast<std::size_t>(endpoint)];
  }
  /// By value on a temporary, so `client.stats().at(e)` never dangles.
  EndpointStats at(Endpoint endpoint) && { return endpoints[static_cast<std::size_t>(endpoint)]; }
  /// The sum over every endpoint.
  EndpointStats total() const;
  /// Total spend in US dollars.
  double spend_usd() const { return static_cast<double>(total().spend_micro_usd) / 1e6; }
};

/// A small table: one line per endpoint that was used, then the total.
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, Stats const& stats);

}  // namespace getxapi
