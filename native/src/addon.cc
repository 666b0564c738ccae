// N-API entry points of the native backend: argument checking, runtime ISA
// dispatch, a small persistent thread pool that splits C between cores, and the
// elementwise kernels' broadcasting / strided-copy drivers (ISA-independent).
// Typed arrays are read in place (napi_get_typedarray_info), never copied.
#include <node_api.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <array>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <vector>

#include "arena.h"
#include "elementwise.h"
#include "gemm.h"

namespace elbo {
namespace {

// Below this many multiply-adds (~10 µs on one core) a second thread costs
// more than it saves: waking a sleeping worker alone takes tens of µs.
constexpr double kParallelMinMacs = 128.0 * 128.0 * 32.0;
// Nor below this depth: with k = 20 (the VAE's latent layers) a register tile does
// 20 FMA steps between loading and storing C, and two threads took 2–3× longer
// than one (41–60 µs against 20 for 128×20·20×400).
constexpr long kParallelMinK = 32;
// Work units per thread: more balance the load when a core is busy elsewhere;
// each unit costs a few edge tiles and one pass over its own operand slice.
constexpr int kChunksPerThread = 4;
// How long an idle worker spins before sleeping: a training step issues GEMMs
// back to back, and a futex wake-up costs tens of microseconds.
constexpr auto kSpin = std::chrono::microseconds(200);
// How long the calling thread spins for straggling workers before sleeping: a
// GEMM chunk lasts up to ~100 µs, and sleeping adds a futex wake-up to the call.
constexpr auto kWaitSpin = std::chrono::microseconds(200);
// A shared packed operand larger than this is freed after its call.
constexpr size_t kKeepSharedBytes = size_t(16) << 20;

// Thrown by argument checks; entry() turns it into a JS error.
struct ArgError {
  std::string message;
  bool range;
};

const KernelSet& kernels() {
  static const KernelSet ks = [] {
    __builtin_cpu_init();
    // ELBO_NATIVE_ISA=avx2|scalar caps the choice, so tests can cover the fallbacks.
    const char* env = std::getenv("ELBO_NATIVE_ISA");
    const std::string cap = env ? env : "";
    const bool allow512 = cap.empty() || cap == "avx512", allow2 = allow512 || cap == "avx2";
    if (allow512 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) return kernelsAvx512();
    if (allow2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return kernelsAvx2();
    return kernelsScalar();
  }();
  return ks;
}

// Per-OS-thread scratch, 64-byte aligned for full-width loads: slot 0 holds a
// thread's packed panels, slot 1 the calling thread's shared packed operand, slot 2
// a transposed product (gemm), slot 3 the shared zero-skipping lists of A.
// bytes = 0 frees the slot.
void* scratch(size_t bytes, int slot = 0) {
  thread_local void* buf[4] = {nullptr, nullptr, nullptr, nullptr};
  thread_local size_t cap[4] = {0, 0, 0, 0};
  if (bytes == 0) {
    std::free(buf[slot]);
    buf[slot] = nullptr;
    cap[slot] = 0;
  } else if (cap[slot] < bytes) {
    std::free(buf[slot]);
    buf[slot] = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    cap[slot] = buf[slot] ? bytes : 0;
  }
  return buf[slot];
}

// Runs task(chunk, thread) for every chunk in [0, chunks): threads claim chunks
// one at a time, the calling thread (thread 0) included. The caller only waits
// for chunks already claimed, so a worker that the OS has not scheduled (the
// machine may be shared) never delays a call: the caller then does its share.
// Calls from a second JS thread while one is running fall back to serial.
class Pool {
 public:
  using Task = std::function<void(int chunk, int thread)>;

  explicit Pool(int size) : size_(1) {
    for (int id = 1; id < size; ++id) {
      try {
        std::thread([this, id] { loop(id); }).detach();
      } catch (const std::system_error&) {
        break;  // Thread limit reached: run with the workers we have.
      }
      size_ = id + 1;
    }
  }
  int size() const { return size_; }
  bool tryAcquire() { return busy_.try_lock(); }
  void release() { busy_.unlock(); }

  // Scratch of `bytes` for each worker (thread ≥ 1), held between calls; the
  // calling thread uses its own thread_local scratch. False when out of memory.
  bool reserveWorkerScratch(size_t bytes) {
    for (int id = 1; id < size_; ++id) {
      if (workerCap_[id] >= bytes) continue;
      std::free(workerBuf_[id]);
      workerBuf_[id] = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
      workerCap_[id] = workerBuf_[id] ? bytes : 0;
      if (!workerBuf_[id]) return false;
    }
    return true;
  }
  void* workerScratch(int id) const { return workerBuf_[id]; }

  // Must hold tryAcquire(); chunks < 2^16.
  void run(int chunks, const Task& task) {
    start(chunks, task);
    finish(chunks);
  }

  // run() in two halves: start hands the chunks to the workers and returns at once; finish (on
  // the same thread, task still alive, nothing else run on the pool in between) does the chunks
  // still unclaimed and waits for the rest.
  void start(int chunks, const Task& task) {
    task_.store(&task, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    const uint64_t gen = (ticket_.load(std::memory_order_relaxed) >> 32) + 1;
    {
      std::lock_guard<std::mutex> lk(mu_);
      ticket_.store(gen << 32 | uint64_t(chunks) << 16, std::memory_order_release);
    }
    cv_.notify_all();
  }

  void finish(int chunks) {
    const uint64_t gen = ticket_.load(std::memory_order_relaxed) >> 32;
    claimAll(static_cast<uint32_t>(gen), 0);
    // Spin a little (claimed chunks usually finish within microseconds), then
    // sleep so a descheduled worker's core is not taxed by our waiting.
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; done_.load(std::memory_order_acquire) < chunks; ++i) {
      relax(i);
      if ((i & 63) == 63 && std::chrono::steady_clock::now() - start > kWaitSpin) {
        std::unique_lock<std::mutex> lk(doneMu_);
        doneCv_.wait(lk, [&] { return done_.load(std::memory_order_acquire) >= chunks; });
      }
    }
  }

 private:
  // Pause briefly, then yield: when another process holds the other core, the
  // waiting thread shares a core with the one it waits for and must give it up.
  static void relax(int i) {
    if (i < 64)
      __builtin_ia32_pause();
    else
      std::this_thread::yield();
  }

  // ticket_ = generation (32 bits) | chunks (16) | next unclaimed chunk (16), so
  // one compare-and-swap claims a chunk of the generation it was read in, and a
  // worker waking late cannot claim into a later call.
  void claimAll(uint32_t gen, int thread) {
    uint64_t t = ticket_.load(std::memory_order_acquire);
    for (;;) {
      const uint64_t next = t & 0xffff, chunks = (t >> 16) & 0xffff;
      if ((t >> 32) != gen || next >= chunks) return;
      if (!ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      // The call cannot return before this chunk is done, so its task is still alive.
      (*task_.load(std::memory_order_relaxed))(static_cast<int>(next), thread);
      if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == static_cast<int>(chunks)) {
        std::lock_guard<std::mutex> lk(doneMu_);
        doneCv_.notify_one();
      }
      t = ticket_.load(std::memory_order_acquire);
    }
  }

  void loop(int id) {
    uint64_t seen = 0;
    for (;;) {
      uint64_t g = ticket_.load(std::memory_order_acquire) >> 32;
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; g == seen; ++i) {
        relax(i);
        if (std::chrono::steady_clock::now() - start > kSpin) {
          std::unique_lock<std::mutex> lk(mu_);
          cv_.wait(lk, [&] { return (ticket_.load(std::memory_order_acquire) >> 32) != seen; });
        }
        g = ticket_.load(std::memory_order_acquire) >> 32;
      }
      seen = g;
      claimAll(static_cast<uint32_t>(g), id);
    }
  }

  static constexpr int kMaxThreads = 64;
  int size_;
  std::mutex busy_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::mutex doneMu_;
  std::condition_variable doneCv_;
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int> done_{0};
  std::atomic<const Task*> task_{nullptr};
  void* workerBuf_[kMaxThreads] = {};
  size_t workerCap_[kMaxThreads] = {};
};

int poolSize() {
  int n = static_cast<int>(std::thread::hardware_concurrency());
  if (const char* env = std::getenv("ELBO_NUM_THREADS")) n = std::atoi(env);
  return n < 1 ? 1 : n > 64 ? 64 : n;
}

// Leaked on purpose: workers are detached and must outlive static destructors.
Pool& pool() {
  static Pool* p = new Pool(poolSize());
  return *p;
}

// Split [0, total) into `parts` runs of whole tiles (the last tile may be partial).
void splitRange(long total, long tile, int parts, int index, long* begin, long* end) {
  const long tiles = (total + tile - 1) / tile;
  const long lo = tiles * index / parts, hi = tiles * (index + 1) / parts;
  *begin = lo * tile < total ? lo * tile : total;
  *end = hi * tile < total ? hi * tile : total;
}

// Whether `chunks` chunks of a product of `macs` multiply-adds go over the pool:
// then it is taken, with workBytes of scratch reserved on each worker, and the
// caller releases it.
bool takePool(Pool& p, int chunks, double macs, size_t workBytes) {
  if (chunks < 2 || macs < kParallelMinMacs || !p.tryAcquire()) return false;
  if (p.reserveWorkerScratch(workBytes)) return true;
  p.release();
  return false;
}

// Chunk t of `chunks` of C = op(A)·op(B) split by rows, in whole mr-row tiles.
template <typename T>
GemmArgs<T> rowChunk(const GemmArgs<T>& g, long mr, int chunks, int t) {
  GemmArgs<T> s = g;
  long lo, hi;
  splitRange(g.m, mr, chunks, t, &lo, &hi);
  s.m = hi - lo;
  s.a += g.transA ? lo : lo * g.lda;
  s.c += lo * g.ldc;
  return s;
}

template <typename T>
void gemmParallel(const GemmKernel<T>& kern, const GemmArgs<T>& g) {
  const size_t workBytes = kern.workElems * sizeof(T);
  T* const work = static_cast<T*>(scratch(workBytes));
  if (!work) throw ArgError{"gemm: out of memory for packing buffers", false};
  Pool& p = pool();
  const double macs = static_cast<double>(g.m) * g.n * g.k;
  const long tilesM = (g.m + kern.mr - 1) / kern.mr, tilesN = (g.n + kern.nr - 1) / kern.nr;
  int threads = p.size();
  if (threads > tilesM && threads > tilesN) threads = static_cast<int>(tilesM > tilesN ? tilesM : tilesN);
  if (g.k < kParallelMinK || !takePool(p, threads, macs, workBytes)) return kern.run(g, work, nullptr, nullptr, nullptr);
  // Every chunk reads all of the operand it shares with the others (A when
  // splitting n, B when splitting m): pack it once here, unless the kernel reads
  // it in place, and pick the split whose shared operand is the smaller. If that
  // buffer cannot be had, each chunk packs its own copy as in the serial case.
  // NOTE: an A read in place transposed (TN, the weight gradients) is split by rows whenever
  // there are rows enough for every chunk: split by columns, each chunk reloads all of A's
  // panels, one cache line per k step, for a few tiles each (measured 116 against 206 GFLOPS
  // for (128×400)ᵀ·128×784).
  const bool rowsForAll = tilesM >= static_cast<long>(threads) * kChunksPerThread;
  const bool splitN =
      tilesM < threads || (tilesN >= threads && g.m <= g.n && !(g.transA && kern.inPlaceA(g) && rowsForAll));
  const bool inPlace = splitN ? kern.inPlaceA(g) : kern.inPlaceB(g);
  const size_t sharedElems = inPlace ? 0 : static_cast<size_t>(splitN ? (tilesM * kern.mr) : (tilesN * kern.nr)) * g.k;
  T* const shared = inPlace ? nullptr : static_cast<T*>(scratch(sharedElems * sizeof(T), 1));
  if (shared) (splitN ? kern.packAllA : kern.packAllB)(g, shared);
  const T* const packedA = splitN ? shared : nullptr;
  const T* const packedB = splitN ? nullptr : shared;
  // Column chunks all read the whole of A: its zero-skipping lists are made once, here.
  const size_t listInts = splitN && !shared ? kern.aListInts(g) : 0;
  int* const aLists = listInts ? static_cast<int*>(scratch(listInts * sizeof(int), 3)) : nullptr;
  if (aLists) kern.scanAllA(g, aLists);
  // Chunks are claimed dynamically, so a worker that the OS deschedules delays
  // the call by at most the chunk it holds.
  const long tiles = splitN ? tilesN : tilesM;
  const int chunks = static_cast<int>(tiles < threads * kChunksPerThread ? tiles : threads * kChunksPerThread);
  p.run(chunks, [&](int t, int id) {
    T* const mine = id == 0 ? work : static_cast<T*>(p.workerScratch(id));
    GemmArgs<T> s = splitN ? g : rowChunk(g, kern.mr, chunks, t);
    if (splitN) {
      long lo, hi;
      splitRange(g.n, kern.nr, chunks, t, &lo, &hi);
      s.n = hi - lo;
      s.b += g.transB ? lo * g.ldb : lo;
      s.c += lo;
    }
    if (s.m > 0 && s.n > 0) kern.run(s, mine, packedA, packedB, aLists);
  });
  p.release();
  // Keep a typical layer's shared operand for the next call, not a one-off giant.
  if (sharedElems * sizeof(T) > kKeepSharedBytes) scratch(0, 1);
}

// Below this many columns a product that is not a whole number of register
// tiles wide may be computed transposed (see gemm).
constexpr long kTransposeMaxN = 64;

const ElemKernels& elemKernels();

template <typename T>
const ElemKernelsT<T>& elemKernelsFor();
template <>
const ElemKernelsT<float>& elemKernelsFor<float>() { return elemKernels().f32; }
template <>
const ElemKernelsT<double>& elemKernelsFor<double>() { return elemKernels().f64; }

// The column and row kernels pay on an operand whose zeros, sampled at kZeroProbes
// spread elements, reach kZeroHits (≈ 60%; see colsPay and rowsPay).
constexpr int kZeroProbes = 64;
constexpr int kZeroHits = 38;

// Whether the rows×cols matrix x (row stride ld) looks that sparse. Sample s is at a
// row and a column from the low and high bits of a Fibonacci hash of s, taken the
// other way round when not rowFromLow.
template <typename T>
bool looksSparse(const T* x, long ld, long rows, long cols, bool rowFromLow) {
  int hits = 0;
  for (int s = 0; s < kZeroProbes; ++s) {
    const uint32_t lo = static_cast<uint32_t>(s) * 0x9e3779b1u, hi = lo >> 7;
    const long r = (rowFromLow ? lo : hi) % static_cast<uint32_t>(rows);
    const long c = (rowFromLow ? hi : lo) % static_cast<uint32_t>(cols);
    hits += x[r * ld + c] == T(0);
  }
  return hits >= kZeroHits;
}

// Whether the column kernel takes C = Aᵀ·B: B looks sparse (on Zen 5 the column
// kernel took 0.74–0.83× the 8×32 tile's time on one thread on MNIST's gᵀ·x, and
// lost at the ReLU outputs' 44%).

template <typename T>
bool colsPay(const GemmKernel<T>& kern, const GemmArgs<T>& g) {
  if (!kern.cols || !g.transA || g.transB || g.k > kern.colsMaxK || g.m % kern.colsAlign != 0 ||
      g.n % kern.colsAlign != 0 || static_cast<double>(g.k) * g.lda >= 2147483647.0)
    return false;
  return looksSparse(g.b, g.ldb, g.k, g.n, true);
}

// C = Aᵀ·B by the column kernel, in chunks of whole colsAlign columns over the pool.
template <typename T>
void gemmCols(const GemmKernel<T>& kern, const GemmArgs<T>& g0) {
  T* const work = static_cast<T*>(scratch(kern.workElems * sizeof(T)));
  if (!work) throw ArgError{"gemm: out of memory for packing buffers", false};
  // A as contiguous 64-byte-aligned rows, copied there unless it is already: each
  // of the kernel's vector loads of A feeds one FMA, and a load across two cache
  // lines costs two (measured 87 against 139 GFLOPS).
  GemmArgs<T> g = g0;
  if (g0.lda != g0.m || (g0.m * sizeof(T)) % 64 != 0 || reinterpret_cast<uintptr_t>(g0.a) % 64 != 0) {
    T* const packed = static_cast<T*>(scratch(static_cast<size_t>(g0.k) * g0.m * sizeof(T), 1));
    if (!packed) throw ArgError{"gemm: out of memory for packing buffers", false};
    for (long p = 0; p < g0.k; ++p) std::memcpy(packed + p * g0.m, g0.a + p * g0.lda, sizeof(T) * g0.m);
    g.a = packed;
    g.lda = g.m;
  }
  // A ±0 of B may be left out only where A is finite (0·NaN and 0·∞ are NaN).
  const bool finite = !elemKernelsFor<T>().nonFinite(g.a, g.k * g.m);
  Pool& p = pool();
  const long units = g.n / kern.colsAlign;
  const long most = static_cast<long>(p.size()) * kChunksPerThread;
  const int chunks = static_cast<int>(units < most ? units : most);
  const auto part = [&](int t, T* mine) {
    kern.cols(g, units * t / chunks * kern.colsAlign, units * (t + 1) / chunks * kern.colsAlign, mine, finite);
  };
  if (!takePool(p, chunks, static_cast<double>(g.m) * g.n * g.k, kern.workElems * sizeof(T))) {
    for (int t = 0; t < chunks; ++t) part(t, work);
    return;
  }
  p.run(chunks, [&](int t, int id) { part(t, id == 0 ? work : static_cast<T*>(p.workerScratch(id))); });
  p.release();
}

// Whether the row kernel takes C = A·op(B): A looks sparse, and C is wide enough
// (narrow products go transposed). On Zen 4, for 128×784·(400×784)ᵀ with zeros scattered at random,
// it took 1.0× the tiled kernel's time at 50% zeros, 0.83× at 60%, 0.64× at 70%,
// and 0.8× on an MNIST batch (81%; the tiled kernel skips half its panel steps).
// Below this many rows a B that is not transposed, which the tiled kernel reads in
// place, costs less than packing its strips (m = 1–8 on MNIST: 0.7–0.9× the row
// kernel's time); a transposed B is packed either way.
constexpr long kRowsMinM = 16;

template <typename T>
bool rowsPay(const GemmKernel<T>& kern, const GemmArgs<T>& g) {
  if (!kern.rows || g.transA || (!g.transB && g.m < kRowsMinM) || g.n < kTransposeMaxN || g.k > kern.rowsMaxK ||
      static_cast<double>(g.k) * kern.rowsWidth >= 2147483647.0)
    return false;
  return looksSparse(g.a, g.lda, g.m, g.k, false);
}

// Rows of A listed at once by the row kernel: lists of 1024 rows of k = 784 take 6.4 MB.
constexpr long kRowsGroup = 1024;

// C = A·op(B) by the row kernel, kRowsGroup rows at a time: A's lists made first (by
// halves of the rows on two threads), then strips of rowsWidth columns claimed over
// the pool. A strip whose B is not finite goes through the tile kernel instead.
template <typename T>
void gemmRows(const GemmKernel<T>& kern, const GemmArgs<T>& g0) {
  // The first group is the largest: its lists' buffer serves every group.
  GemmArgs<T> first = g0;
  first.m = std::min(kRowsGroup, g0.m);
  const size_t listBytes = kern.rowsListInts(first) * sizeof(int);
  T* const work = static_cast<T*>(scratch(kern.workElems * sizeof(T)));
  int* const lists = static_cast<int*>(scratch(listBytes, 3));
  if (!work || !lists) throw ArgError{"gemm: out of memory for packing buffers", false};
  Pool& p = pool();
  const int chunks = static_cast<int>((g0.n + kern.rowsWidth - 1) / kern.rowsWidth);
  const bool shared = takePool(p, chunks, static_cast<double>(g0.m) * g0.n * g0.k, kern.workElems * sizeof(T));
  for (long r0 = 0; r0 < g0.m; r0 += kRowsGroup) {
    GemmArgs<T> g = g0;
    g.m = std::min(kRowsGroup, g0.m - r0);
    g.a += r0 * g0.lda;
    g.c += r0 * g0.ldc;
    const auto part = [&](int t, T* mine) {
      const long j0 = t * kern.rowsWidth, j1 = std::min(g.n, j0 + kern.rowsWidth);
      if (kern.rows(g, j0, j1, mine, lists)) return;
      GemmArgs<T> s = g;
      s.n = j1 - j0;
      s.b += g.transB ? j0 * g.ldb : j0;
      s.c += j0;
      kern.run(s, mine, nullptr, nullptr, nullptr);
    };
    if (!shared) {
      kern.rowsScan(g, lists, 0, g.m);
      for (int t = 0; t < chunks; ++t) part(t, work);
      continue;
    }
    const int halves = p.size() < 2 ? 1 : 2;
    p.run(halves, [&](int t, int) { kern.rowsScan(g, lists, g.m * t / halves, g.m * (t + 1) / halves); });
    p.run(chunks, [&](int t, int id) { part(t, id == 0 ? work : static_cast<T*>(p.workerScratch(id))); });
  }
  if (shared) p.release();
  if (listBytes > kKeepSharedBytes) scratch(0, 3);
}

// C = op(A)·op(B) + beta·C. A narrow C whose width is not whole tiles (the VAE's
// latent width 20) wastes most of its last column tile, while edge rows are
// cheap (edge tiles of 8, 4, 2, 1 rows). So when m is whole tiles and n is not,
// compute Cᵀ = op(B)ᵀ·op(A)ᵀ (n×m, no column edge) and add its transpose into C.
template <typename T>
void gemm(const GemmKernel<T>& kern, const GemmArgs<T>& g) {
  const bool sampled = g.m > 0 && g.n > 0 && g.k > 0;  // the zero samples need a nonempty operand
  if (sampled && colsPay(kern, g)) return gemmCols(kern, g);
  if (sampled && rowsPay(kern, g)) return gemmRows(kern, g);
  if (g.n >= kTransposeMaxN || g.n % kern.nr == 0 || g.m % kern.nr != 0 || g.k == 0)
    return gemmParallel(kern, g);
  T* const ct = static_cast<T*>(scratch(static_cast<size_t>(g.m) * g.n * sizeof(T), 2));
  if (!ct) return gemmParallel(kern, g);
  gemmParallel(kern, GemmArgs<T>{!g.transB, !g.transA, g.n, g.m, g.k, g.b, g.ldb, g.a, g.lda, false, ct, g.m});
  for (long i = 0; i < g.m; ++i) {
    T* row = g.c + i * g.ldc;
    for (long j = 0; j < g.n; ++j) row[j] = (g.beta1 ? row[j] : T(0)) + ct[j * g.m + i];
  }
}

// ---- N-API glue ----

// `fn` prefixes messages: "gemm: m must be …".
long getIndex(napi_env env, napi_value v, const char* name, const char* fn = "gemm") {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) throw ArgError{std::string(fn) + ": " + name + " must be a number", false};
  if (!(d >= 0 && d <= 9007199254740991.0) || d != static_cast<double>(static_cast<int64_t>(d)))
    throw ArgError{std::string(fn) + ": " + name + " must be a non-negative integer (got " + std::to_string(d) + ")", true};
  return static_cast<long>(d);
}

bool getBool(napi_env env, napi_value v, const char* name, const char* fn = "gemm") {
  bool b;
  if (napi_get_value_bool(env, v, &b) != napi_ok) throw ArgError{std::string(fn) + ": " + name + " must be a boolean", false};
  return b;
}

struct ArrayView {
  napi_typedarray_type type;
  void* data;
  size_t length;
};

void awaitDeferredOn(const void* data, size_t bytes);

// Every float array an entry point reads or writes comes through here, so an array holding a
// deferred product is complete before any kernel touches it (see gemmPair).
ArrayView getArray(napi_env env, napi_value v, const char* name, const char* fn = "gemm") {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  ArrayView out{};
  if (is) {
    napi_value buffer;
    size_t byteOffset;
    napi_get_typedarray_info(env, v, &out.type, &out.length, &out.data, &buffer, &byteOffset);
  }
  if (!is || (out.type != napi_float32_array && out.type != napi_float64_array))
    throw ArgError{std::string(fn) + ": " + name + " must be a Float32Array or Float64Array", false};
  awaitDeferredOn(out.data, out.length * (out.type == napi_float32_array ? sizeof(float) : sizeof(double)));
  return out;
}

// The stored matrix is rows×cols with row stride ld starting at off.
void checkExtent(const char* fn, const char* name, const ArrayView& arr, long rows, long cols, long off, long ld,
                 const char* ldName) {
  if (rows == 0 || cols == 0) return;
  if (ld < cols)
    throw ArgError{std::string(fn) + ": " + ldName + "=" + std::to_string(ld) + " is less than the " +
                       std::to_string(cols) + " columns of stored " + name,
                   true};
  const unsigned __int128 need = static_cast<unsigned __int128>(off) +
                                 static_cast<unsigned __int128>(rows - 1) * static_cast<unsigned __int128>(ld) + cols;
  if (need > arr.length)
    throw ArgError{std::string(fn) + ": " + name + " is too short for a " + std::to_string(rows) + "×" +
                       std::to_string(cols) + " matrix at offset " + std::to_string(off) + " with " + ldName + "=" +
                       std::to_string(ld) + " (needs " +
                       std::to_string(static_cast<unsigned long long>(off) + (rows - 1) * static_cast<unsigned long long>(ld) + cols) +
                       " elements, has " + std::to_string(arr.length) + ")",
                   true};
}

template <typename T>
GemmArgs<T> makeArgs(bool tA, bool tB, long m, long n, long k, const ArrayView& a, long aOff, long lda,
                     const ArrayView& b, long bOff, long ldb, bool beta1, const ArrayView& c, long cOff, long ldc) {
  return {tA, tB, m, n, k, static_cast<const T*>(a.data) + aOff, lda, static_cast<const T*>(b.data) + bOff, ldb,
          beta1, static_cast<T*>(c.data) + cOff, ldc};
}

// An argument error as the JS exception it names.
void throwJs(napi_env env, const ArgError& e) {
  if (e.range)
    napi_throw_range_error(env, nullptr, e.message.c_str());
  else
    napi_throw_type_error(env, nullptr, e.message.c_str());
}

// Reads exactly `count` arguments into argv.
template <size_t N>
void getArgs(napi_env env, napi_callback_info info, napi_value (&argv)[N], const char* fn) {
  size_t argc = N;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != N) throw ArgError{std::string(fn) + ": expected " + std::to_string(N) + " arguments, got " + std::to_string(argc), false};
}

// An entry point: reads its N arguments and runs body on them; an argument
// error becomes the JS exception it names.
template <size_t N, class F>
napi_value entry(napi_env env, napi_callback_info info, const char* fn, F body) {
  try {
    napi_value argv[N];
    getArgs(env, info, argv, fn);
    body(argv);
  } catch (const ArgError& e) {
    throwJs(env, e);
  }
  return nullptr;
}

// One gemm's arguments, read and checked: its matrices in float32 or float64.
struct GemmCall {
  bool f32;
  GemmArgs<float> s;
  GemmArgs<double> d;
  bool empty() const { return f32 ? s.m == 0 || s.n == 0 : d.m == 0 || d.n == 0; }
  double macs() const { return f32 ? static_cast<double>(s.m) * s.n * s.k : static_cast<double>(d.m) * d.n * d.k; }
};

// The 15 arguments of gemm from argv (see Gemm); `fn` prefixes the messages.
GemmCall readGemm(napi_env env, const napi_value* argv, const char* fn) {
  const bool tA = getBool(env, argv[0], "transA", fn), tB = getBool(env, argv[1], "transB", fn);
  const long m = getIndex(env, argv[2], "m", fn), n = getIndex(env, argv[3], "n", fn), k = getIndex(env, argv[4], "k", fn);
  const ArrayView a = getArray(env, argv[5], "a", fn);
  const long aOff = getIndex(env, argv[6], "aOff", fn), lda = getIndex(env, argv[7], "lda", fn);
  const ArrayView b = getArray(env, argv[8], "b", fn);
  const long bOff = getIndex(env, argv[9], "bOff", fn), ldb = getIndex(env, argv[10], "ldb", fn);
  double beta;
  if (napi_get_value_double(env, argv[11], &beta) != napi_ok || (beta != 0 && beta != 1))
    throw ArgError{std::string(fn) + ": beta must be 0 or 1", true};
  const ArrayView c = getArray(env, argv[12], "c", fn);
  const long cOff = getIndex(env, argv[13], "cOff", fn), ldc = getIndex(env, argv[14], "ldc", fn);
  if (a.type != c.type || b.type != c.type) throw ArgError{std::string(fn) + ": a, b and c must share one dtype", false};
  if (m > 0 && n > 0) {
    if (k > 0) {
      checkExtent(fn, "a", a, tA ? k : m, tA ? m : k, aOff, lda, "lda");
      checkExtent(fn, "b", b, tB ? n : k, tB ? k : n, bOff, ldb, "ldb");
    }
    checkExtent(fn, "c", c, m, n, cOff, ldc, "ldc");
  }
  GemmCall g{c.type == napi_float32_array, {}, {}};
  if (g.f32)
    g.s = makeArgs<float>(tA, tB, m, n, k, a, aOff, lda, b, bOff, ldb, beta == 1, c, cOff, ldc);
  else
    g.d = makeArgs<double>(tA, tB, m, n, k, a, aOff, lda, b, bOff, ldb, beta == 1, c, cOff, ldc);
  return g;
}

void runGemm(const GemmCall& g) {
  if (g.empty()) return;
  const KernelSet& ks = kernels();
  if (g.f32)
    gemm(ks.f32, g.s);
  else
    gemm(ks.f64, g.d);
}

// gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc): see src/backend/backend.ts.
napi_value Gemm(napi_env env, napi_callback_info info) {
  return entry<15>(env, info, "gemm", [&](napi_value(&argv)[15]) { runGemm(readGemm(env, argv, "gemm")); });
}

// ---- A deferred weight gradient ----
// A dense layer's backward needs its input gradient G·W at once (the layer below goes on from it)
// but its weight gradient Gᵀ·x only when the optimizer runs. Between the two, the rest of the
// backward pass (small kernels and the JS between them, for the reference VAE's output layer about
// 0.2 ms) keeps one core and leaves the worker idle. So gemmPair may leave Gᵀ·x to the workers, in
// chunks of rows of C, and return: calls that run meanwhile find the pool taken and go serial on the
// caller; the caller takes the chunks still unclaimed when it waits, which happens as soon as any
// entry point is handed an array overlapping C (getArray), or at sync(). Until then the caller must
// not write A or B (a backward pass writes no op input, and recycles buffers only when it ends,
// after src/autograd/tape.ts calls sync). The packed B is the job's own; a worker packs into its
// own scratch, and the caller's is looked up when it joins, since serial calls in between may
// have grown it. The state is per JS thread: another one finds the pool taken and defers nothing.
struct Deferred {
  bool active = false;
  GemmArgs<float> g{};
  const char* cBegin = nullptr;
  const char* cEnd = nullptr;
  float* packedB = nullptr;
  size_t packedCap = 0;
  Pool::Task task;
};

// Leaked on purpose, as the pool: a worker may run its task up to process exit.
Deferred& deferred() {
  thread_local Deferred* d = new Deferred();
  return *d;
}

// Chunks of a deferred product: small enough that the caller, when it joins, finds some left
// to share (reference VAE, steps alternating with and without deferral in one process: 8
// chunks gained 1–2% a step, 16 chunks 1–3%).
constexpr int kDeferredChunks = 16;

// Whether there was a product of this thread's to wait for.
bool awaitDeferred() {
  Deferred& d = deferred();
  if (!d.active) return false;
  Pool& p = pool();
  p.finish(kDeferredChunks);
  p.release();
  d.active = false;
  return true;
}

void awaitDeferredOn(const void* data, size_t bytes) {
  const Deferred& d = deferred();
  const char* lo = static_cast<const char*>(data);
  if (d.active && lo < d.cEnd && d.cBegin < lo + bytes) awaitDeferred();
}

// Whether C = Aᵀ·B may be deferred: float32, the weight-gradient shape, rows enough for every
// chunk, deep and large enough for the pool, neither kernel for sparse operands, and nothing
// deferred already. (Each chunk packs its own rows of A, if the kernel does not read A in place.)
bool deferrable(const GemmCall& call) {
  const GemmArgs<float>& g = call.s;
  const GemmKernel<float>& kern = kernels().f32;
  return call.f32 && !deferred().active && pool().size() > 1 && g.transA && !g.transB && !g.beta1 &&
         g.k >= kParallelMinK && call.macs() >= kParallelMinMacs && (g.m + kern.mr - 1) / kern.mr >= kDeferredChunks &&
         !colsPay(kern, g) && !rowsPay(kern, g);
}

// Leave a deferrable C = Aᵀ·B to the workers, split by rows of C as gemmParallel splits it;
// false (nothing started) when the pool is busy or memory short.
bool startDeferred(const GemmArgs<float>& g) {
  const GemmKernel<float>& kern = kernels().f32;
  Pool& p = pool();
  Deferred& d = deferred();
  const long tilesN = (g.n + kern.nr - 1) / kern.nr;
  if (!takePool(p, kDeferredChunks, static_cast<double>(g.m) * g.n * g.k, kern.workElems * sizeof(float))) return false;
  const bool inPlace = kern.inPlaceB(g);
  const size_t need = inPlace ? 0 : static_cast<size_t>(tilesN * kern.nr) * g.k;
  if (d.packedCap < need) {
    std::free(d.packedB);
    d.packedB = static_cast<float*>(std::aligned_alloc(64, (need * sizeof(float) + 63) / 64 * 64));
    d.packedCap = d.packedB ? need : 0;
    if (!d.packedB) {
      p.release();
      return false;
    }
  }
  if (!inPlace) kern.packAllB(g, d.packedB);
  d.g = g;
  d.cBegin = reinterpret_cast<const char*>(g.c);
  d.cEnd = reinterpret_cast<const char*>(g.c + (g.m - 1) * g.ldc + g.n);
  d.task = [&d, &kern, inPlace](int t, int id) {
    float* const mine = static_cast<float*>(id == 0 ? scratch(kern.workElems * sizeof(float)) : pool().workerScratch(id));
    const GemmArgs<float> s = rowChunk(d.g, kern.mr, kDeferredChunks, t);
    if (s.m > 0 && s.n > 0) kern.run(s, mine, nullptr, inPlace ? nullptr : d.packedB, nullptr);
  };
  d.active = true;
  p.start(kDeferredChunks, d.task);
  return true;
}

// gemmPair(first's 15 arguments, second's 15, deferSecond): two independent gemms (src/backend/checks.ts has
// checked that neither C overlaps the other's operands). With deferSecond, a second that qualifies
// is deferred (above) once the first is done on every core. Otherwise, on a pool of two threads, when both are
// worth a thread and alike in size (a dense layer's input and weight gradients both take m·in·out
// multiply-adds), each runs one: claimed as chunks, so a descheduled worker leaves its gemm to the
// caller if it has not begun; inside a chunk a gemm runs serially (the pool is taken) on that
// thread's scratch. Measured on the reference VAE's step (native, Zen 4, in-process alternation):
// ≈ 3% faster than splitting each gemm over both threads, which then share packed operands and wait
// on each other's last chunks. Otherwise (other pool sizes, small or lopsided pairs) one by one.
napi_value GemmPair(napi_env env, napi_callback_info info) {
  return entry<31>(env, info, "gemmPair", [&](napi_value(&argv)[31]) {
    const GemmCall g[2] = {readGemm(env, argv, "gemmPair: first"), readGemm(env, argv + 15, "gemmPair: second")};
    if (getBool(env, argv[30], "deferSecond", "gemmPair") && deferrable(g[1])) {
      runGemm(g[0]);
      if (!startDeferred(g[1].s)) runGemm(g[1]);
      return;
    }
    Pool& p = pool();
    const auto [fewer, more] = std::minmax({g[0].macs(), g[1].macs()});  // the list form: values, not references to temporaries
    if (p.size() != 2 || g[0].empty() || g[1].empty() || fewer < kParallelMinMacs || 2 * fewer < more || !p.tryAcquire()) {
      runGemm(g[0]);
      runGemm(g[1]);
      return;
    }
    // An error (out of memory for packing) must not escape a worker thread: it is raised here.
    std::string failed[2];
    p.run(2, [&](int t, int) {
      try {
        runGemm(g[t]);
      } catch (const ArgError& e) {
        failed[t] = e.message;
      }
    });
    p.release();
    for (const std::string& m : failed)
      if (!m.empty()) throw ArgError{m, false};
  });
}

// ---- Elementwise kernels ----

const ElemKernels& elemKernels() {
  static const ElemKernels ek = [] {
    const std::string isa = kernels().isa;
    return isa == "avx512" ? elemKernelsAvx512() : isa == "avx2" ? elemKernelsAvx2() : elemKernelsScalar();
  }();
  return ek;
}

// Elements per chunk from which Adam, bceLogits, normalKl, unary and flat binary
// ops split over the pool (ELBO_ELEM_PARALLEL_MIN overrides; 0 never splits).
// NOTE: a static half-and-half split did not pay on a loaded machine, since a
// descheduled worker stalled the caller; chunks claimed dynamically do not.
long elemParallelMin() {
  static const long v = [] {
    const char* env = std::getenv("ELBO_ELEM_PARALLEL_MIN");
    return env ? std::atol(env) : 16384L;
  }();
  return v;
}

// body(lo, hi) over [0, n), in up to kChunksPerThread runs per pool thread of at
// least elemParallelMin() elements (runs start on 16-element boundaries, i.e.
// cache lines of float32).
template <class F>
void parallelRange(long n, F body) {
  Pool& p = pool();
  const long minPer = elemParallelMin();
  const long most = static_cast<long>(p.size()) * kChunksPerThread;
  const long chunks = minPer <= 0 ? 1 : n / minPer < most ? n / minPer : most;
  if (chunks < 2 || p.size() < 2 || !p.tryAcquire()) return body(0, n);
  const auto bound = [&](long t) { return t == chunks ? n : (n * t / chunks) / 16 * 16; };
  p.run(static_cast<int>(chunks), [&](int t, int) { body(bound(t), bound(t + 1)); });
  p.release();
}

// Shapes and strides arrive packed in one Float64Array ("meta") that the JS
// side reuses, so a call allocates nothing; ranks above this fall back to JS.
constexpr int kMaxRank = 16;

double getNumber(napi_env env, napi_value v, const char* name, const char* fn) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) throw ArgError{std::string(fn) + ": " + name + " must be a number", false};
  return d;
}

int getOp(napi_env env, napi_value v, int count, const char* fn) {
  const double d = getNumber(env, v, "op", fn);
  if (!(d >= 0 && d < count) || d != static_cast<int>(d))
    throw ArgError{std::string(fn) + ": unknown op code " + std::to_string(d), true};
  return static_cast<int>(d);
}

void sameType(const char* fn, std::initializer_list<const ArrayView*> arrays) {
  for (const ArrayView* a : arrays)
    if (a->type != (*arrays.begin())->type) throw ArgError{std::string(fn) + ": arrays must share one dtype", false};
}

// body(kernels, tag) with the float32 or the float64 elementwise kernels, by the
// operands' array type; tag is a null T* that names the element type.
template <class F>
void forDtype(napi_typedarray_type type, F body) {
  if (type == napi_float32_array)
    body(elemKernels().f32, static_cast<float*>(nullptr));
  else
    body(elemKernels().f64, static_cast<double*>(nullptr));
}

// N flat operands of one float type for an elementwise kernel over the length of
// operand `lenFrom`; a shorter operand is a RangeError that names it.
template <size_t N>
std::array<ArrayView, N> flatOperands(napi_env env, const napi_value (&argv)[N], const char* const (&names)[N], size_t lenFrom,
                                      const char* fn) {
  std::array<ArrayView, N> a;
  for (size_t i = 0; i < N; ++i) {
    a[i] = getArray(env, argv[i], names[i], fn);
    if (a[i].type != a[0].type) throw ArgError{std::string(fn) + ": arrays must share one dtype", false};
  }
  const size_t n = a[lenFrom].length;
  for (size_t i = 0; i < N; ++i)
    if (a[i].length < n)
      throw ArgError{std::string(fn) + ": " + names[i] + " has " + std::to_string(a[i].length) + " elements, " + names[lenFrom] + " has " +
                         std::to_string(n), true};
  return a;
}

// meta[from .. from + rank) as integers (shape entries ≥ 0, strides any sign).
void readInts(const char* fn, const ArrayView& meta, int from, int rank, bool nonNegative, long* dst) {
  if (meta.type != napi_float64_array || static_cast<size_t>(from + rank) > meta.length)
    throw ArgError{std::string(fn) + ": meta must be a Float64Array of at least " + std::to_string(from + rank) + " entries", false};
  const double* m = static_cast<const double*>(meta.data) + from;
  for (int d = 0; d < rank; ++d) {
    if (m[d] != static_cast<double>(static_cast<long>(m[d])) || (nonNegative && m[d] < 0))
      throw ArgError{std::string(fn) + ": shape entry " + std::to_string(m[d]) + " is not a valid size", true};
    dst[d] = static_cast<long>(m[d]);
  }
}

int getRank(napi_env env, napi_value v, const char* fn) {
  const long r = getIndex(env, v, "rank", fn);
  if (r > kMaxRank) throw ArgError{std::string(fn) + ": rank " + std::to_string(r) + " exceeds " + std::to_string(kMaxRank), true};
  return static_cast<int>(r);
}

long product(const long* shape, int rank) {
  long p = 1;
  for (int d = 0; d < rank; ++d) p *= shape[d];
  return p;
}

// The iteration space of a broadcast op over K operands, with size-1 axes dropped
// and axes merged wherever every operand walks them as one: [m,n] + [1,n] stays
// 2-D with b's outer stride 0, while same-shape operands become one flat axis.
template <int K>
struct Walk {
  int rank = 0;
  long shape[kMaxRank];
  long stride[K][kMaxRank];

  void push(long size, const long* strides) {
    if (size == 1) return;
    if (rank > 0) {
      bool merge = true;
      for (int k = 0; k < K; ++k) merge = merge && stride[k][rank - 1] == strides[k] * size;
      if (merge) {
        shape[rank - 1] *= size;
        for (int k = 0; k < K; ++k) stride[k][rank - 1] = strides[k];
        return;
      }
    }
    shape[rank] = size;
    for (int k = 0; k < K; ++k) stride[k][rank] = strides[k];
    ++rank;
  }
  // Iterations run over a 1-D inner axis; a scalar op still gets one.
  void finish() {
    if (rank == 0) {
      shape[0] = 1;
      for (int k = 0; k < K; ++k) stride[k][0] = 0;
      rank = 1;
    }
  }
};

// Broadcast strides of K operands onto outShape (all of one rank), checked
// against each operand's length; K operand shapes follow outShape in meta.
template <int K>
Walk<K> broadcastWalk(const char* fn, const ArrayView& meta, int rank, const ArrayView* const* ops, const char* const* names,
                      const ArrayView& out, long* total) {
  long outShape[kMaxRank], shapes[K][kMaxRank], strides[K][kMaxRank];
  readInts(fn, meta, 0, rank, true, outShape);
  for (int k = 0; k < K; ++k) {
    readInts(fn, meta, (k + 1) * rank, rank, true, shapes[k]);
    long acc = 1;
    for (int d = rank - 1; d >= 0; --d) {
      const long s = shapes[k][d];
      if (s != outShape[d] && s != 1)
        throw ArgError{std::string(fn) + ": " + names[k] + " axis " + std::to_string(d) + " has size " + std::to_string(s) +
                           ", which does not broadcast to " + std::to_string(outShape[d]),
                       true};
      strides[k][d] = s == 1 && outShape[d] != 1 ? 0 : acc;
      acc *= s;
    }
    if (static_cast<size_t>(acc) > ops[k]->length)
      throw ArgError{std::string(fn) + ": " + names[k] + " has " + std::to_string(ops[k]->length) + " elements, its shape needs " +
                         std::to_string(acc),
                     true};
  }
  *total = product(outShape, rank);
  if (static_cast<size_t>(*total) != out.length)
    throw ArgError{std::string(fn) + ": out has " + std::to_string(out.length) + " elements, outShape needs " + std::to_string(*total), true};
  Walk<K> w;
  for (int d = 0; d < rank; ++d) {
    long s[K];
    for (int k = 0; k < K; ++k) s[k] = strides[k][d];
    w.push(outShape[d], s);
  }
  w.finish();
  return w;
}

// Calls inner(offsets, outOffset) once per run of the innermost axis, advancing
// the outer axes as an odometer.
template <int K, class F>
void forEachRow(const Walk<K>& w, F inner) {
  const int r = w.rank;
  const long n = w.shape[r - 1];
  long idx[kMaxRank] = {};
  long off[K] = {};
  const long rows = product(w.shape, r - 1);
  for (long row = 0; row < rows; ++row) {
    inner(off, row * n);
    for (int d = r - 2; d >= 0; --d) {
      ++idx[d];
      for (int k = 0; k < K; ++k) off[k] += w.stride[k][d];
      if (idx[d] < w.shape[d]) break;
      for (int k = 0; k < K; ++k) off[k] -= w.stride[k][d] * w.shape[d];
      idx[d] = 0;
    }
  }
}

// unary(op, x, out, p0, p1): out[i] = f(x[i]) for i < x.length.
napi_value Unary(napi_env env, napi_callback_info info) {
  return entry<5>(env, info, "unary", [&](napi_value(&argv)[5]) {
    const int op = getOp(env, argv[0], kUnaryCount, "unary");
    const ArrayView x = getArray(env, argv[1], "x", "unary"), out = getArray(env, argv[2], "out", "unary");
    const double p0 = getNumber(env, argv[3], "p0", "unary"), p1 = getNumber(env, argv[4], "p1", "unary");
    sameType("unary", {&x, &out});
    if (out.length < x.length)
      throw ArgError{"unary: out has " + std::to_string(out.length) + " elements, x has " + std::to_string(x.length), true};
    const long n = static_cast<long>(x.length);
    // Light ops too: a second core doubles the cache bandwidth, and a fresh
    // output's page faults (most of an in-situ call) are taken by both cores.
    forDtype(x.type, [&](const auto& ek, auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      parallelRange(n, [&](long lo, long hi) {
        ek.unary(op, static_cast<const T*>(x.data) + lo, static_cast<T*>(out.data) + lo, hi - lo, p0, p1);
      });
    });
  });
}

template <typename T>
void binaryWalk(const ElemKernelsT<T>& ek, int op, const Walk<2>& w, const ArrayView& a, const ArrayView& b, const ArrayView& out) {
  const T* pa = static_cast<const T*>(a.data);
  const T* pb = static_cast<const T*>(b.data);
  T* po = static_cast<T*>(out.data);
  const long n = w.shape[w.rank - 1], sa = w.stride[0][w.rank - 1], sb = w.stride[1][w.rank - 1];
  // One flat axis (same-shape operands, or one a scalar) splits over the pool as unary ops do.
  if (w.rank == 1)
    return parallelRange(n, [&](long lo, long hi) { ek.binary(op, hi - lo, pa + lo * sa, sa, pb + lo * sb, sb, po + lo); });
  forEachRow(w, [&](const long* off, long o) { ek.binary(op, n, pa + off[0], sa, pb + off[1], sb, po + o); });
}

// binary(op, a, b, out, meta, rank): meta = [outShape, aShape, bShape].
napi_value Binary(napi_env env, napi_callback_info info) {
  return entry<6>(env, info, "binary", [&](napi_value(&argv)[6]) {
    const int op = getOp(env, argv[0], kBinaryCount, "binary");
    const ArrayView a = getArray(env, argv[1], "a", "binary"), b = getArray(env, argv[2], "b", "binary");
    const ArrayView out = getArray(env, argv[3], "out", "binary");
    const ArrayView meta = getArray(env, argv[4], "meta", "binary");
    const int rank = getRank(env, argv[5], "binary");
    sameType("binary", {&a, &b, &out});
    const ArrayView* ops[2] = {&a, &b};
    const char* names[2] = {"a", "b"};
    long total;
    const Walk<2> w = broadcastWalk<2>("binary", meta, rank, ops, names, out, &total);
    if (total == 0) return;
    if (out.type == napi_float32_array)
      binaryWalk(elemKernels().f32, op, w, a, b, out);
    else
      binaryWalk(elemKernels().f64, op, w, a, b, out);
  });
}

template <typename T>
void whereWalk(const ElemKernelsT<T>& ek, const Walk<3>& w, const ArrayView& c, const ArrayView& a, const ArrayView& b,
               const ArrayView& out) {
  const T* pc = static_cast<const T*>(c.data);
  const T* pa = static_cast<const T*>(a.data);
  const T* pb = static_cast<const T*>(b.data);
  T* po = static_cast<T*>(out.data);
  const int r = w.rank - 1;
  const long n = w.shape[r], sc = w.stride[0][r], sa = w.stride[1][r], sb = w.stride[2][r];
  // One flat axis splits over the pool, as binary ops do.
  if (w.rank == 1) {
    return parallelRange(n, [&](long lo, long hi) {
      ek.where(hi - lo, pc + lo * sc, sc, pa + lo * sa, sa, pb + lo * sb, sb, po + lo);
    });
  }
  forEachRow(w, [&](const long* off, long o) { ek.where(n, pc + off[0], sc, pa + off[1], sa, pb + off[2], sb, po + o); });
}

// where(cond, a, b, out, meta, rank): meta = [outShape, cShape, aShape, bShape].
napi_value Where(napi_env env, napi_callback_info info) {
  return entry<6>(env, info, "where", [&](napi_value(&argv)[6]) {
    const ArrayView c = getArray(env, argv[0], "cond", "where"), a = getArray(env, argv[1], "a", "where");
    const ArrayView b = getArray(env, argv[2], "b", "where"), out = getArray(env, argv[3], "out", "where");
    const ArrayView meta = getArray(env, argv[4], "meta", "where");
    const int rank = getRank(env, argv[5], "where");
    sameType("where", {&c, &a, &b, &out});
    const ArrayView* ops[3] = {&c, &a, &b};
    const char* names[3] = {"cond", "a", "b"};
    long total;
    const Walk<3> w = broadcastWalk<3>("where", meta, rank, ops, names, out, &total);
    if (total == 0) return;
    if (out.type == napi_float32_array)
      whereWalk(elemKernels().f32, w, c, a, b, out);
    else
      whereWalk(elemKernels().f64, w, c, a, b, out);
  });
}

// A full sum of at least two blocks of this many elements is summed block by
// block, in parallel when the pool is free, and the block sums are added in
// order: the blocks, hence the rounding, do not depend on how many threads ran.
constexpr long kSumBlock = 32768;

template <typename T>
double blockedSum(double (*sum)(const T*, long), const T* x, long n) {
  const long blocks = (n + kSumBlock - 1) / kSumBlock;
  std::vector<double> part(static_cast<size_t>(blocks));
  const auto block = [&](long b) { part[b] = sum(x + b * kSumBlock, std::min(kSumBlock, n - b * kSumBlock)); };
  Pool& p = pool();
  if (p.size() > 1 && blocks < 65536 && p.tryAcquire()) {
    p.run(static_cast<int>(blocks), [&](int b, int) { block(b); });
    p.release();
  } else {
    for (long b = 0; b < blocks; ++b) block(b);
  }
  double total = 0;
  for (const double s : part) total += s;
  return total;
}

// reduce(op, x, outer, n, inner, out).
napi_value Reduce(napi_env env, napi_callback_info info) {
  return entry<6>(env, info, "reduce", [&](napi_value(&argv)[6]) {
    const int op = getOp(env, argv[0], kReduceCount, "reduce");
    const ArrayView x = getArray(env, argv[1], "x", "reduce");
    const long outer = getIndex(env, argv[2], "outer", "reduce"), n = getIndex(env, argv[3], "n", "reduce");
    const long inner = getIndex(env, argv[4], "inner", "reduce");
    const ArrayView out = getArray(env, argv[5], "out", "reduce");
    sameType("reduce", {&x, &out});
    const unsigned __int128 need = static_cast<unsigned __int128>(outer) * n * inner;
    const std::string dims = std::to_string(outer) + ", ";
    if (need > x.length) {
      // As JS prints outer·n·inner; a product past 64 bits only as a double.
      const std::string count = need >> 64 ? std::to_string(static_cast<double>(need))
                                           : std::to_string(static_cast<unsigned long long>(need));
      throw ArgError{"reduce: x has " + std::to_string(x.length) + " elements, [" + dims + std::to_string(n) + ", " +
                         std::to_string(inner) + "] needs " + count,
                     true};
    }
    if (static_cast<unsigned __int128>(outer) * inner > out.length)
      throw ArgError{"reduce: out has " + std::to_string(out.length) + " elements, [" + dims + std::to_string(inner) + "] needs " +
                         std::to_string(outer * inner),
                     true};
    if (x.type == napi_float32_array) {
      if (op == kSum && outer == 1 && inner == 1 && n >= 2 * kSumBlock)
        *static_cast<float*>(out.data) = static_cast<float>(blockedSum(elemKernels().f32.sum, static_cast<const float*>(x.data), n));
      else
        elemKernels().f32.reduce(op, static_cast<const float*>(x.data), outer, n, inner, static_cast<float*>(out.data));
    } else {
      if (op == kSum && outer == 1 && inner == 1 && n >= 2 * kSumBlock)
        *static_cast<double*>(out.data) = blockedSum(elemKernels().f64.sum, static_cast<const double*>(x.data), n);
      else
        elemKernels().f64.reduce(op, static_cast<const double*>(x.data), outer, n, inner, static_cast<double*>(out.data));
    }
  });
}

// A 2-D gather whose source rows are far apart and columns adjacent (a transpose)
// walks in square tiles so both sides stay in cache.
template <typename T>
void transposeTiles(const T* src, long rows, long cols, long s0, long s1, T* out) {
  constexpr long kTile = 32;
  for (long i0 = 0; i0 < rows; i0 += kTile) {
    const long i1 = i0 + kTile < rows ? i0 + kTile : rows;
    for (long j0 = 0; j0 < cols; j0 += kTile) {
      const long j1 = j0 + kTile < cols ? j0 + kTile : cols;
      for (long i = i0; i < i1; ++i)
        for (long j = j0; j < j1; ++j) out[i * cols + j] = src[i * s0 + j * s1];
    }
  }
}

template <typename T>
void copyWalk(const T* src, const Walk<1>& w, T* out) {
  const int r = w.rank - 1;
  const long n = w.shape[r], s = w.stride[0][r];
  if (w.rank == 2 && s != 1 && w.stride[0][0] == 1 && n >= 8 && w.shape[0] >= 8)
    return transposeTiles(src, w.shape[0], n, w.stride[0][0], s, out);
  forEachRow(w, [&](const long* off, long o) {
    const T* si = src + off[0];
    T* oi = out + o;
    if (s == 1)
      std::memcpy(oi, si, static_cast<size_t>(n) * sizeof(T));
    else if (s == 0)
      for (long j = 0; j < n; ++j) oi[j] = *si;
    else
      for (long j = 0; j < n; ++j) oi[j] = si[j * s];
  });
}

// copyStrided(src, srcOff, out, meta, rank): meta = [shape, strides].
napi_value CopyStrided(napi_env env, napi_callback_info info) {
  return entry<5>(env, info, "copyStrided", [&](napi_value(&argv)[5]) {
    const ArrayView src = getArray(env, argv[0], "src", "copyStrided");
    const long srcOff = getIndex(env, argv[1], "srcOff", "copyStrided");
    const ArrayView out = getArray(env, argv[2], "out", "copyStrided");
    const ArrayView meta = getArray(env, argv[3], "meta", "copyStrided");
    const int rank = getRank(env, argv[4], "copyStrided");
    sameType("copyStrided", {&src, &out});
    long shape[kMaxRank], strides[kMaxRank];
    readInts("copyStrided", meta, 0, rank, true, shape);
    readInts("copyStrided", meta, rank, rank, false, strides);
    const long total = product(shape, rank);
    if (static_cast<size_t>(total) != out.length)
      throw ArgError{"copyStrided: out has " + std::to_string(out.length) + " elements, the shape needs " + std::to_string(total), true};
    if (total == 0) return;
    long lo = srcOff, hi = srcOff;
    for (int d = 0; d < rank; ++d) (strides[d] < 0 ? lo : hi) += (shape[d] - 1) * strides[d];
    if (lo < 0 || static_cast<size_t>(hi) >= src.length)
      throw ArgError{"copyStrided: the view reads src[" + std::to_string(lo) + ".." + std::to_string(hi) + "], src has " +
                         std::to_string(src.length) + " elements",
                     true};
    Walk<1> w;
    for (int d = 0; d < rank; ++d) w.push(shape[d], &strides[d]);
    w.finish();
    if (out.type == napi_float32_array)
      copyWalk(static_cast<const float*>(src.data) + srcOff, w, static_cast<float*>(out.data));
    else
      copyWalk(static_cast<const double*>(src.data) + srcOff, w, static_cast<double*>(out.data));
  });
}

// adamStep(p, g, m, v, lr, beta1, beta2, eps, bc1, bc2, weightDecay, decoupled).
napi_value AdamStep(napi_env env, napi_callback_info info) {
  return entry<12>(env, info, "adamStep", [&](napi_value(&argv)[12]) {
    const napi_value arrays[4] = {argv[0], argv[1], argv[2], argv[3]};
    const char* const arrayNames[4] = {"p", "g", "m", "v"};
    const auto [p, g, m, v] = flatOperands(env, arrays, arrayNames, 0, "adamStep");
    double h[7];
    const char* names[7] = {"lr", "beta1", "beta2", "eps", "bc1", "bc2", "weightDecay"};
    for (int i = 0; i < 7; ++i) h[i] = getNumber(env, argv[4 + i], names[i], "adamStep");
    bool decoupled;
    if (napi_get_value_bool(env, argv[11], &decoupled) != napi_ok) throw ArgError{"adamStep: decoupled must be a boolean", false};
    const double lr = h[0], wd = h[6];
    const AdamArgs args{lr / h[4], h[1], h[2], 1 - h[1], 1 - h[2], h[3], std::sqrt(h[5]),
                        decoupled ? 1 - lr * wd : 1, decoupled ? 0 : wd};
    const long n = static_cast<long>(p.length);
    forDtype(p.type, [&](const auto& ek, auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      parallelRange(n, [&](long lo, long hi) {
        ek.adam(static_cast<T*>(p.data) + lo, static_cast<const T*>(g.data) + lo, static_cast<T*>(m.data) + lo,
                static_cast<T*>(v.data) + lo, hi - lo, args);
      });
    });
  });
}

// bceLogits(logits, target, out, sig): out = softplus(ℓ) − ℓ·y, sig = σ(ℓ).
napi_value BceLogits(napi_env env, napi_callback_info info) {
  return entry<4>(env, info, "bceLogits", [&](napi_value(&argv)[4]) {
    const char* const names[4] = {"logits", "target", "out", "sig"};
    const auto [l, y, out, sig] = flatOperands(env, argv, names, 0, "bceLogits");
    const long n = static_cast<long>(l.length);
    forDtype(l.type, [&](const auto& ek, auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      parallelRange(n, [&](long lo, long hi) {
        ek.bce(static_cast<const T*>(l.data) + lo, static_cast<const T*>(y.data) + lo, static_cast<T*>(out.data) + lo,
               static_cast<T*>(sig.data) + lo, hi - lo);
      });
    });
  });
}

// bceLogitsGrad(g, sig, target, cols, out): out = g[row]·(sig − target) over rows of cols.
napi_value BceLogitsGrad(napi_env env, napi_callback_info info) {
  return entry<5>(env, info, "bceLogitsGrad", [&](napi_value(&argv)[5]) {
    const napi_value arrays[3] = {argv[4], argv[1], argv[2]};
    const char* const names[3] = {"out", "sig", "target"};
    const auto [out, sig, y] = flatOperands(env, arrays, names, 0, "bceLogitsGrad");
    const ArrayView g = getArray(env, argv[0], "g", "bceLogitsGrad");
    if (g.type != out.type) throw ArgError{"bceLogitsGrad: arrays must share one dtype", false};
    const long cols = getIndex(env, argv[3], "cols", "bceLogitsGrad");
    const long n = static_cast<long>(out.length);
    if (cols < 1 || n % cols != 0)
      throw ArgError{"bceLogitsGrad: cols=" + std::to_string(cols) + " must be positive and divide out's " + std::to_string(n) +
                         " elements", true};
    if (static_cast<long>(g.length) < n / cols)
      throw ArgError{"bceLogitsGrad: g has " + std::to_string(g.length) + " elements, fewer than the " + std::to_string(n / cols) +
                         " rows", true};
    forDtype(out.type, [&](const auto& ek, auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      // Row r goes to the run that holds its first element.
      parallelRange(n, [&](long lo, long hi) {
        ek.bceGrad(static_cast<const T*>(g.data), static_cast<const T*>(sig.data), static_cast<const T*>(y.data), cols,
                   static_cast<T*>(out.data), (lo + cols - 1) / cols, (hi + cols - 1) / cols);
      });
    });
  });
}

// gather(x, outer, n, inner, idx, out): out[o, k, :] = x[o, idx[k], :]. A minibatch drawn
// from a dataset is rows far apart in memory, so the copies mostly wait on DRAM: two cores
// keep twice as many misses in flight.
napi_value Gather(napi_env env, napi_callback_info info) {
  return entry<6>(env, info, "gather", [&](napi_value(&argv)[6]) {
    const ArrayView x = getArray(env, argv[0], "x", "gather"), out = getArray(env, argv[5], "out", "gather");
    if (x.type != out.type) throw ArgError{"gather: x and out must share one dtype", false};
    const long outer = getIndex(env, argv[1], "outer", "gather"), n = getIndex(env, argv[2], "n", "gather");
    const long inner = getIndex(env, argv[3], "inner", "gather");
    bool isTyped = false;
    napi_is_typedarray(env, argv[4], &isTyped);
    napi_typedarray_type idxType = napi_float32_array;
    size_t r = 0;
    void* idxData = nullptr;
    if (isTyped) {
      napi_value buffer;
      size_t byteOffset;
      napi_get_typedarray_info(env, argv[4], &idxType, &r, &idxData, &buffer, &byteOffset);
    }
    if (!isTyped || idxType != napi_int32_array) throw ArgError{"gather: idx must be an Int32Array", false};
    const int32_t* idx = static_cast<const int32_t*>(idxData);
    const long rows = static_cast<long>(r);
    if (static_cast<double>(x.length) < static_cast<double>(outer) * n * inner)
      throw ArgError{"gather: x has " + std::to_string(x.length) + " elements, fewer than " + std::to_string(outer) + "×" +
                         std::to_string(n) + "×" + std::to_string(inner), true};
    if (static_cast<double>(out.length) < static_cast<double>(outer) * rows * inner)
      throw ArgError{"gather: out has " + std::to_string(out.length) + " elements, fewer than " + std::to_string(outer) + "×" +
                         std::to_string(rows) + "×" + std::to_string(inner), true};
    for (long k = 0; k < rows; ++k)
      if (idx[k] < 0 || idx[k] >= n)
        throw ArgError{"gather: idx[" + std::to_string(k) + "] = " + std::to_string(idx[k]) + " is outside [0, " + std::to_string(n) + ")",
                       true};
    if (outer == 0 || rows == 0 || inner == 0) return;
    const size_t elem = x.type == napi_float32_array ? sizeof(float) : sizeof(double);
    const char* src = static_cast<const char*>(x.data);
    char* dst = static_cast<char*>(out.data);
    const size_t rowBytes = static_cast<size_t>(inner) * elem;
    // Row q = o·rows + k goes to the run that holds its first element.
    parallelRange(outer * rows * inner, [&](long lo, long hi) {
      for (long q = (lo + inner - 1) / inner, end = (hi + inner - 1) / inner; q < end; ++q) {
        const long o = q / rows, k = q % rows;
        std::memcpy(dst + static_cast<size_t>(q) * rowBytes, src + (static_cast<size_t>(o) * n + idx[k]) * rowBytes, rowBytes);
      }
    });
  });
}

// normalKl(locP, logScaleP, locQ, logScaleQ, out): the Gaussian KL elementwise over out.length.
napi_value NormalKl(napi_env env, napi_callback_info info) {
  return entry<5>(env, info, "normalKl", [&](napi_value(&argv)[5]) {
    const char* const names[5] = {"locP", "logScaleP", "locQ", "logScaleQ", "out"};
    const auto a = flatOperands(env, argv, names, 4, "normalKl");
    const size_t n = a[4].length;
    forDtype(a[4].type, [&](const auto& ek, auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      const auto in = [&](int i, long lo) { return static_cast<const T*>(a[i].data) + lo; };
      parallelRange(static_cast<long>(n), [&](long lo, long hi) {
        ek.normalKl(in(0, lo), in(1, lo), in(2, lo), in(3, lo), static_cast<T*>(a[4].data) + lo, hi - lo);
      });
    });
  });
}

// normalKlGrad(g, locP, logScaleP, locQ, logScaleQ, dLocP, dLogScaleP, dLocQ, dLogScaleQ) over g.length.
napi_value NormalKlGrad(napi_env env, napi_callback_info info) {
  return entry<9>(env, info, "normalKlGrad", [&](napi_value(&argv)[9]) {
    const char* const names[9] = {"g", "locP", "logScaleP", "locQ", "logScaleQ", "dLocP", "dLogScaleP", "dLocQ", "dLogScaleQ"};
    const auto a = flatOperands(env, argv, names, 0, "normalKlGrad");
    const size_t n = a[0].length;
    forDtype(a[0].type, [&](const auto& ek, auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      const auto in = [&](int i, long lo) { return static_cast<const T*>(a[i].data) + lo; };
      const auto out = [&](int i, long lo) { return static_cast<T*>(a[i].data) + lo; };
      parallelRange(static_cast<long>(n), [&](long lo, long hi) {
        ek.normalKlGrad(in(0, lo), in(1, lo), in(2, lo), in(3, lo), in(4, lo), out(5, lo), out(6, lo), out(7, lo), out(8, lo), hi - lo);
      });
    });
  });
}

// biasAct(x, bias, m, n, act), Backend.biasActInplace: x[i·n + j] = act(x[i·n + j] + bias[j])
// in place for the contiguous m×n matrix x, act ∈ 'identity' | 'relu' | 'sigmoid'. It fuses
// the bias add and activation that follow each GEMM in a dense layer into one pass.
napi_value BiasAct(napi_env env, napi_callback_info info) {
  return entry<5>(env, info, "biasActInplace", [&](napi_value(&argv)[5]) {
    const ArrayView x = getArray(env, argv[0], "x", "biasActInplace"), bias = getArray(env, argv[1], "bias", "biasActInplace");
    const long m = getIndex(env, argv[2], "m", "biasActInplace"), n = getIndex(env, argv[3], "n", "biasActInplace");
    char name[16] = {0};
    size_t len = 0;
    if (napi_get_value_string_utf8(env, argv[4], name, sizeof(name), &len) != napi_ok)
      throw ArgError{"biasActInplace: act must be a string", false};
    const std::string a(name, len);
    const int act = a == "identity" ? kActIdentity : a == "relu" ? kActRelu : a == "sigmoid" ? kActSigmoid
                    : throw ArgError{"biasActInplace: act must be 'identity', 'relu' or 'sigmoid' (got '" + a + "')", true};
    if (x.type != bias.type) throw ArgError{"biasActInplace: x and bias must share one dtype", false};
    if (static_cast<unsigned __int128>(m) * static_cast<unsigned __int128>(n) > x.length)
      throw ArgError{"biasActInplace: x has " + std::to_string(x.length) + " elements, fewer than " + std::to_string(m) +
                         "×" + std::to_string(n),
                     true};
    if (m > 0 && static_cast<size_t>(n) > bias.length)
      throw ArgError{"biasActInplace: bias has " + std::to_string(bias.length) + " elements, fewer than n=" + std::to_string(n),
                     true};
    if (m == 0 || n == 0) return;
    forDtype(x.type, [&](const auto& ek, auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      // Row r goes to the run that holds its first element.
      parallelRange(m * n, [&](long lo, long hi) {
        ek.biasAct(static_cast<T*>(x.data), static_cast<const T*>(bias.data), n, (lo + n - 1) / n, (hi + n - 1) / n, act);
      });
    });
  });
}

// allFinite(x): whether no element of x is NaN or ±∞.
napi_value AllFinite(napi_env env, napi_callback_info info) {
  napi_value result = nullptr;
  try {
    napi_value argv[1];
    getArgs(env, info, argv, "allFinite");
    const ArrayView x = getArray(env, argv[0], "x", "allFinite");
    std::atomic<bool> bad{false};
    forDtype(x.type, [&](const auto& ek, auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      parallelRange(static_cast<long>(x.length), [&](long lo, long hi) {
        if (ek.nonFinite(static_cast<const T*>(x.data) + lo, hi - lo)) bad.store(true, std::memory_order_relaxed);
      });
    });
    napi_get_boolean(env, !bad.load(std::memory_order_relaxed), &result);
  } catch (const ArgError& e) {
    throwJs(env, e);
  }
  return result;
}

// A buffer's arena block goes back when V8 collects its ArrayBuffer; hint is its byte size.
void releaseBuffer(napi_env env, void* data, void* hint) {
  const size_t bytes = reinterpret_cast<size_t>(hint);
  arenaGive(data, bytes);
  int64_t total;
  napi_adjust_external_memory(env, -static_cast<int64_t>(bytes), &total);
}

// alloc(f64, n): a Float64Array (f64) or Float32Array of n elements on huge pages (arena.cc),
// contents arbitrary; null where the arena declines (see arena.h) or the engine allows no external
// ArrayBuffers (V8's sandbox), and the caller allocates as usual.
napi_value Alloc(napi_env env, napi_callback_info info) {
  napi_value result = nullptr;
  try {
    napi_value argv[2];
    getArgs(env, info, argv, "alloc");
    bool f64;
    if (napi_get_value_bool(env, argv[0], &f64) != napi_ok) throw ArgError{"alloc: f64 must be a boolean", false};
    const double n = getNumber(env, argv[1], "n", "alloc");
    if (!(n >= 1 && n <= 4294967295.0) || n != static_cast<double>(static_cast<int64_t>(n)))
      throw ArgError{"alloc: n must be an integer in [1, 2^32) (got " + std::to_string(n) + ")", true};
    const size_t bytes = static_cast<size_t>(n) * (f64 ? 8 : 4);
    napi_get_null(env, &result);
    void* block = arenaTake(bytes);
    if (!block) return result;
    napi_value ab;
    if (napi_create_external_arraybuffer(env, block, bytes, releaseBuffer, reinterpret_cast<void*>(bytes), &ab) != napi_ok) {
      arenaGive(block, bytes);
      // A failed call may leave an exception pending (V8's sandbox refuses external memory).
      bool pending;
      napi_value ignored;
      if (napi_is_exception_pending(env, &pending) == napi_ok && pending) napi_get_and_clear_last_exception(env, &ignored);
      return result;
    }
    int64_t total;
    napi_adjust_external_memory(env, static_cast<int64_t>(bytes), &total);
    napi_create_typedarray(env, f64 ? napi_float64_array : napi_float32_array, static_cast<size_t>(n), ab, 0, &result);
  } catch (const ArgError& e) {
    throwJs(env, e);
  }
  return result;
}

// sync(): waits for a deferred product of this thread (see gemmPair); whether there was one.
napi_value Sync(napi_env env, napi_callback_info) {
  napi_value waited;
  napi_get_boolean(env, awaitDeferred(), &waited);
  return waited;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value isa, threads;
  const struct {
    const char* name;
    napi_callback cb;
  } functions[] = {
      {"gemm", Gemm}, {"gemmPair", GemmPair}, {"unary", Unary}, {"binary", Binary}, {"reduce", Reduce}, {"where", Where},
      {"copyStrided", CopyStrided}, {"adamStep", AdamStep}, {"bceLogits", BceLogits}, {"bceLogitsGrad", BceLogitsGrad},
      {"gather", Gather}, {"normalKl", NormalKl}, {"normalKlGrad", NormalKlGrad}, {"allFinite", AllFinite},
      {"biasAct", BiasAct}, {"alloc", Alloc}, {"sync", Sync},
  };
  for (const auto& f : functions) {
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fn);
    napi_set_named_property(env, exports, f.name, fn);
  }
  napi_create_string_utf8(env, kernels().isa, NAPI_AUTO_LENGTH, &isa);
  napi_create_int32(env, pool().size(), &threads);
  napi_set_named_property(env, exports, "isa", isa);
  napi_set_named_property(env, exports, "threads", threads);
  return exports;
}

}  // namespace
}  // namespace elbo

NAPI_MODULE(NODE_GYP_MODULE_NAME, elbo::Init)
