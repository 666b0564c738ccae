// @ts-nocheck — AssemblyScript, compiled by scripts/build-wasm.mjs (asc); tsc cannot type v128/usize.
// Multiply-add shared by the kernels: fused where the relaxed-SIMD build is compiled (V8 emits
// vfmadd231ps/pd), else a multiply then an add. Not an entry file, so nothing here is exported
// from the module.

/** a·b + c on four float32 lanes. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** a·b + c on two float64 lanes. */
@inline export function maddD(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}
