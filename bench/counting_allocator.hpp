// A global operator new that counts, so benchmarks can report allocations
// per operation. Defined in its own translation unit: inlined into the
// benchmarks, GCC 12 mistakes the malloc/free pairing for a mismatch.
#pragma once

namespace getxapi::bench {

/// Heap allocations (every form of operator new) since the program started.
long allocations() noexcept;

}  // namespace getxapi::bench
