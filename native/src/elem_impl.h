// Elementwise kernels (and the fused BCE-from-logits) shared by every ISA translation unit (elem_avx512.cc,
// elem_avx2.cc, elem_scalar.cc). The float32 transcendental ops use GCC vector
// extensions 16 floats wide, so one source lowers to zmm, 2×ymm or 4×xmm code
// depending on the TU's -m flags; the rest are plain loops for the vectorizer.
// NOTE: everything has internal linkage (see gemm_driver.h), and the TUs are
// built with -ffp-contract=off: a fused a·b+c would break bit-exactness with
// the JS kernels (Adam, bias adds) and the Cephes error bounds below.
#pragma once

#include <immintrin.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "elementwise.h"

namespace elbo {
namespace {

using VF = float __attribute__((vector_size(64)));
using VI = int32_t __attribute__((vector_size(64)));
constexpr long kW = 16;

__attribute__((always_inline)) inline VF bc(float c) { return VF{} + c; }
__attribute__((always_inline)) inline VF loadF(const float* p) {
  VF v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void storeF(float* p, VF v) { std::memcpy(p, &v, sizeof v); }
__attribute__((always_inline)) inline VF absF(VF x) { return (VF)((VI)x & 0x7fffffff); }

// a·b + c rounded once where the TU's ISA has FMA: used in the polynomials of the
// transcendental ops only (faster, and no less accurate); elsewhere products and
// sums stay separate so the exact ops round as the JS kernels do.
__attribute__((always_inline)) inline VF fmaF(VF a, VF b, VF c) {
#if defined(__AVX512F__)
  return (VF)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif defined(__FMA__)
  using V8 = float __attribute__((vector_size(32)));
  const V8 lo = (V8)_mm256_fmadd_ps((__m256)__builtin_shufflevector(a, a, 0, 1, 2, 3, 4, 5, 6, 7),
                                    (__m256)__builtin_shufflevector(b, b, 0, 1, 2, 3, 4, 5, 6, 7),
                                    (__m256)__builtin_shufflevector(c, c, 0, 1, 2, 3, 4, 5, 6, 7));
  const V8 hi = (V8)_mm256_fmadd_ps((__m256)__builtin_shufflevector(a, a, 8, 9, 10, 11, 12, 13, 14, 15),
                                    (__m256)__builtin_shufflevector(b, b, 8, 9, 10, 11, 12, 13, 14, 15),
                                    (__m256)__builtin_shufflevector(c, c, 8, 9, 10, 11, 12, 13, 14, 15));
  return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
#else
  return a * b + c;
#endif
}

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Round to nearest even for |x| < 2^22: adding 1.5·2^23 leaves no fraction bits.
__attribute__((always_inline)) inline VF roundNearest(VF x) { return (x + bc(12582912.0f)) - bc(12582912.0f); }

// exp(x) = 2^n·e^r, n = round(x·log2 e), r = x − n·ln 2 (Cody–Waite split of ln 2),
// e^r by the Cephes expf polynomial (|r| ≤ ln2/2, ≤ 1 ulp). 2^n is applied as two
// normal factors 2^⌊n/2⌋·2^⌈n/2⌉, so results in the subnormal range round once.
__attribute__((always_inline)) inline VF expF(VF x) {
  // NOTE: comparisons with NaN are false, so NaN passes both clamps and propagates.
  x = x < bc(-104.0f) ? bc(-104.0f) : x;
  x = x > bc(89.0f) ? bc(89.0f) : x;
  VF n = roundNearest(x * bc(1.44269504088896341f));
  VF r = x - n * bc(0.693359375f);
  r = r - n * bc(-2.12194440e-4f);
  VF p = bc(1.9875691500e-4f);
  p = fmaF(p, r, bc(1.3981999507e-3f));
  p = fmaF(p, r, bc(8.3334519073e-3f));
  p = fmaF(p, r, bc(4.1665795894e-2f));
  p = fmaF(p, r, bc(1.6666665459e-1f));
  p = fmaF(p, r, bc(5.0000001201e-1f));
  p = p * (r * r) + r + bc(1.0f);
  n = n == n ? n : bc(0.0f);
  const VI ni = __builtin_convertvector(n, VI);
  const VI n1 = ni >> 1, n2 = ni - n1;
  return p * (VF)((n1 + 127) << 23) * (VF)((n2 + 127) << 23);
}

// The Cephes logf polynomial's tail, m³·P(m) with z = m², for m ∈ [√½ − 1, √2 − 1):
// shared by logF and log1pUnitF.
__attribute__((always_inline)) inline VF logTailF(VF m, VF z) {
  VF y = bc(7.0376836292e-2f);
  y = fmaF(y, m, bc(-1.1514610310e-1f));
  y = fmaF(y, m, bc(1.1676998740e-1f));
  y = fmaF(y, m, bc(-1.2420140846e-1f));
  y = fmaF(y, m, bc(1.4249322787e-1f));
  y = fmaF(y, m, bc(-1.6668057665e-1f));
  y = fmaF(y, m, bc(2.0000714765e-1f));
  y = fmaF(y, m, bc(-2.4999993993e-1f));
  y = fmaF(y, m, bc(3.3333331174e-1f));
  return y * m * z;
}

// log(x) = e·ln 2 + log(m), m ∈ [√½, √2), by the Cephes logf polynomial (≤ 1 ulp);
// subnormal inputs are scaled by 2^23 first.
__attribute__((always_inline)) inline VF logF(VF x0) {
  const VI den = x0 < bc(1.17549435e-38f);
  const VF x = den ? x0 * bc(8388608.0f) : x0;
  const VI bits = (VI)x;
  VI e = ((bits >> 23) & 0xff) - 126 - (den & 23);
  VF m = (VF)((bits & 0x007fffff) | 0x3f000000);
  const VI small = m < bc(0.707106781186547524f);
  e = e - (small & 1);
  m = small ? (m + m) - bc(1.0f) : m - bc(1.0f);
  const VF fe = __builtin_convertvector(e, VF);
  const VF z = m * m;
  VF y = logTailF(m, z);
  y = y + fe * bc(-2.12194440e-4f);
  y = y - bc(0.5f) * z;
  VF res = m + y;
  res = res + fe * bc(0.693359375f);
  res = x0 == bc(kInf) ? x0 : res;
  res = x0 == bc(0.0f) ? bc(-kInf) : res;
  res = x0 < bc(0.0f) ? bc(kNaN) : res;
  return x0 != x0 ? x0 : res;
}

// log1p(x) = log(u) + (x − (u − 1))/u with u = fl(1 + x): the second term restores
// what rounding 1 + x lost (Goldberg's correction), so small x keep full precision.
__attribute__((always_inline)) inline VF log1pF(VF x) {
  const VF u = x + bc(1.0f);
  VF res = logF(u) + (x - (u - bc(1.0f))) / u;
  res = u == bc(1.0f) ? x : res;
  res = x == bc(kInf) ? x : res;
  return x == bc(-1.0f) ? bc(-kInf) : res;
}

// sigmoid(x) = 1/(1 + e^−x) for x ≥ 0, e^x/(1 + e^x) below: e^−|x| never overflows.
__attribute__((always_inline)) inline VF sigmoidF(VF x) {
  const VF e = expF(-absF(x));
  return (x >= bc(0.0f) ? bc(1.0f) : e) / (bc(1.0f) + e);
}

// softplus(x) = max(x, 0) + log1p(e^−|x|): exact for large |x|, no overflow.
__attribute__((always_inline)) inline VF softplusF(VF x) {
  return (x > bc(0.0f) ? x : bc(0.0f)) + log1pF(expF(-absF(x)));
}

// Cephes tanhf: an odd polynomial below |x| = 0.625, 1 − 2/(e^{2|x|} + 1) above.
__attribute__((always_inline)) inline VF tanhF(VF x) {
  const VF ax = absF(x);
  VF big = bc(1.0f) - bc(2.0f) / (expF(ax + ax) + bc(1.0f));
  big = x < bc(0.0f) ? -big : big;
  const VF z = x * x;
  VF p = bc(-5.70498872745e-3f);
  p = fmaF(p, z, bc(2.06390887954e-2f));
  p = fmaF(p, z, bc(-5.37397155531e-2f));
  p = fmaF(p, z, bc(1.33314422036e-1f));
  p = fmaF(p, z, bc(-3.33332819422e-1f));
  p = p * z * x + x;
  return ax >= bc(0.625f) ? big : p;
}

// out[i] = f(x[i]) 16 lanes at a time; the tail goes through a zero-padded block.
template <class F>
inline void mapF(const float* x, float* out, long n, F f) {
  long i = 0;
  for (; i + kW <= n; i += kW) storeF(out + i, f(loadF(x + i)));
  if (i < n) {
    float buf[kW] = {};
    const size_t bytes = static_cast<size_t>(n - i) * sizeof(float);
    std::memcpy(buf, x + i, bytes);
    storeF(buf, f(loadF(buf)));
    std::memcpy(out + i, buf, bytes);
  }
}

// Math.pow semantics where C's pow differs: a NaN exponent, or ±1 to ±∞, give NaN.
inline double jsPow(double a, double b) {
  if (b != b || (std::fabs(a) == 1 && std::isinf(b))) return std::numeric_limits<double>::quiet_NaN();
  return std::pow(a, b);
}

// The ops computed as the JS kernel does, in double, then rounded to T: the
// reference for every dtype, and the float32 path of the ops that are not hot.
template <typename T>
void unaryDouble(int op, const T* x, T* out, long n, double p0, double p1) {
  switch (op) {
    case kNeg: for (long i = 0; i < n; ++i) out[i] = -x[i]; return;
    case kExp: for (long i = 0; i < n; ++i) out[i] = T(std::exp(double(x[i]))); return;
    case kLog: for (long i = 0; i < n; ++i) out[i] = T(std::log(double(x[i]))); return;
    case kLog1p: for (long i = 0; i < n; ++i) out[i] = T(std::log1p(double(x[i]))); return;
    case kExpm1: for (long i = 0; i < n; ++i) out[i] = T(std::expm1(double(x[i]))); return;
    case kSqrt: for (long i = 0; i < n; ++i) out[i] = std::sqrt(x[i]); return;
    case kAbs: for (long i = 0; i < n; ++i) out[i] = std::fabs(x[i]); return;
    case kSquare: for (long i = 0; i < n; ++i) out[i] = x[i] * x[i]; return;
    case kSign:
      for (long i = 0; i < n; ++i) { const T v = x[i]; out[i] = v > 0 ? T(1) : v < 0 ? T(-1) : v; }
      return;
    case kReciprocal: for (long i = 0; i < n; ++i) out[i] = T(1) / x[i]; return;
    case kSigmoid:
      for (long i = 0; i < n; ++i) {
        const double v = x[i];
        if (v >= 0) out[i] = T(1 / (1 + std::exp(-v)));
        else { const double e = std::exp(v); out[i] = T(e / (1 + e)); }
      }
      return;
    case kTanh: for (long i = 0; i < n; ++i) out[i] = T(std::tanh(double(x[i]))); return;
    case kRelu: for (long i = 0; i < n; ++i) { const T v = x[i]; out[i] = v > 0 ? v : T(0); } return;
    case kSoftplus:
      for (long i = 0; i < n; ++i) {
        const double v = x[i];
        out[i] = T((v > 0 ? v : 0) + std::log1p(std::exp(-std::fabs(v))));
      }
      return;
    case kStep: for (long i = 0; i < n; ++i) out[i] = x[i] > 0 ? T(1) : T(0); return;
    case kPowScalar:
      if (p0 == 2) for (long i = 0; i < n; ++i) out[i] = x[i] * x[i];
      else for (long i = 0; i < n; ++i) out[i] = T(jsPow(double(x[i]), p0));
      return;
    case kClamp:
      for (long i = 0; i < n; ++i) { const double v = x[i]; out[i] = T(v < p0 ? p0 : v > p1 ? p1 : v); }
      return;
    case kLeakyRelu:
      for (long i = 0; i < n; ++i) { const double v = x[i]; out[i] = T(v > 0 ? v : p0 * v); }
      return;
    case kElu:
      for (long i = 0; i < n; ++i) { const double v = x[i]; out[i] = T(v > 0 ? v : p0 * std::expm1(v)); }
      return;
  }
}

void unaryF32(int op, const float* x, float* out, long n, double p0, double p1) {
  switch (op) {
    case kExp: return mapF(x, out, n, [](VF v) { return expF(v); });
    case kLog: return mapF(x, out, n, [](VF v) { return logF(v); });
    case kLog1p: return mapF(x, out, n, [](VF v) { return log1pF(v); });
    case kSigmoid: return mapF(x, out, n, [](VF v) { return sigmoidF(v); });
    case kSoftplus: return mapF(x, out, n, [](VF v) { return softplusF(v); });
    case kTanh: return mapF(x, out, n, [](VF v) { return tanhF(v); });
    // The float ops are exactly the JS double ops rounded (neg, abs, square,
    // sqrt, 1/x are correctly rounded either way), so the plain loops serve.
    default: return unaryDouble<float>(op, x, out, n, p0, p1);
  }
}

void unaryF64(int op, const double* x, double* out, long n, double p0, double p1) {
  unaryDouble<double>(op, x, out, n, p0, p1);
}

// A dense layer's epilogue, row by row in this ISA's vectors: the sum rounds to T as the
// separate add would, relu maps NaN and −0 to +0 as unary relu does, and sigmoid is unary's
// kernel on the row (in place), so the fused layer computes what the separate ops compute.
template <typename T>
void biasActImpl(T* x, const T* bias, long n, long r0, long r1, int act) {
  for (long i = r0; i < r1; ++i) {
    T* __restrict row = x + i * n;
    const T* __restrict b = bias;
    if (act == kActRelu) {
      for (long j = 0; j < n; ++j) {
        const T v = row[j] + b[j];
        row[j] = v > T(0) ? v : T(0);
      }
    } else {
      for (long j = 0; j < n; ++j) row[j] += b[j];
      if (act == kActSigmoid) {
        if constexpr (sizeof(T) == sizeof(float)) unaryF32(kSigmoid, row, row, n, 0, 0);
        else unaryF64(kSigmoid, row, row, n, 0, 0);
      }
    }
  }
}

// One inner loop of a broadcast binary op; unit and zero strides get their own
// loops so the vectorizer sees contiguous or splatted operands (both splatted,
// as in [m,1]·[1,1] → [m,n], is one value filled along the row).
template <typename T, class F>
inline void binLoop(long n, const T* a, long as, const T* b, long bs, T* out, F f) {
  if (as == 0 && bs == 0) {
    const T v = f(*a, *b);
    for (long j = 0; j < n; ++j) out[j] = v;
  } else if (as == 1 && bs == 1) {
    for (long j = 0; j < n; ++j) out[j] = f(a[j], b[j]);
  } else if (as == 1 && bs == 0) {
    const T bv = *b;
    for (long j = 0; j < n; ++j) out[j] = f(a[j], bv);
  } else if (as == 0 && bs == 1) {
    const T av = *a;
    for (long j = 0; j < n; ++j) out[j] = f(av, b[j]);
  } else {
    for (long j = 0; j < n; ++j) out[j] = f(a[j * as], b[j * bs]);
  }
}

// One inner loop of where; the ReLU backward (cond and g contiguous, 0 splatted)
// and clamp's masks take the vectorized paths.
template <typename T>
void whereImpl(long n, const T* c, long cs, const T* a, long as, const T* b, long bs, T* out) {
  if (cs == 1 && as == 1 && bs == 1) {
    for (long j = 0; j < n; ++j) out[j] = c[j] != T(0) ? a[j] : b[j];
  } else if (cs == 1 && as == 1 && bs == 0) {
    const T bv = *b;
    for (long j = 0; j < n; ++j) out[j] = c[j] != T(0) ? a[j] : bv;
  } else if (cs == 1 && as == 0 && bs == 1) {
    const T av = *a;
    for (long j = 0; j < n; ++j) out[j] = c[j] != T(0) ? av : b[j];
  } else {
    for (long j = 0; j < n; ++j) out[j] = c[j * cs] != T(0) ? a[j * as] : b[j * bs];
  }
}

template <typename T>
void binaryImpl(int op, long n, const T* a, long as, const T* b, long bs, T* out) {
  switch (op) {
    case kAdd: return binLoop(n, a, as, b, bs, out, [](T x, T y) { return x + y; });
    case kSub: return binLoop(n, a, as, b, bs, out, [](T x, T y) { return x - y; });
    case kMul: return binLoop(n, a, as, b, bs, out, [](T x, T y) { return x * y; });
    case kDiv: return binLoop(n, a, as, b, bs, out, [](T x, T y) { return x / y; });
    case kPow: return binLoop(n, a, as, b, bs, out, [](T x, T y) { return T(jsPow(double(x), double(y))); });
    // Math.max / Math.min: NaN wins, and +0 > −0.
    case kMaximum:
      return binLoop(n, a, as, b, bs, out, [](T x, T y) {
        return x != x || y != y ? x + y : x > y ? x : y > x ? y : std::signbit(x) ? y : x;
      });
    case kMinimum:
      return binLoop(n, a, as, b, bs, out, [](T x, T y) {
        return x != x || y != y ? x + y : x < y ? x : y < x ? y : std::signbit(x) ? x : y;
      });
    case kGt: return binLoop(n, a, as, b, bs, out, [](T x, T y) { return x > y ? T(1) : T(0); });
    case kGe: return binLoop(n, a, as, b, bs, out, [](T x, T y) { return x >= y ? T(1) : T(0); });
    case kLt: return binLoop(n, a, as, b, bs, out, [](T x, T y) { return x < y ? T(1) : T(0); });
    case kLe: return binLoop(n, a, as, b, bs, out, [](T x, T y) { return x <= y ? T(1) : T(0); });
    case kEq: return binLoop(n, a, as, b, bs, out, [](T x, T y) { return x == y ? T(1) : T(0); });
  }
}

// Σ x[0..n) in 16 double accumulators. NOTE: this is not the JS kernel's
// sequential float sum: it differs from it by its rounding error (and is the
// more accurate of the two), the price of a vectorized full reduction.
template <typename T>
double sumDouble(const T* x, long n) {
  double acc[16] = {};
  long i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; ++k) acc[k] += double(x[i + k]);
  for (int k = 0; i < n; ++i, ++k) acc[k] += double(x[i]);
  for (int w = 8; w > 0; w /= 2)
    for (int k = 0; k < w; ++k) acc[k] += acc[k + w];
  return acc[0];
}

template <typename T>
T sumRow(const T* x, long n) {
  return T(sumDouble(x, n));
}

template <typename T>
void reduceImpl(int op, const T* x, long outer, long n, long inner, T* out) {
  for (long o = 0; o < outer; ++o) {
    const T* base = x + o * n * inner;
    T* ob = out + o * inner;
    if (n == 0) {
      const T init = op == kSum ? T(0) : op == kMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
      for (long j = 0; j < inner; ++j) ob[j] = init;
      continue;
    }
    if (op == kSum && inner == 1) {
      ob[0] = sumRow(base, n);
      continue;
    }
    // Rows are combined in order, so sums match the JS kernel bit for bit and
    // max/min keep its first-of-equal choice (−0 vs +0).
    for (long j = 0; j < inner; ++j) ob[j] = base[j];
    for (long r = 1; r < n; ++r) {
      const T* row = base + r * inner;
      switch (op) {
        case kSum: for (long j = 0; j < inner; ++j) ob[j] += row[j]; break;
        case kMax:
          for (long j = 0; j < inner; ++j) { const T v = row[j], c = ob[j]; ob[j] = v > c || v != v ? v : c; }
          break;
        case kMin:
          for (long j = 0; j < inner; ++j) { const T v = row[j], c = ob[j]; ob[j] = v < c || v != v ? v : c; }
          break;
      }
    }
  }
}

// PyTorch's Adam (src/backend/js/optim.ts), m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
// p ← p·shrink − (lr/bc1)·m / (√v·(1/√bc2) + eps). float64 runs in the JS kernel's
// order, so its moments match bit for bit. float32 runs in float32, like
// torch.optim.Adam on float32 tensors: 16 lanes and no conversions make it ~2.8×
// faster than computing in double, and each result is within a few float32
// roundings of the JS kernel's (test/backend/native-elementwise.test.ts).
template <typename T>
void adamImpl(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, long n, const AdamArgs& h) {
  if constexpr (sizeof(T) == sizeof(float)) {
    const float stepSize = float(h.stepSize), beta1 = float(h.beta1), beta2 = float(h.beta2), c1 = float(h.oneMinusBeta1);
    const float c2 = float(h.oneMinusBeta2), eps = float(h.eps), invSqrtBc2 = float(1 / h.sqrtBc2), shrink = float(h.shrink);
    const float l2 = float(h.l2);
    for (long i = 0; i < n; ++i) {
      const float pv = p[i];
      const float gi = g[i] + l2 * pv;
      // NOTE: the first moment of a weight whose gradient turns 0 (a rarely lit MNIST pixel)
      // decays geometrically, below FLT_MIN after ~830 steps, and x86 takes a microcode assist
      // for each subnormal operand. Moments below FLT_MIN are set to 0 instead (the update
      // they would make is below lr·1e-30).
      float mi = beta1 * m[i] + c1 * gi;
      float vi = beta2 * v[i] + c2 * gi * gi;
      mi = std::fabs(mi) < FLT_MIN ? 0.0f : mi;
      vi = vi < FLT_MIN ? 0.0f : vi;
      m[i] = mi;
      v[i] = vi;
      p[i] = pv * shrink - (stepSize * mi) / (std::sqrt(vi) * invSqrtBc2 + eps);
    }
  } else {
    const double stepSize = h.stepSize, beta1 = h.beta1, beta2 = h.beta2, c1 = h.oneMinusBeta1, c2 = h.oneMinusBeta2;
    const double eps = h.eps, shrink = h.shrink, l2 = h.l2;
    for (long i = 0; i < n; ++i) {
      const double pv = p[i];
      const double gi = g[i] + l2 * pv;
      const double mi = beta1 * m[i] + c1 * gi;
      const double vi = beta2 * v[i] + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = pv * shrink - (stepSize * mi) / (std::sqrt(vi) / h.sqrtBc2 + eps);
    }
  }
}

using VF8 = float __attribute__((vector_size(32)));
using VD = double __attribute__((vector_size(64)));

// Float halves ↔ double. NOTE: GCC 12 lowers __builtin_convertvector of 8 floats
// to ymm conversions plus lane inserts even for AVX-512, so that build uses the
// zmm conversions directly (a quarter of the fused BCE's time).
__attribute__((always_inline)) inline VD lowD(VF v) {
#if defined(__AVX512F__)
  return (VD)_mm512_cvtps_pd(_mm512_castps512_ps256((__m512)v));
#else
  return __builtin_convertvector(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7), VD);
#endif
}
__attribute__((always_inline)) inline VD highD(VF v) {
#if defined(__AVX512F__)
  return (VD)_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd((__m512d)v, 1)));
#else
  return __builtin_convertvector(__builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15), VD);
#endif
}
__attribute__((always_inline)) inline void storeJoinedF(float* p, VD lo, VD hi) {
#if defined(__AVX512F__)
  _mm256_storeu_ps(p, _mm512_cvtpd_ps((__m512d)lo));
  _mm256_storeu_ps(p + 8, _mm512_cvtpd_ps((__m512d)hi));
#else
  const VF8 a = __builtin_convertvector(lo, VF8), b = __builtin_convertvector(hi, VF8);
  storeF(p, __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
#endif
}

// 1/u to about 2^-28 relative where a fast reciprocal exists (rcp14 and one
// Newton step r·(2 − u·r)), else exactly: only for small correction terms.
__attribute__((always_inline)) inline VF approxRecipF(VF u) {
#if defined(__AVX512F__)
  const VF r = (VF)_mm512_rcp14_ps((__m512)u);
  return r * (bc(2.0f) - u * r);
#else
  return bc(1.0f) / u;
#endif
}

// log1p(e) for e ∈ [0, 1] (or NaN), given u = fl(1 + e): logF's Cephes polynomial
// without its range and special-value handling, since u ∈ [1, 2]; log u = k·ln 2
// + log(m) with m = u or u/2 ∈ [√½, √2), plus Goldberg's correction (e − (u − 1))/u,
// which is below an ulp of the result and needs only a rough 1/u.
__attribute__((always_inline)) inline VF log1pUnitF(VF e, VF u) {
  const VI big = u > bc(1.41421356237f);
  const VF m = big ? u * bc(0.5f) : u;
  const VF k = big ? bc(1.0f) : bc(0.0f);
  const VF f = m - bc(1.0f);
  const VF z = f * f;
  VF y = logTailF(f, z);
  y = y + k * bc(-2.12194440e-4f);
  y = y - bc(0.5f) * z;
  const VF res = (f + y) + k * bc(0.693359375f);
  return res + (e - (u - bc(1.0f))) * approxRecipF(u);
}

// 16 elements of the fused BCE, loaded before anything is stored, so out or sig
// may alias the inputs. softplus(ℓ) − ℓ·y is combined in double as the JS kernel
// does: for confident logits the two terms nearly cancel, and float arithmetic
// there would lose the small log1p(e^−|ℓ|) that remains.
__attribute__((always_inline)) inline void bceBlock(const float* l, const float* y, float* out, float* sig) {
  const VF x = loadF(l), t = loadF(y);
  const VF e = expF(-absF(x));
  const VF u = bc(1.0f) + e;
  const VF lp = log1pUnitF(e, u);
  const VF relu = x > bc(0.0f) ? x : bc(0.0f);
  const VD lo = (lowD(relu) + lowD(lp)) - lowD(x) * lowD(t);
  const VD hi = (highD(relu) + highD(lp)) - highD(x) * highD(t);
  storeJoinedF(out, lo, hi);
  storeF(sig, (x >= bc(0.0f) ? bc(1.0f) : e) / u);
}

void bceF32(const float* l, const float* y, float* out, float* sig, long n) {
  long i = 0;
  for (; i + kW <= n; i += kW) bceBlock(l + i, y + i, out + i, sig + i);
  if (i < n) {
    float lb[kW] = {}, yb[kW] = {}, ob[kW], sb[kW];
    const size_t bytes = static_cast<size_t>(n - i) * sizeof(float);
    std::memcpy(lb, l + i, bytes);
    std::memcpy(yb, y + i, bytes);
    bceBlock(lb, yb, ob, sb);
    std::memcpy(out + i, ob, bytes);
    std::memcpy(sig + i, sb, bytes);
  }
}

void bceF64(const double* l, const double* y, double* out, double* sig, long n) {
  for (long i = 0; i < n; ++i) {
    const double li = l[i], yi = y[i];
    const double e = std::exp(-std::fabs(li));
    out[i] = (li > 0 ? li : 0) + std::log1p(e) - li * yi;
    sig[i] = li >= 0 ? 1 / (1 + e) : e / (1 + e);
  }
}

// ∂/∂ℓ = g·(σ(ℓ) − y), one g per row of cols: the kernel behind every Bernoulli
// decoder's backward, one pass instead of a subtraction, a product and a broadcast.
// In double and rounded once, as the JS kernel does, so both agree exactly.
template <typename T>
void bceGradImpl(const T* g, const T* sig, const T* y, long cols, T* out, long r0, long r1) {
  for (long r = r0; r < r1; ++r) {
    const double gr = g[r];
    const long base = r * cols;
    for (long j = base; j < base + cols; ++j) out[j] = T(gr * (double(sig[j]) - double(y[j])));
  }
}

// KL(N(μp, σp²) ‖ N(μq, σq²)) = ½(eʳ − 1 − r) + ½((μp − μq)/σq)², r = 2(log σp − log σq),
// in double and in the JS kernel's operation order (src/backend/js/elementwise.ts),
// so float64 results round as there. NOTE: expm1(r) − r, not exp(r) − r − 1, keeps
// the relative accuracy when σp ≈ σq.
template <typename T>
void normalKlImpl(const T* locP, const T* logScaleP, const T* locQ, const T* logScaleQ, T* out, long n) {
  for (long i = 0; i < n; ++i) {
    const double r = 2 * (double(logScaleP[i]) - double(logScaleQ[i]));
    const double d = (double(locP[i]) - double(locQ[i])) * std::exp(-double(logScaleQ[i]));
    out[i] = T(0.5 * (std::expm1(r) - r) + 0.5 * d * d);
  }
}

// ∂/∂μp = (μp − μq)/σq², ∂/∂μq = −∂/∂μp, ∂/∂log σp = eʳ − 1, ∂/∂log σq = −(eʳ − 1) − (μp − μq)²/σq²,
// each times g, in the JS kernel's order.
template <typename T>
void normalKlGradImpl(const T* g, const T* locP, const T* logScaleP, const T* locQ, const T* logScaleQ, T* dLocP,
                      T* dLogScaleP, T* dLocQ, T* dLogScaleQ, long n) {
  for (long i = 0; i < n; ++i) {
    const double gi = g[i];
    const double invVarQ = std::exp(-2 * double(logScaleQ[i]));
    const double dm = double(locP[i]) - double(locQ[i]);
    const double em1 = std::expm1(2 * (double(logScaleP[i]) - double(logScaleQ[i])));
    dLocP[i] = T(gi * dm * invVarQ);
    dLocQ[i] = T(-gi * dm * invVarQ);
    dLogScaleP[i] = T(gi * em1);
    dLogScaleQ[i] = T(-gi * (em1 + dm * dm * invVarQ));
  }
}

using VL = int64_t __attribute__((vector_size(64)));

__attribute__((always_inline)) inline VD bd(double c) { return VD{} + c; }

// exp(x) in 8 double lanes: x = n·ln 2 + r, |r| ≤ ln2/2 (fdlibm's split of ln 2),
// e^r by its Taylor series to r¹¹ (truncation < 1e-14 relative: ample for float32
// results), times 2^n as two normal factors as in expF. NaN propagates through p.
__attribute__((always_inline)) inline VD expD(VD x) {
  x = x < bd(-708.0) ? bd(-708.0) : x;
  x = x > bd(709.0) ? bd(709.0) : x;
  // Adding 1.5·2^52 rounds to an integer n held in the low bits of the sum, so n
  // is read back with an integer subtraction (AVX-512F lacks double → int64).
  const VD shifted = x * bd(1.4426950408889634) + bd(6755399441055744.0);
  const VD n = shifted - bd(6755399441055744.0);
  const VD r = (x - n * bd(6.93147180369123816490e-01)) - n * bd(1.90821492927058770002e-10);
  VD p = bd(1.0 / 39916800);
  constexpr double kInvFact[] = {1.0 / 3628800, 1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120,
                                 1.0 / 24,      1.0 / 6,      0.5,          1.0,          1.0};
  for (const double c : kInvFact) p = p * r + bd(c);
  const VL ni = (VL)shifted - (VL)bd(6755399441055744.0);
  const VL n1 = ni >> 1, n2 = ni - n1;
  return p * (VD)((n1 + 1023) << 52) * (VD)((n2 + 1023) << 52);
}

// e^r − 1 − r: its Taylor series r²(1/2! + r/3! + … + r¹²/14!) for |r| < ½, where
// e^r − 1 − r would cancel, else (e^r − 1) − r, which loses under 3 bits there.
// Each branch is computed only when some lane needs it.
__attribute__((always_inline)) inline VD expm1MinusD(VD r) {
  const VD ar = r < bd(0.0) ? -r : r;
  const VL small = ar < bd(0.5);
  VD q = bd(0.0), big = bd(0.0);
  bool anySmall = false, anyBig = false;
  for (int k = 0; k < 8; ++k) (small[k] ? anySmall : anyBig) = true;
  if (anySmall) {
    q = bd(1.0 / 87178291200);
    constexpr double kInvFact[] = {1.0 / 6227020800, 1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880,
                                   1.0 / 40320,      1.0 / 5040,      1.0 / 720,      1.0 / 120,     1.0 / 24,
                                   1.0 / 6,          0.5};
    for (const double c : kInvFact) q = q * r + bd(c);
    q = q * (r * r);
  }
  if (anyBig) big = (expD(r) - bd(1.0)) - r;
  return small ? q : big;
}

__attribute__((always_inline)) inline VD load8D(const float* p) {
  VF8 v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_convertvector(v, VD);
}
__attribute__((always_inline)) inline void store8F(float* p, VD v) {
  const VF8 f = __builtin_convertvector(v, VF8);
  std::memcpy(p, &f, sizeof f);
}

// float32 normalKl 8 lanes at a time with the vector exp above; the formulas and
// their order are the scalar kernel's, the tail goes through it.
void normalKlF32(const float* locP, const float* logScaleP, const float* locQ, const float* logScaleQ, float* out, long n) {
  long i = 0;
  for (; i + 8 <= n; i += 8) {
    const VD sq = load8D(logScaleQ + i);
    const VD r = bd(2.0) * (load8D(logScaleP + i) - sq);
    const VD d = (load8D(locP + i) - load8D(locQ + i)) * expD(-sq);
    store8F(out + i, bd(0.5) * expm1MinusD(r) + bd(0.5) * d * d);
  }
  normalKlImpl<float>(locP + i, logScaleP + i, locQ + i, logScaleQ + i, out + i, n - i);
}

void normalKlGradF32(const float* g, const float* locP, const float* logScaleP, const float* locQ, const float* logScaleQ,
                     float* dLocP, float* dLogScaleP, float* dLocQ, float* dLogScaleQ, long n) {
  long i = 0;
  for (; i + 8 <= n; i += 8) {
    const VD gi = load8D(g + i), sq = load8D(logScaleQ + i);
    const VD invVarQ = expD(bd(-2.0) * sq);
    const VD dm = load8D(locP + i) - load8D(locQ + i);
    const VD r = bd(2.0) * (load8D(logScaleP + i) - sq);
    const VD em1 = expm1MinusD(r) + r;
    store8F(dLocP + i, gi * dm * invVarQ);
    store8F(dLocQ + i, -gi * dm * invVarQ);
    store8F(dLogScaleP + i, gi * em1);
    store8F(dLogScaleQ + i, -gi * (em1 + dm * dm * invVarQ));
  }
  normalKlGradImpl<float>(g + i, locP + i, logScaleP + i, locQ + i, logScaleQ + i, dLocP + i, dLogScaleP + i, dLocQ + i,
                          dLogScaleQ + i, n - i);
}

// Whether some x[i] is NaN or ±∞, the values whose exponent bits are all set: the largest masked
// exponent (an unsigned max the vectorizer keeps in registers) equals the mask only then. A bit
// test, so the trainer's check of every gradient costs a read of it, not a sum.
template <typename T>
bool nonFiniteImpl(const T* x, long n) {
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  constexpr U kExponent = sizeof(T) == 4 ? U(0x7f800000u) : U(0x7ff0000000000000ull);
  U most = 0;
  for (long i = 0; i < n; ++i) {
    U bits;
    std::memcpy(&bits, x + i, sizeof bits);
    const U e = bits & kExponent;
    most = e > most ? e : most;
  }
  return most == kExponent;
}

ElemKernels makeElemKernels() {
  return {
      {&biasActImpl<float>, &unaryF32, &binaryImpl<float>, &whereImpl<float>, &reduceImpl<float>, &sumDouble<float>, &adamImpl<float>, &bceF32, &bceGradImpl<float>, &normalKlF32,
       &normalKlGradF32, &nonFiniteImpl<float>},
      {&biasActImpl<double>, &unaryF64, &binaryImpl<double>, &whereImpl<double>, &reduceImpl<double>, &sumDouble<double>, &adamImpl<double>, &bceF64, &bceGradImpl<double>, &normalKlImpl<double>,
       &normalKlGradImpl<double>, &nonFiniteImpl<double>},
  };
}

}  // namespace
}  // namespace elbo
