// Portable GEMM kernels for CPUs without AVX2/FMA: the same blocked driver
// with a 4×4 scalar tile, which the compiler may still vectorize for SSE2.
#include "gemm_driver.h"

namespace elbo {
namespace {

template <typename Scalar>
struct Plain {
  using T = Scalar;
  using V = Scalar;
  static constexpr int W = 1;
  static V zero() { return V(0); }
  static V load(const T* p) { return *p; }
  static V bcast(const T* p) { return *p; }
  static V fma(V a, V b, V c) { return a * b + c; }
  static V add(V a, V b) { return a + b; }
  static void store(T* p, V v) { *p = v; }
};

using F32 = Driver<Micro<Plain<float>, 4, 4>, 128, 256, 512>;
using F64 = Driver<Micro<Plain<double>, 4, 4>, 128, 256, 256>;

}  // namespace

KernelSet kernelsScalar() { return {"scalar", makeKernel<F32>(), makeKernel<F64>()}; }

}  // namespace elbo
