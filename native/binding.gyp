# Native GEMM and elementwise backend. Each ISA gets its own static library so that only its
# translation unit is compiled with -mavx512f / -mavx2; addon.cc picks one at
# run time with __builtin_cpu_supports.
{
  "target_defaults": {
    "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno"],
    "cflags_cc!": ["-fno-exceptions"],
    "cflags!": ["-fno-exceptions"],
    "xcode_settings": {"GCC_ENABLE_CPP_EXCEPTIONS": "YES", "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"]}
  },
  "targets": [
    {
      "target_name": "elbo_gemm_avx512",
      "type": "static_library",
      "sources": ["src/gemm_avx512.cc"],
      # GCC 12's AVX-512 headers trip -Wuninitialized on _mm512_undefined_ps
      # inside the shuffle intrinsics (a known false positive).
      "cflags_cc": ["-mavx512f", "-mfma", "-fPIC", "-Wno-uninitialized", "-Wno-maybe-uninitialized"]
    },
    {
      "target_name": "elbo_gemm_avx2",
      "type": "static_library",
      "sources": ["src/gemm_avx2.cc"],
      "cflags_cc": ["-mavx2", "-mfma", "-fPIC"]
    },
    {
      "target_name": "elbo_gemm_scalar",
      "type": "static_library",
      "sources": ["src/gemm_scalar.cc"],
      "cflags_cc": ["-fPIC"]
    },
    # Elementwise kernels: -ffp-contract=off keeps a·b + c unfused, so results
    # round as in the JS kernels; -Wno-psabi silences notes about passing 64-byte
    # vectors between internal functions (nothing crosses the TU boundary), and
    # the AVX-512 one needs the same -Wuninitialized silencing as its GEMM.
    {
      "target_name": "elbo_elem_avx512",
      "type": "static_library",
      "sources": ["src/elem_avx512.cc"],
      "cflags_cc": ["-mavx512f", "-mfma", "-mprefer-vector-width=512", "-ffp-contract=off", "-fPIC", "-Wno-psabi",
                    "-Wno-uninitialized", "-Wno-maybe-uninitialized"]
    },
    {
      "target_name": "elbo_elem_avx2",
      "type": "static_library",
      "sources": ["src/elem_avx2.cc"],
      "cflags_cc": ["-mavx2", "-mfma", "-ffp-contract=off", "-fPIC", "-Wno-psabi"]
    },
    {
      "target_name": "elbo_elem_scalar",
      "type": "static_library",
      "sources": ["src/elem_scalar.cc"],
      "cflags_cc": ["-ffp-contract=off", "-fPIC", "-Wno-psabi"]
    },
    {
      "target_name": "elbo_native",
      "sources": ["src/addon.cc", "src/arena.cc"],
      "dependencies": ["elbo_gemm_avx512", "elbo_gemm_avx2", "elbo_gemm_scalar",
                       "elbo_elem_avx512", "elbo_elem_avx2", "elbo_elem_scalar"],
      "libraries": ["-pthread"],
      "cflags_cc": ["-pthread"]
    }
  ]
}
