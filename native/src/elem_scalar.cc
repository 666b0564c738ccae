// Elementwise kernels built for baseline x86-64 / any CPU (16-float vectors lower to SSE2 or scalar code);
// the code is elem_impl.h, shared by all ISAs.
#include "elem_impl.h"

namespace elbo {

ElemKernels elemKernelsScalar() { return makeElemKernels(); }

}  // namespace elbo
