#include "accounting.hpp"

#include <cstdio>

namespace getxapi::internal {

void Accounting::count_call(Endpoint endpoint) {
  std::lock_guard<std::mutex> lock(mu_);
  ++at(endpoint).calls;
}

void Accounting::count_failure(Endpoint endpoint, bool refused) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& s = at(endpoint);
  ++s.errors;
  if (refused) ++s.refused;
}

void Accounting::count_refused_call(Endpoint endpoint) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& s = at(endpoint);
  ++s.calls;
  ++s.errors;
  ++s.refused;
}

void Accounting::count_recovered(Endpoint endpoint) {
  std::lock_guard<std::mutex> lock(mu_);
  ++at(endpoint).recovered;
}

void Accounting::count_wait(Endpoint endpoint, std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& s = at(endpoint);
  ++s.waits;
  s.wait_ms += delay.count();
}

std::optional<Error> Accounting::reserve_budget(Endpoint endpoint) {
  std::lock_guard<std::mutex> lock(mu_);
  auto const price = prices_.price(endpoint);
  if (spend_limit_micro_) {
    auto const committed = stats_.total().spend_micro_usd + reserved_spend_;
    if (committed + price > *spend_limit_micro_) {
      char text[160];
      std::snprintf(text, sizeof text,
                    "spend limit of $%.4f would be passed: $%.4f spent, this call costs $%.4f",
                    static_cast<double>(*spend_limit_micro_) / 1e6,
                    static_cast<double>(committed) / 1e6, static_cast<double>(price) / 1e6);
      return Error(ErrorCode::kBudgetExceeded, text);
    }
  }
  reserved_spend_ += price;
  return std::nullopt;
}

void Accounting::settle_budget(Endpoint endpoint, bool billed, bool retry) {
  std::lock_guard<std::mutex> lock(mu_);
  auto const price = prices_.price(endpoint);
  reserved_spend_ -= price;
  auto& s = at(endpoint);
  ++s.requests;
  if (retry) ++s.retries;
  if (billed) {
    ++s.billed_calls;
    s.spend_micro_usd += price;
  }
}

Stats Accounting::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace getxapi::internal
