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

// packedA / packedB: null, or the whole operand packed once by PackFn when
// threads split C, so that each thread's chunk does not pack it again; aLists:
// null, or the zero-skipping lists of all of A's panels made once by ScanFn when
// threads split C by columns, so that each chunk does not scan all of A again.
template <typename T>
using GemmFn = void (*)(const GemmArgs<T>& g, T* work, const T* packedA, const T* packedB, const int* aLists);

// Packs all of op(A) into roundUp(m, mr)·k elements, or op(B) into roundUp(n, nr)·k.
template <typename T>
using PackFn = void (*)(const GemmArgs<T>& g, T* dst);

// How many ints the lists of all of A's panels take (0: the kernel does not skip
// zero steps of this A), and the scan that fills them.
template <typename T>
using ListSizeFn = size_t (*)(const GemmArgs<T>& g);
template <typename T>
using ScanFn = void (*)(const GemmArgs<T>& g, int* lists);

// Whether the driver reads op(A) (or op(B)) of this problem where it is, unpacked.
template <typename T>
using InPlaceFn = bool (*)(const GemmArgs<T>& g);

// Columns [j0, j1) of C = Aᵀ·B + beta·C (g.transA, not g.transB) by the column
// kernel, which skips each ±0 of B where `skip` (A then all finite), with `work`
// the per-thread scratch. It takes g.k ≤ colsMaxK, g.m and j1 − j0 multiples of
// colsAlign, and sums as run() does, to the bit.
template <typename T>
using ColsFn = void (*)(const GemmArgs<T>& g, long j0, long j1, T* work, bool skip);

// The row kernel: C = A·op(B) + beta·C (A not transposed) for an A whose zeros
// are scattered one by one, as MNIST's pixels in a first layer's x·Wᵀ. RowsScanFn
// lists, for rows [i0, i1) of A, the steps where A is not ±0 and the values there,
// into RowsListFn(g) ints; RowsFn then computes columns [j0, j1)
// (at most rowsWidth of them) from those lists with `work` the per-thread
// scratch, taking g.k ≤ rowsMaxK. It sums as run() does, to the bit, or returns
// false having written nothing to C where op(B)'s columns hold a NaN or ±∞ (a ±0
// of A may then not be left out).
template <typename T>
using RowsListFn = size_t (*)(const GemmArgs<T>& g);
template <typename T>
using RowsScanFn = void (*)(const GemmArgs<T>& g, int* lists, long i0, long i1);
template <typename T>
using RowsFn = bool (*)(const GemmArgs<T>& g, long j0, long j1, T* work, const int* lists);

// One dtype's kernel: the driver, its whole-operand packers, which operands it
// reads in place (those are never packed), its register tile (threads split C
// on tile boundaries) and its per-thread scratch, in elements; and the column
// and row kernels of ISAs that have them.
template <typename T>
struct GemmKernel {
  GemmFn<T> run;
  PackFn<T> packAllA;
  PackFn<T> packAllB;
  ListSizeFn<T> aListInts;
  ScanFn<T> scanAllA;
  InPlaceFn<T> inPlaceA;
  InPlaceFn<T> inPlaceB;
  long mr, nr;
  size_t workElems;
  ColsFn<T> cols = nullptr;
  long colsMaxK = 0, colsAlign = 1;
  RowsListFn<T> rowsListInts = nullptr;
  RowsScanFn<T> rowsScan = nullptr;
  RowsFn<T> rows = nullptr;
  long rowsMaxK = 0, rowsWidth = 0;
};

struct KernelSet {
  const char* isa;
  GemmKernel<float> f32;
  GemmKernel<double> f64;
};

KernelSet kernelsAvx512();
KernelSet kernelsAvx2();
KernelSet kernelsScalar();

}  // namespace elbo
