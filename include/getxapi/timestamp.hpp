/// @file
/// Timestamps as GetXAPI sends them, in both of its formats.
#pragma once

#include <getxapi/export.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace getxapi {

/// A point in UTC, millisecond precision on the wire.
using Timestamp = std::chrono::system_clock::time_point;

/// Parses either of GetXAPI's formats: ISO 8601 (`2021-01-01T23:45:21.000000Z`,
/// `2026-03-02T10:11:12.345Z`, with `Z` or a `+hh:mm` offset) or Twitter's
/// (`Tue Dec 02 04:25:09 +0000 2025`). nullopt when it is neither.
GETXAPI_EXPORT std::optional<Timestamp> parse_timestamp(std::string_view text);

/// `2026-03-02T10:11:12.345Z`.
GETXAPI_EXPORT std::string format_timestamp(Timestamp t);

}  // namespace getxapi
