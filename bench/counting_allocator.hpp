// A global operator new that counts, so benchmarks can report allocations
// per operation and the heap's high-water mark. Defined in its own
// translation unit: inlined into the benchmarks, GCC 12 mistakes the
// malloc/free pairing for a mismatch. Also linked into the memory regression
// test (tests/unit/decode_memory_test.cpp).
#pragma once

#include <cstddef>

namespace getxapi::bench {

/// Heap allocations (every form of operator new) since the program started.
long allocations() noexcept;

/// Heap bytes held through operator new right now: glibc's chunk sizes
/// (malloc_usable_size plus its 8-byte header), so the figure is what malloc
/// really spends, not what was asked for.
std::size_t live_bytes() noexcept;
/// The most `live_bytes()` has been since the last `reset_peak()`.
std::size_t peak_bytes() noexcept;
/// Starts a new high-water mark at the current `live_bytes()`.
void reset_peak() noexcept;

}  // namespace getxapi::bench
