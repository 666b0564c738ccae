// Shared declarations between the N-API glue (addon.cc) and the per-ISA GEMM
// translation units, which are compiled with different -m flags and must only
// meet through these plain types and function pointers.
#pragma once

#include <cstddef>

namespace elbo {

// One row-major GEMM problem, offsets already applied to the pointers:
// C = op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n, beta ∈ {0, 1}.
template <typename T>
struct GemmArgs {
  bool transA;
  bool transB;
  long m, n, k;
  const T* a;
  long lda;
  const T* b;
  long ldb;
  bool beta1;
  T* c;
  long ldc;
};

template <typename T>
using GemmFn = void (*)(const GemmArgs<T>& g, T* work);

// One dtype's kernel: the driver, its register tile (threads split C on tile
// boundaries) and the scratch it needs for packed panels, in elements.
template <typename T>
struct GemmKernel {
  GemmFn<T> run;
  long mr, nr;
  size_t workElems;
};

// In place x[i] = 1 / (1 + exp(-x[i])) over n contiguous floats.
using SigmoidF32 = void (*)(float* x, long n);

struct KernelSet {
  const char* isa;
  GemmKernel<float> f32;
  GemmKernel<double> f64;
  SigmoidF32 sigmoidF32;
};

KernelSet kernelsAvx512();
KernelSet kernelsAvx2();
KernelSet kernelsScalar();

}  // namespace elbo
