#include "counting_allocator.hpp"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
// Relaxed: only the totals matter, and they are read between operations.
std::atomic<long> g_allocations{0};
std::atomic<std::size_t> g_live{0};
std::atomic<std::size_t> g_peak{0};

std::size_t chunk(void* p) noexcept { return malloc_usable_size(p) + sizeof(std::size_t); }

void* counted(std::size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) return nullptr;
  std::size_t const live = g_live.fetch_add(chunk(p), std::memory_order_relaxed) + chunk(p);
  std::size_t peak = g_peak.load(std::memory_order_relaxed);
  while (live > peak && !g_peak.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
  return p;
}

void release(void* p) noexcept {
  if (p == nullptr) return;
  g_live.fetch_sub(chunk(p), std::memory_order_relaxed);
  std::free(p);
}
}  // namespace

long getxapi::bench::allocations() noexcept {
  return g_allocations.load(std::memory_order_relaxed);
}
std::size_t getxapi::bench::live_bytes() noexcept { return g_live.load(std::memory_order_relaxed); }
std::size_t getxapi::bench::peak_bytes() noexcept { return g_peak.load(std::memory_order_relaxed); }
void getxapi::bench::reset_peak() noexcept {
  g_peak.store(g_live.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

void* operator new(std::size_t size) {
  if (void* p = counted(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = counted(size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, std::nothrow_t const&) noexcept { return counted(size); }
void* operator new[](std::size_t size, std::nothrow_t const&) noexcept { return counted(size); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
