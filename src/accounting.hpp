// What a connection counts and what it may spend: the per-endpoint counters
// behind `Client::stats()` and the spend limit's reservations. Thread-safe.
#pragma once

#include <getxapi/endpoint.hpp>
#include <getxapi/error.hpp>
#include <getxapi/stats.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace getxapi::internal {

class Accounting {
 public:
  Accounting(PriceTable prices, std::optional<std::int64_t> spend_limit_micro)
      : prices_(prices), spend_limit_micro_(spend_limit_micro) {}

  /// A client call began.
  void count_call(Endpoint endpoint);
  /// A client call failed; `refused` when nothing was sent for it.
  void count_failure(Endpoint endpoint, bool refused);
  /// A call refused before it began (bad arguments): counted whole at once.
  void count_refused_call(Endpoint endpoint);
  /// A dm/send failure found delivered in the inbox.
  void count_recovered(Endpoint endpoint);
  /// A wait before an attempt.
  void count_wait(Endpoint endpoint, std::chrono::milliseconds delay);

  /// Reserves one request's price under the spend limit, or says why not
  /// (kBudgetExceeded). Every reservation is settled exactly once.
  std::optional<Error> reserve_budget(Endpoint endpoint);
  /// Settles the reservation: one request went out; billed if answered 2xx.
  void settle_budget(Endpoint endpoint, bool billed, bool retry);

  Stats snapshot() const;

 private:
  EndpointStats& at(Endpoint endpoint) {
    return stats_.endpoints[static_cast<std::size_t>(endpoint)];
  }

  PriceTable prices_;
  std::optional<std::int64_t> spend_limit_micro_;
  mutable std::mutex mu_;
  Stats stats_;
  std::int64_t reserved_spend_ = 0;
};

}  // namespace getxapi::internal
