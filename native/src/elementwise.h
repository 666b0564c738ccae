// Shared declarations for the elementwise kernels (unary, binary inner loops,
// reductions, Adam), which each ISA translation unit builds from elem_impl.h
// with its own -m flags; addon.cc picks one table at run time.
#pragma once

namespace elbo {

// Op codes follow the order of UnaryKernel / BinaryKernel / ReduceKernel in
// src/backend/backend.ts; src/backend/native/index.ts maps names to them.
enum UnaryOp {
  kNeg, kExp, kLog, kLog1p, kExpm1, kSqrt, kAbs, kSquare, kSign, kReciprocal, kSigmoid, kTanh, kRelu, kSoftplus,
  kStep, kPowScalar, kClamp, kLeakyRelu, kElu, kUnaryCount
};
enum BinaryOp { kAdd, kSub, kMul, kDiv, kPow, kMaximum, kMinimum, kGt, kGe, kLt, kLe, kEq, kBinaryCount };
enum ReduceOp { kSum, kMax, kMin, kReduceCount };
// The activations of biasAct, in the order of BiasAct in src/backend/backend.ts.
enum BiasActOp { kActIdentity, kActRelu, kActSigmoid, kBiasActCount };

// Adam hyper-parameters as the JS kernel derives them (src/backend/js/optim.ts).
struct AdamArgs {
  double stepSize, beta1, beta2, oneMinusBeta1, oneMinusBeta2, eps, sqrtBc2, shrink, l2;
};

template <typename T>
struct ElemKernelsT {
  // Rows [r0, r1) of the n-column matrix x: x = act(x + bias) in place (act a BiasActOp).
  void (*biasAct)(T* x, const T* bias, long n, long r0, long r1, int act);
  // out[i] = f(x[i]; p0, p1) for i < n.
  void (*unary)(int op, const T* x, T* out, long n, double p0, double p1);
  // out[j] = a[j·as] ∘ b[j·bs] for j < n (as, bs ∈ {0, 1} take fast paths).
  void (*binary)(int op, long n, const T* a, long as, const T* b, long bs, T* out);
  // out[j] = c[j·cs] ≠ 0 ? a[j·as] : b[j·bs] for j < n (unit strides, and b or a splatted, take fast paths).
  void (*where)(long n, const T* c, long cs, const T* a, long as, const T* b, long bs, T* out);
  // [outer, n, inner] → [outer, inner].
  void (*reduce)(int op, const T* x, long outer, long n, long inner, T* out);
  // Σ x[0..n) in double, as reduce sums a whole row before rounding to T.
  double (*sum)(const T* x, long n);
  void (*adam)(T* p, const T* g, T* m, T* v, long n, const AdamArgs& h);
  // out = softplus(ℓ) − ℓ·y and sig = σ(ℓ) for i < n (fused BCE from logits).
  void (*bce)(const T* logits, const T* target, T* out, T* sig, long n);
  // Its backward for rows [r0, r1) of cols: out = g[row]·(sig − y), from the row's start.
  void (*bceGrad)(const T* g, const T* sig, const T* y, long cols, T* out, long r0, long r1);
  // out = KL(N(locP, e^{logScaleP}) ‖ N(locQ, e^{logScaleQ})) elementwise, for i < n.
  void (*normalKl)(const T* locP, const T* logScaleP, const T* locQ, const T* logScaleQ, T* out, long n);
  // Its four partials times the upstream gradient g, for i < n.
  void (*normalKlGrad)(const T* g, const T* locP, const T* logScaleP, const T* locQ, const T* logScaleQ, T* dLocP,
                       T* dLogScaleP, T* dLocQ, T* dLogScaleQ, long n);
  // Whether some x[i], i < n, is NaN or ±∞.
  bool (*nonFinite)(const T* x, long n);
};

struct ElemKernels {
  ElemKernelsT<float> f32;
  ElemKernelsT<double> f64;
};

ElemKernels elemKernelsAvx512();
ElemKernels elemKernelsAvx2();
ElemKernels elemKernelsScalar();

}  // namespace elbo
