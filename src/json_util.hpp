// Guards for parsing bodies we do not control.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string_view>

namespace getxapi::internal {

/// Deeper documents are refused while parsing: nothing GetXAPI sends nests
/// past a handful of levels, and printing or walking a deeper one recursively
/// could exhaust the stack.
inline constexpr std::size_t kMaxJsonDepth = 64;

/// Peak memory one response may cost, as a multiple of its body's size
/// (docs/performance.md): while it is parsed, the body plus the JSON document;
/// then the document plus what is decoded from it (a page's structs), the
/// body having been released (`consume_user_page`). Small bodies get
/// kDecodeMemoryFloor instead, since a factor means nothing for a 300-byte
/// answer. A real page of compact user objects costs about 7x (a nlohmann
/// DOM alone takes ~6x: a tree node per member, a heap string per string
/// value); a hostile body of tiny values (`[{},{},...]`, 300,000 one-field
/// users) would cost 20-30x and is refused instead (kInvalidResponse).
inline constexpr std::size_t kResponseMemoryFactor = 8;
inline constexpr std::size_t kDecodeMemoryFloor = std::size_t{16} * 1024 * 1024;

/// What the decoded form of a `body_size`-byte body may take: the document
/// and the structs decoded from it, the body not included.
inline std::size_t decode_memory_budget(std::size_t body_size) noexcept {
  return body_size > kDecodeMemoryFloor / kResponseMemoryFactor ? body_size * kResponseMemoryFactor
                                                                : kDecodeMemoryFloor;
}
/// What the document may take while the body is alive next to it.
inline std::size_t parse_memory_budget(std::size_t body_size) noexcept {
  auto const total = decode_memory_budget(body_size);
  return total > kDecodeMemoryFloor ? total - body_size : total;
}

/// Heap bytes malloc spends on an allocation of `size` bytes (glibc on 64-bit:
/// an 8-byte header, 16-byte granules, 32 bytes at least).
constexpr std::size_t heap_chunk(std::size_t size) noexcept {
  return size <= 24 ? 32 : (size + 8 + 15) & ~std::size_t{15};
}
/// Heap bytes of a std::string of `length` characters built to fit (short
/// strings live inside the object).
constexpr std::size_t string_heap(std::size_t length) noexcept {
  return length < 16 ? 0 : heap_chunk(length + 1);
}

/// Why `parse_json` gave up.
enum class JsonFailure {
  kNone,
  kSyntax,        ///< not JSON, invalid UTF-8, trailing bytes
  kTooDeep,       ///< nested past kMaxJsonDepth
  kDuplicateKey,  ///< an object with the same key twice
  kTooLarge,      ///< the document would pass its memory budget
};

/// What `parse_json` found out on the way.
struct JsonParseInfo {
  JsonFailure failure = JsonFailure::kNone;
  /// Heap bytes the document holds (an estimate, by the allocation sizes of
  /// nlohmann's containers and strings): what is left of the budget is
  /// `budget - bytes`.
  std::size_t bytes = 0;
};

/// Parses `body`; a discarded value on a syntax error, too deep nesting,
/// invalid UTF-8, a duplicate key in an object, or a document that would take
/// more than `budget` bytes of heap (it stops before allocating past it).
/// Never throws. `info`, when given, says which and how much was used.
nlohmann::json parse_json(std::string_view body, std::size_t budget, JsonParseInfo* info = nullptr);
/// The same with `parse_memory_budget(body.size())`.
nlohmann::json parse_json(std::string_view body, JsonParseInfo* info = nullptr);

/// Frees `doc`'s contents one element at a time (recursively: depth is
/// capped). nlohmann's own destructor first moves every child of a container
/// into one flat vector, which for a big array costs up to 3x its slots more
/// memory on the way out: too much for a document already at its budget.
void release_json(nlohmann::json& doc) noexcept;

}  // namespace getxapi::internal
