// Internal to the engine: what the x86 kernels built for several instruction sets share (the
// engine is built for baseline x86-64; kernels carry target attributes and are picked at run
// time by Widest).
//
// Invariants: KahanTerm8/KahanTerm4 make, lane by lane, the IEEE operations of
// common::KahanTerm in its order (no multiplication, so nothing can be fused), so a wide
// kernel gives the scalar one's bits.
#ifndef PROMLET_PROMQL_ENGINE_SIMD_H_
#define PROMLET_PROMQL_ENGINE_SIMD_H_

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PROMLET_X86_TARGETS 1
#endif

namespace promlet::promql::internal {

#ifdef PROMLET_X86_TARGETS
// KahanTerm of eight lanes: what FiniteKahanStep adds to c after t = s + f.
__attribute__((target("avx512f"), always_inline)) inline __m512d KahanTerm8(__m512d s, __m512d f,
                                                                            __m512d t) {
  const __m512d big_sum = _mm512_add_pd(_mm512_sub_pd(s, t), f);
  const __m512d big_inc = _mm512_add_pd(_mm512_sub_pd(f, t), s);
  const __mmask8 sum_bigger = _mm512_cmp_pd_mask(_mm512_abs_pd(s), _mm512_abs_pd(f), _CMP_GE_OQ);
  return _mm512_mask_blend_pd(sum_bigger, big_inc, big_sum);
}

// KahanTerm of four lanes.
__attribute__((target("avx2"), always_inline)) inline __m256d KahanTerm4(__m256d s, __m256d f,
                                                                         __m256d t) {
  const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffff));
  const __m256d big_sum = _mm256_add_pd(_mm256_sub_pd(s, t), f);
  const __m256d big_inc = _mm256_add_pd(_mm256_sub_pd(f, t), s);
  const __m256d sum_bigger =
      _mm256_cmp_pd(_mm256_and_pd(s, abs_mask), _mm256_and_pd(f, abs_mask), _CMP_GE_OQ);
  return _mm256_blendv_pd(big_inc, big_sum, sum_bigger);
}

// The widest build of a kernel this CPU runs (AVX-512 only where the kernel has one), else its
// baseline build.
template <typename Fn>
Fn* Widest(Fn* baseline, Fn* avx2, Fn* avx512 = nullptr) {
  __builtin_cpu_init();
  if (avx512 != nullptr && __builtin_cpu_supports("avx512f")) return avx512;
  return __builtin_cpu_supports("avx2") ? avx2 : baseline;
}
#endif

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_SIMD_H_
