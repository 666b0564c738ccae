// Elementwise kernels built for AVX-512F (-mavx512f -mfma; 16-float vectors are one zmm);
// the code is elem_impl.h, shared by all ISAs.
#include "elem_impl.h"

namespace elbo {

ElemKernels elemKernelsAvx512() { return makeElemKernels(); }

}  // namespace elbo
