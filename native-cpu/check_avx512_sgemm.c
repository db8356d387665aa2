// make native-cpu-check (run by make test): checks of avx512_sgemm.c at the C level. Skips (exit 0) where the CPU has
// no AVX-512 F.
//   1. every transpose, alpha, beta and ragged size against a double-precision product, within 2^-21 of the summed
//      terms' magnitude, C's padding columns untouched: with the default blocks and with small ones (KC 40, MC 24,
//      NC 64: several depth, row and column blocks);
//   2. blocks that are not of 8-row, 32-column tiles rejected;
//   3. a thread's buffers are freed when it ends (200 short-lived threads leave under 4 MiB in use).
#include "check_sgemm.h"

int imf_avx512_blocks(int kc, int mc, int nc);
int imf_avx512_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *A, long lda,
                     const float *B, long ldb, float beta, float *C, long ldc);

int main(void) {
    if (!__builtin_cpu_supports("avx512f")) {
        printf("check_avx512_sgemm: skipped, no AVX-512 F on this machine\n");
        return 0;
    }
    int ok = imf_avx512_blocks(256, 256, 1024) == 0 && accurate_everywhere("check_avx512_sgemm", imf_avx512_sgemm);
    size_t grown;
    ok &= threads_free_buffers("check_avx512_sgemm", imf_avx512_sgemm, &grown);  // before the small blocks: buffers are sized once per thread
    int rejects = imf_avx512_blocks(0, 256, 1024) == -1 && imf_avx512_blocks(256, 252, 1024) == -1 && imf_avx512_blocks(256, 256, 1000) == -1;
    if (!rejects) printf("check_avx512_sgemm: FAIL blocks not of 8-row, 32-column tiles taken\n");
    ok &= rejects && imf_avx512_blocks(40, 24, 64) == 0 && accurate_everywhere("check_avx512_sgemm (blocks 40, 24, 64)", imf_avx512_sgemm);
    printf("check_avx512_sgemm: %s (48 products against double, default and small blocks; 200 threads ended leaving %zu KiB)\n",
           ok ? "ok" : "FAILED", grown >> 10);
    return ok ? 0 : 1;
}
