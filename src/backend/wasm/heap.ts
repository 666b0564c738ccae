// Block allocator over a range of wasm linear memory, so tensor buffers and kernel scratch can live
// where the kernels run. Platform-neutral; addresses are byte offsets, blocks are 64-byte aligned.

/** Block granularity: a cache line, so threads writing neighbouring blocks never share one (and f32x4 loads stay aligned). */
export const BLOCK = 64;
const PAGE = 65536;
/** Grow by at least this fraction of the current size, so a run of allocations grows memory O(log n) times. */
const GROWTH = 0.25;

const roundUp = (x: number, to: number): number => Math.ceil(x / to) * to;

/**
 * Free lists of exact (rounded) block sizes plus a bump pointer that grows memory on demand. A
 * training step allocates the same few sizes over and over, so exact-size reuse serves nearly all
 * requests in O(1); when memory cannot grow any more, the free blocks are coalesced and searched
 * first-fit before giving up.
 */
export class WasmHeap {
  private readonly free = new Map<number, number[]>();
  private readonly sizes = new Map<number, number>();
  private top: number;
  private freeBytes = 0;
  /** Set when a request found nothing: later ones fail fast until a block is released. */
  private exhausted = false;

  /**
   * Blocks start at base (a multiple of BLOCK) and end below maxBytes; onGrow runs after every
   * growth of memory (whose old ArrayBuffer is detached, or whose SharedArrayBuffer is short).
   */
  constructor(private readonly memory: WebAssembly.Memory, base: number, private readonly maxBytes: number, private readonly onGrow: () => void) {
    this.top = roundUp(base, BLOCK);
  }

  /** Bytes handed out and not yet freed. */
  get usedBytes(): number {
    return this.top - this.freeBytes;
  }

  /** The byte address of a new block of at least `bytes` bytes (contents arbitrary), or -1 when memory is exhausted. */
  alloc(bytes: number): number {
    const size = roundUp(Math.max(bytes, 1), BLOCK);
    const list = this.free.get(size);
    if (list !== undefined && list.length > 0) {
      this.freeBytes -= size;
      return this.handOut(list.pop()!, size);
    }
    if (this.exhausted) return -1;
    if (this.reach(this.top + size)) {
      const addr = this.top;
      this.top += size;
      return this.handOut(addr, size);
    }
    return this.firstFit(size);
  }

  /** Return a block from alloc; later allocations may reuse it at once. */
  release(addr: number): void {
    const size = this.sizes.get(addr);
    if (size === undefined) throw new Error(`wasm heap: release of ${addr}, which is not an allocated block`);
    this.sizes.delete(addr);
    this.freeBytes += size;
    this.exhausted = false;
    const list = this.free.get(size);
    if (list) list.push(addr);
    else this.free.set(size, [addr]);
  }

  private handOut(addr: number, size: number): number {
    this.sizes.set(addr, size);
    return addr;
  }

  /** Whether memory reaches `end` bytes, growing it (by ≥ GROWTH of its size) if need be. */
  reach(end: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return true;
    if (end > this.maxBytes) return false;
    const want = Math.min(this.maxBytes, Math.max(end, have * (1 + GROWTH)));
    for (const target of [want, end]) {
      try {
        this.memory.grow(Math.ceil((target - have) / PAGE));
        this.onGrow();
        return true;
      } catch {
        // The engine may refuse a large reservation yet grant a smaller one.
      }
    }
    return false;
  }

  /** Merge adjacent free blocks (and free space at the top back into the bump range), then take the first that fits. */
  private firstFit(size: number): number {
    const blocks: [number, number][] = [];
    for (const [s, list] of this.free) for (const a of list) blocks.push([a, s]);
    blocks.sort((x, y) => x[0] - y[0]);
    this.free.clear();
    const merged: [number, number][] = [];
    for (const [a, s] of blocks) {
      const last = merged[merged.length - 1];
      if (last && last[0] + last[1] === a) last[1] += s;
      else merged.push([a, s]);
    }
    const tail = merged[merged.length - 1];
    if (tail && tail[0] + tail[1] === this.top) {
      this.top = tail[0];
      this.freeBytes -= tail[1];
      merged.pop();
    }
    let found = -1;
    for (const block of merged) {
      const [a, s] = block;
      if (found < 0 && s >= size) {
        found = a;
        this.freeBytes -= size;
        if (s === size) continue;
        block[0] = a + size;
        block[1] = s - size;
      }
      const list = this.free.get(block[1]);
      if (list) list.push(block[0]);
      else this.free.set(block[1], [block[0]]);
    }
    if (found >= 0) return this.handOut(found, size);
    if (this.reach(this.top + size)) {
      const addr = this.top;
      this.top += size;
      return this.handOut(addr, size);
    }
    this.exhausted = true;
    return -1;
  }
}
