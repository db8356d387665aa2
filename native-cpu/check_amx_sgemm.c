// make native-cpu-check (run by make test): checks of amx_sgemm.c that the Java tests cannot make. Skips (exit 0)
// where the machine has no AMX.
//   1. every transpose, alpha, beta and ragged size against a double-precision product, within 2^-21 of the summed
//      terms' magnitude (as CpuGemmTest.amxIsAsAccurateAsFloat), C's padding columns untouched;
//   2. products that share A (imf_amx_sgemm_shared_a) bit for bit those of one imf_amx_sgemm each, over every
//      transpose, beta 0 and 1, two and three products, k = 600 over two depth blocks, rows past one 128-row block, and
//      widths over one 512-column block;
//      arguments it does not take rejected with nothing written;
//   3. a thread's buffers are freed when it ends: 200 short-lived threads leave under 4 MiB in use (without the
//      thread-end destructor each kept ~0.6 MiB).
#include <string.h>

#include "check_sgemm.h"

int imf_amx_init(void);
int imf_amx_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *A, long lda,
                  const float *B, long ldb, float beta, float *C, long ldc);
int imf_amx_sgemm_shared_a(int transA, int transB, int m, int n, int k, const float *A, long lda, int count,
                           const float *B0, const float *B1, const float *B2, long ldb, float beta,
                           float *C0, float *C1, float *C2, long ldc);

/* count products sharing A in one call against one call each: every C bit for bit, padding columns untouched. */
static int shared_a(int ta, int tb, int m, int n, int k, int count, float beta) {
    long lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
    long na = lda * (ta ? k : m), nb = ldb * (tb ? n : k), nc = ldc * m;
    float *A = malloc(sizeof(float) * na), *B[3], *C[3], *D[3];
    for (long i = 0; i < na; i++) A[i] = uniform();
    for (int s = 0; s < 3; s++) {
        B[s] = malloc(sizeof(float) * nb);
        C[s] = malloc(sizeof(float) * nc);
        D[s] = malloc(sizeof(float) * nc);
        for (long i = 0; i < nb; i++) B[s][i] = uniform();
        for (long i = 0; i < nc; i++) C[s][i] = D[s][i] = uniform();
    }
    int ok = imf_amx_sgemm_shared_a(ta, tb, m, n, k, A, lda, count, B[0], B[1], B[2], ldb, beta, C[0], C[1], C[2], ldc) == 0;
    for (int s = 0; s < count; s++) ok &= imf_amx_sgemm(ta, tb, m, n, k, 1.0f, A, lda, B[s], ldb, beta, D[s], ldc) == 0;
    for (int s = 0; s < 3; s++)
        for (long i = 0; i < nc; i++) ok &= memcmp(&C[s][i], &D[s][i], sizeof(float)) == 0;   // the third untouched with 2
    if (!ok) printf("check_amx_sgemm: FAIL shared A, transA %d transB %d %dx%dx%d, %d products, beta %g: not the bits of one call each\n",
                    ta, tb, m, n, k, count, beta);
    free(A);
    for (int s = 0; s < 3; s++) { free(B[s]); free(C[s]); free(D[s]); }
    return ok;
}

/* Arguments imf_amx_sgemm_shared_a does not take: -2 and C unchanged. */
static int shared_a_rejects(void) {
    float a[32 * 32] = {1}, b[32 * 32] = {1}, c[32 * 48], c0[32 * 48];
    for (int i = 0; i < 32 * 48; i++) c[i] = c0[i] = (float) i;
    int ok = imf_amx_sgemm_shared_a(0, 1, 32, 48, 32, a, 32, 2, b, b, NULL, 32, 0.0f, c, c, NULL, 48) == -2   // n not of 32
             && imf_amx_sgemm_shared_a(0, 1, 32, 32, 32, a, 32, 4, b, b, b, 32, 0.0f, c, c, c, 32) == -2      // four products
             && imf_amx_sgemm_shared_a(0, 1, 32, 32, 32, a, 32, 1, b, NULL, NULL, 32, 0.0f, c, NULL, NULL, 32) == -2
             && imf_amx_sgemm_shared_a(0, 1, 32, 32, 32, a, 32, 2, b, b, NULL, 32, 0.5f, c, c, NULL, 32) == -2   // beta
             && memcmp(c, c0, sizeof c) == 0;
    if (!ok) printf("check_amx_sgemm: FAIL shared A took arguments outside its contract, or wrote C\n");
    return ok;
}

int main(void) {
    if (imf_amx_init() != 0) {
        printf("check_amx_sgemm: skipped, no AMX on this machine (imf_amx_init %d)\n", imf_amx_init());
        return 0;
    }
    int ok = accurate_everywhere("check_amx_sgemm", imf_amx_sgemm);
    static const int shared_shapes[][3] = {{70, 96, 96}, {300, 256, 300}, {33, 32, 600}, {150, 192, 64}};
    int shared = 0;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int s = 0; s < 4; s++, shared++)
                ok &= shared_a(ta, tb, shared_shapes[s][0], shared_shapes[s][1], shared_shapes[s][2], 2 + s % 2, (float) (shared % 2));
    ok &= shared_a_rejects();
    size_t grown;
    ok &= threads_free_buffers("check_amx_sgemm", imf_amx_sgemm, &grown);
    printf("check_amx_sgemm: %s (24 products against double; %d calls sharing A as one call each; 200 threads ended leaving %zu KiB)\n",
           ok ? "ok" : "FAILED", shared, grown >> 10);
    return ok ? 0 : 1;
}
