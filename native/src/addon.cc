// N-API entry points of the native backend: argument checking, runtime ISA
// dispatch and a small persistent thread pool that splits C between cores.
// Typed arrays are read in place (napi_get_typedarray_info), never copied.
#include <node_api.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "gemm.h"

namespace elbo {
namespace {

// Below this many multiply-adds (~10 µs on one core) a second thread costs
// more than it saves: waking a sleeping worker alone takes tens of µs.
constexpr double kParallelMinMacs = 128.0 * 128.0 * 32.0;
// Work units per thread: more balance the load when a core is busy elsewhere;
// each unit costs a few edge tiles and one pass over its own operand slice.
constexpr int kChunksPerThread = 4;
// How long an idle worker spins before sleeping: a training step issues GEMMs
// back to back, and a futex wake-up costs tens of microseconds.
constexpr auto kSpin = std::chrono::microseconds(200);
// How long the calling thread spins for straggling workers before sleeping.
constexpr auto kWaitSpin = std::chrono::microseconds(50);
// A shared packed operand larger than this is freed after its call.
constexpr size_t kKeepSharedBytes = size_t(16) << 20;

// Thrown by argument checks; Gemm and BiasAct turn it into a JS error.
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
// thread's packed panels, slot 1 the calling thread's shared packed operand.
// bytes = 0 frees the slot.
void* scratch(size_t bytes, int slot = 0) {
  thread_local void* buf[2] = {nullptr, nullptr};
  thread_local size_t cap[2] = {0, 0};
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

// Workers 1..size-1 run task(id) while the calling thread runs task(0).
// Calls from a second JS thread while one is running fall back to serial.
class Pool {
 public:
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

  void run(int active, const std::function<void(int)>& task) {
    task_ = &task;
    active_.store(active, std::memory_order_relaxed);
    pending_.store(active - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lk(mu_);
      gen_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    task(0);
    // Spin a little (the other threads usually finish within microseconds),
    // then sleep so a descheduled worker's core is not taxed by our waiting.
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; pending_.load(std::memory_order_acquire) > 0; ++i) {
      relax(i);
      if ((i & 63) == 63 && std::chrono::steady_clock::now() - start > kWaitSpin) {
        std::unique_lock<std::mutex> lk(doneMu_);
        doneCv_.wait(lk, [&] { return pending_.load(std::memory_order_acquire) == 0; });
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

  void loop(int id) {
    uint64_t seen = 0;
    for (;;) {
      uint64_t g = gen_.load(std::memory_order_acquire);
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; g == seen; ++i) {
        relax(i);
        if (std::chrono::steady_clock::now() - start > kSpin) {
          std::unique_lock<std::mutex> lk(mu_);
          cv_.wait(lk, [&] { return gen_.load(std::memory_order_acquire) != seen; });
        }
        g = gen_.load(std::memory_order_acquire);
      }
      seen = g;
      if (id < active_.load(std::memory_order_relaxed)) {
        (*task_)(id);
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          std::lock_guard<std::mutex> lk(doneMu_);
          doneCv_.notify_one();
        }
      }
    }
  }

  int size_;
  std::mutex busy_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::mutex doneMu_;
  std::condition_variable doneCv_;
  std::atomic<uint64_t> gen_{0};
  std::atomic<int> active_{0};
  std::atomic<int> pending_{0};
  const std::function<void(int)>* task_ = nullptr;
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
  if (threads < 2 || macs < kParallelMinMacs || !p.tryAcquire()) return kern.run(g, work, nullptr, nullptr);
  // Every chunk reads all of the operand it shares with the others (A when
  // splitting n, B when splitting m): pack it once here, and pick the split
  // whose shared operand is the smaller. If that buffer cannot be had, each
  // chunk packs its own copy as in the serial case.
  const bool splitN = tilesM < threads || (tilesN >= threads && g.m <= g.n);
  const size_t sharedElems = static_cast<size_t>(splitN ? (tilesM * kern.mr) : (tilesN * kern.nr)) * g.k;
  T* const shared = static_cast<T*>(scratch(sharedElems * sizeof(T), 1));
  if (shared) (splitN ? kern.packAllA : kern.packAllB)(g, shared);
  const T* const packedA = splitN ? shared : nullptr;
  const T* const packedB = splitN ? nullptr : shared;
  // Chunks are handed out dynamically, so a worker that the OS deschedules (the
  // machine may be shared) delays the call by at most one chunk.
  const long tiles = splitN ? tilesN : tilesM;
  const int chunks = static_cast<int>(tiles < threads * kChunksPerThread ? tiles : threads * kChunksPerThread);
  std::atomic<int> next{0};
  p.run(threads, [&](int id) {
    // A worker that cannot get scratch leaves its share to the others.
    T* const mine = id == 0 ? work : static_cast<T*>(scratch(workBytes));
    if (!mine) return;
    for (int t; (t = next.fetch_add(1, std::memory_order_relaxed)) < chunks;) {
      GemmArgs<T> s = g;
      long lo, hi;
      if (splitN) {
        splitRange(g.n, kern.nr, chunks, t, &lo, &hi);
        s.n = hi - lo;
        s.b += g.transB ? lo * g.ldb : lo;
        s.c += lo;
      } else {
        splitRange(g.m, kern.mr, chunks, t, &lo, &hi);
        s.m = hi - lo;
        s.a += g.transA ? lo : lo * g.lda;
        s.c += lo * g.ldc;
      }
      if (s.m > 0 && s.n > 0) kern.run(s, mine, packedA, packedB);
    }
  });
  p.release();
  // Keep a typical layer's shared operand for the next call, not a one-off giant.
  if (sharedElems * sizeof(T) > kKeepSharedBytes) scratch(0, 1);
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

bool getBool(napi_env env, napi_value v, const char* name) {
  bool b;
  if (napi_get_value_bool(env, v, &b) != napi_ok) throw ArgError{std::string("gemm: ") + name + " must be a boolean", false};
  return b;
}

struct ArrayView {
  napi_typedarray_type type;
  void* data;
  size_t length;
};

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
  return out;
}

// The stored matrix is rows×cols with row stride ld starting at off.
void checkExtent(const char* name, const ArrayView& arr, long rows, long cols, long off, long ld, const char* ldName) {
  if (rows == 0 || cols == 0) return;
  if (ld < cols)
    throw ArgError{std::string("gemm: ") + ldName + "=" + std::to_string(ld) + " is less than the " +
                       std::to_string(cols) + " columns of stored " + name,
                   true};
  const unsigned __int128 need = static_cast<unsigned __int128>(off) +
                                 static_cast<unsigned __int128>(rows - 1) * static_cast<unsigned __int128>(ld) + cols;
  if (need > arr.length)
    throw ArgError{std::string("gemm: ") + name + " is too short for a " + std::to_string(rows) + "×" +
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

// gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc): see src/backend/backend.ts.
napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value argv[15];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  try {
    if (argc != 15) throw ArgError{"gemm: expected 15 arguments, got " + std::to_string(argc), false};
    const bool tA = getBool(env, argv[0], "transA"), tB = getBool(env, argv[1], "transB");
    const long m = getIndex(env, argv[2], "m"), n = getIndex(env, argv[3], "n"), k = getIndex(env, argv[4], "k");
    const ArrayView a = getArray(env, argv[5], "a");
    const long aOff = getIndex(env, argv[6], "aOff"), lda = getIndex(env, argv[7], "lda");
    const ArrayView b = getArray(env, argv[8], "b");
    const long bOff = getIndex(env, argv[9], "bOff"), ldb = getIndex(env, argv[10], "ldb");
    double beta;
    if (napi_get_value_double(env, argv[11], &beta) != napi_ok || (beta != 0 && beta != 1))
      throw ArgError{"gemm: beta must be 0 or 1", true};
    const ArrayView c = getArray(env, argv[12], "c");
    const long cOff = getIndex(env, argv[13], "cOff"), ldc = getIndex(env, argv[14], "ldc");
    if (a.type != c.type || b.type != c.type) throw ArgError{"gemm: a, b and c must share one dtype", false};
    if (m == 0 || n == 0) return nullptr;
    if (k > 0) {
      checkExtent("a", a, tA ? k : m, tA ? m : k, aOff, lda, "lda");
      checkExtent("b", b, tB ? n : k, tB ? k : n, bOff, ldb, "ldb");
    }
    checkExtent("c", c, m, n, cOff, ldc, "ldc");
    const KernelSet& ks = kernels();
    if (c.type == napi_float32_array)
      gemmParallel(ks.f32, makeArgs<float>(tA, tB, m, n, k, a, aOff, lda, b, bOff, ldb, beta == 1, c, cOff, ldc));
    else
      gemmParallel(ks.f64, makeArgs<double>(tA, tB, m, n, k, a, aOff, lda, b, bOff, ldb, beta == 1, c, cOff, ldc));
  } catch (const ArgError& e) {
    if (e.range)
      napi_throw_range_error(env, nullptr, e.message.c_str());
    else
      napi_throw_type_error(env, nullptr, e.message.c_str());
  }
  return nullptr;
}

enum class Act { Identity, Relu, Sigmoid };

template <typename T>
void biasActRows(T* x, const T* bias, long m, long n, Act act, SigmoidF32 sigmoidF32) {
  for (long i = 0; i < m; ++i) {
    T* row = x + i * n;
    for (long j = 0; j < n; ++j) row[j] += bias[j];
    if (act == Act::Relu) {
      for (long j = 0; j < n; ++j) row[j] = row[j] < T(0) ? T(0) : row[j];  // NaN passes through.
    } else if (act == Act::Sigmoid) {
      if constexpr (sizeof(T) == sizeof(float))
        sigmoidF32(row, n);
      else
        for (long j = 0; j < n; ++j) row[j] = T(1) / (T(1) + std::exp(-row[j]));
    }
  }
}

// biasAct(x, bias, m, n, act): x[i·n + j] = act(x[i·n + j] + bias[j]) in place for
// the contiguous m×n matrix x, act ∈ 'identity' | 'relu' | 'sigmoid'. It fuses the
// bias add and activation that follow each GEMM in a dense layer into one pass.
napi_value BiasAct(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  try {
    if (argc != 5) throw ArgError{"biasAct: expected 5 arguments, got " + std::to_string(argc), false};
    const ArrayView x = getArray(env, argv[0], "x", "biasAct"), bias = getArray(env, argv[1], "bias", "biasAct");
    const long m = getIndex(env, argv[2], "m", "biasAct"), n = getIndex(env, argv[3], "n", "biasAct");
    char name[16] = {0};
    size_t len = 0;
    if (napi_get_value_string_utf8(env, argv[4], name, sizeof(name), &len) != napi_ok)
      throw ArgError{"biasAct: act must be a string", false};
    const std::string a(name, len);
    const Act act = a == "identity" ? Act::Identity : a == "relu" ? Act::Relu : a == "sigmoid" ? Act::Sigmoid
                    : throw ArgError{"biasAct: act must be 'identity', 'relu' or 'sigmoid' (got '" + a + "')", true};
    if (x.type != bias.type) throw ArgError{"biasAct: x and bias must share one dtype", false};
    if (static_cast<unsigned __int128>(m) * static_cast<unsigned __int128>(n) > x.length)
      throw ArgError{"biasAct: x has " + std::to_string(x.length) + " elements, fewer than " + std::to_string(m) +
                         "×" + std::to_string(n),
                     true};
    if (m > 0 && static_cast<size_t>(n) > bias.length)
      throw ArgError{"biasAct: bias has " + std::to_string(bias.length) + " elements, fewer than n=" + std::to_string(n),
                     true};
    if (x.type == napi_float32_array)
      biasActRows(static_cast<float*>(x.data), static_cast<const float*>(bias.data), m, n, act, kernels().sigmoidF32);
    else
      biasActRows(static_cast<double*>(x.data), static_cast<const double*>(bias.data), m, n, act, kernels().sigmoidF32);
  } catch (const ArgError& e) {
    if (e.range)
      napi_throw_range_error(env, nullptr, e.message.c_str());
    else
      napi_throw_type_error(env, nullptr, e.message.c_str());
  }
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value gemm, biasAct, isa, threads;
  napi_create_function(env, "gemm", NAPI_AUTO_LENGTH, Gemm, nullptr, &gemm);
  napi_create_function(env, "biasAct", NAPI_AUTO_LENGTH, BiasAct, nullptr, &biasAct);
  napi_set_named_property(env, exports, "biasAct", biasAct);
  napi_create_string_utf8(env, kernels().isa, NAPI_AUTO_LENGTH, &isa);
  napi_create_int32(env, pool().size(), &threads);
  napi_set_named_property(env, exports, "gemm", gemm);
  napi_set_named_property(env, exports, "isa", isa);
  napi_set_named_property(env, exports, "threads", threads);
  return exports;
}

}  // namespace
}  // namespace elbo

NAPI_MODULE(NODE_GYP_MODULE_NAME, elbo::Init)
