// Elementwise kernels built for AVX2 + FMA (-mavx2 -mfma; 16-float vectors are two ymm);
// the code is elem_impl.h, shared by all ISAs.
#include "elem_impl.h"

namespace elbo {

ElemKernels elemKernelsAvx2() { return makeElemKernels(); }

}  // namespace elbo
