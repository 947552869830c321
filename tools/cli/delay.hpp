// `--delay S|MIN-MAX`, as `outreach run` and `outbox work` take it: seconds
// (fractions allowed, 0..86400) between two sends, fixed or a random range.
#pragma once

#include "context.hpp"

#include <chrono>
#include <cmath>
#include <exception>
#include <string>
#include <utility>

namespace getxapi::cli {

/// One `--delay` bound in seconds; UsageError for anything else.
inline std::chrono::milliseconds parse_delay_seconds(std::string const& text) {
  std::size_t used = 0;
  double value = -1;
  try {
    value = std::stod(text, &used);
  } catch (std::exception const&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || !(value >= 0) || !std::isfinite(value) ||
      value > 86400) {
    throw UsageError("--delay: expected seconds (e.g. 3 or 2-5), got \"" + text + "\"");
  }
  return std::chrono::milliseconds(std::llround(value * 1000.0));
}

/// `S` (min = max = S) or `MIN-MAX` (MIN not above MAX).
inline std::pair<std::chrono::milliseconds, std::chrono::milliseconds> parse_delay(
    std::string const& text) {
  auto const dash = text.find('-', 1);
  if (dash == std::string::npos) {
    auto const fixed = parse_delay_seconds(text);
    return {fixed, fixed};
  }
  auto const min = parse_delay_seconds(text.substr(0, dash));
  auto const max = parse_delay_seconds(text.substr(dash + 1));
  if (max < min) throw UsageError("--delay MIN-MAX: MIN is above MAX");
  return {min, max};
}

}  // namespace getxapi::cli
