// Memory on transparent huge pages for tensor buffers (arena.cc).
#pragma once

#include <cstddef>

namespace elbo {

// A 64-byte-aligned block of at least `bytes` (> 0) on huge pages, or nullptr when the block
// would be over 8 MB, when it would need more than the 256 MB of regions the arena maps at most,
// or when the system has no memory left.
// Contents arbitrary. Any thread.
void* arenaTake(size_t bytes);

// Returns a block from arenaTake with the same `bytes`. Any thread.
void arenaGive(void* block, size_t bytes);

}  // namespace elbo
