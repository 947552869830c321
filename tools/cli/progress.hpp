// A progress line with rate and ETA for long runs (walks, campaigns, workers), on stderr:
// kept up to date on a terminal, a whole line every few seconds otherwise (cron, journald).
#pragma once

#include "context.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace getxapi::cli {

/// `label: <counts>, 12.5/s, ETA 3m20s`. Give it the count the rate is of (`done`) and,
/// when known, the count that ends the run (`total`, e.g. --limit or an audience size); the
/// ETA is shown only then. The time comes from `Context::now`, so tests use a fake clock.
class ProgressMeter {
 public:
  ProgressMeter(Context& ctx, std::string label, std::string unit);

  /// `counts` is what the line says before the rate, e.g. "141 fetched, 98 shown (3 pages)";
  /// empty: "<done> <unit>".
  void update(std::uint64_t done, std::optional<std::uint64_t> total = std::nullopt,
              std::string const& counts = "");
  /// Erases the terminal line (a non-terminal line needs no erasing).
  void finish();

  /// The line `update` would print now, for tests and for callers that print it themselves.
  std::string line(std::uint64_t done, std::optional<std::uint64_t> total,
                   std::string const& counts) const;

 private:
  Context& ctx_;
  std::string label_;
  std::string unit_;
  std::chrono::steady_clock::time_point start_;
};

/// `12s`, `3m20s`, `2h05m`.
std::string format_duration(std::chrono::seconds d);

}  // namespace getxapi::cli
