#include <getxapi/stats.hpp>

#include <cstdio>
#include <ostream>

namespace getxapi {

EndpointStats& EndpointStats::operator+=(EndpointStats const& other) {
  calls += other.calls;
  requests += other.requests;
  retries += other.retries;
  waits += other.waits;
  wait_ms += other.wait_ms;
  billed_calls += other.billed_calls;
  spend_micro_usd += other.spend_micro_usd;
  errors += other.errors;
  refused += other.refused;
  recovered += other.recovered;
  return *this;
}

EndpointStats& EndpointStats::operator-=(EndpointStats const& other) {
  calls -= other.calls;
  requests -= other.requests;
  retries -= other.retries;
  waits -= other.waits;
  wait_ms -= other.wait_ms;
  billed_calls -= other.billed_calls;
  spend_micro_usd -= other.spend_micro_usd;
  errors -= other.errors;
  refused -= other.refused;
  recovered -= other.recovered;
  return *this;
}

Stats operator-(Stats const& now, Stats const& base) {
  Stats d = now;
  for (std::size_t i = 0; i < d.endpoints.size(); ++i) d.endpoints[i] -= base.endpoints[i];
  return d;
}

EndpointStats Stats::total() const {
  EndpointStats sum;
  for (auto const& e : endpoints) sum += e;
  return sum;
}

std::ostream& operator<<(std::ostream& os, Stats const& stats) {
  char line[160];
  std::snprintf(line, sizeof line, "%-14s %8s %8s %8s %8s %8s %10s\n", "endpoint", "calls",
                "requests", "retries", "errors", "billed", "spend_usd");
  os << line;
  auto row = [&](std::string_view name, EndpointStats const& e) {
    std::snprintf(line, sizeof line, "%-14.*s %8lld %8lld %8lld %8lld %8lld %10.4f\n",
                  static_cast<int>(name.size()), name.data(), static_cast<long long>(e.calls),
                  static_cast<long long>(e.requests), static_cast<long long>(e.retries),
                  static_cast<long long>(e.errors), static_cast<long long>(e.billed_calls),
                  static_cast<double>(e.spend_micro_usd) / 1e6);
    os << line;
  };
  for (auto endpoint : kAllEndpoints) {
    auto const& e = stats.at(endpoint);
    if (e.calls != 0 || e.requests != 0) row(to_string(endpoint), e);
  }
  row("total", stats.total());
  return os;
}

}  // namespace getxapi
