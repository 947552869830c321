// Guards for parsing bodies we do not control.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string_view>

namespace getxapi::internal {

/// Deeper documents are refused before parsing: nothing GetXAPI sends nests
/// past a handful of levels, and printing or walking a deeper one recursively
/// could exhaust the stack.
inline constexpr std::size_t kMaxJsonDepth = 64;

/// True when `body` nests arrays/objects deeper than `limit` (strings skipped).
bool json_too_deep(std::string_view body, std::size_t limit = kMaxJsonDepth) noexcept;

/// Parses `body`; a discarded value on a syntax error, too deep nesting,
/// invalid UTF-8 or a duplicate key in an object. Never throws.
nlohmann::json parse_json(std::string_view body);

}  // namespace getxapi::internal
