// Memory on transparent huge pages for tensor buffers. A training step of the reference VAE
// streams about 15 MB (weights, Adam's moments, gradients, activations) through the TLB; on 4 KB
// pages that is ~3,800 of them, more than Zen 4's 3,072-entry L2 TLB; on 2 MB pages, eight.
// Measured on its native epoch (Zen 4, 12 alternating runs each way): median 1.26 s against 1.43
// on ordinary memory, 10th percentile 1.11 against 1.18.
// malloc's blocks of that size are mmap'd one by one, 4 KB-aligned, and (THP being "madvise" on
// Debian) never on huge pages. Here, blocks are carved from 2 MB-aligned regions marked
// MADV_HUGEPAGE; a returned block waits on a free list of its size, since a training step asks
// for the same sizes every time (the JS pool above recycles most buffers before they get here).
// Regions are never unmapped: like the JS pool, the arena keeps what the step needs, up to a bound.
#include "arena.h"

#include <sys/mman.h>

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace elbo {
namespace {

constexpr size_t kHuge = size_t(2) << 20;
// Regions the blocks are carved from, and the largest block (a region's unused tail, lost when
// the next region is mapped, stays under a quarter of it).
constexpr size_t kRegion = size_t(32) << 20;
constexpr size_t kMaxBlock = kRegion / 4;
// Regions mapped, at most; past this, arenaTake declines unless a freed block of the size waits,
// and the caller allocates ordinary memory. It bounds what the free lists can hold, and what a
// synchronous loop can: Node frees a dropped external ArrayBuffer only when its event loop next
// turns, so such a loop holds every block it dropped until it ends.
constexpr size_t kMaxMapped = size_t(256) << 20;

size_t roundUp(size_t x, size_t to) { return (x + to - 1) / to * to; }

// kRegion bytes of fresh pages at a 2 MB boundary, advised onto huge pages.
char* mapRegion() {
  void* raw = mmap(nullptr, kRegion + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t lo = reinterpret_cast<uintptr_t>(raw), at = roundUp(lo, kHuge);
  if (at > lo) munmap(raw, at - lo);
  if (lo + kHuge > at) munmap(reinterpret_cast<void*>(at + kRegion), lo + kHuge - at);
#ifdef MADV_HUGEPAGE
  // Only advice: where THP is off the pages stay 4 KB and everything still works.
  madvise(reinterpret_cast<void*>(at), kRegion, MADV_HUGEPAGE);
#endif
  return reinterpret_cast<char*>(at);
}

struct Arena {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free;
  char* next = nullptr;
  size_t left = 0;
  size_t mapped = 0;
};

Arena& arena() {
  // Leaked on purpose: blocks may be given back by finalizers after static destructors ran.
  static Arena* a = new Arena();
  return *a;
}

}  // namespace

void* arenaTake(size_t bytes) {
  bytes = roundUp(bytes, 64);
  if (bytes > kMaxBlock) return nullptr;
  Arena& a = arena();
  std::lock_guard<std::mutex> lk(a.mu);
  auto it = a.free.find(bytes);
  if (it != a.free.end() && !it->second.empty()) {
    void* block = it->second.back();
    it->second.pop_back();
    return block;
  }
  if (a.left < bytes) {
    char* region = a.mapped + kRegion <= kMaxMapped ? mapRegion() : nullptr;
    if (!region) return nullptr;
    a.mapped += kRegion;
    a.next = region;
    a.left = kRegion;
  }
  void* block = a.next;
  a.next += bytes;
  a.left -= bytes;
  return block;
}

void arenaGive(void* block, size_t bytes) {
  bytes = roundUp(bytes, 64);
  Arena& a = arena();
  std::lock_guard<std::mutex> lk(a.mu);
  a.free[bytes].push_back(block);
}

}  // namespace elbo
