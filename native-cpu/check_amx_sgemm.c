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
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int imf_amx_init(void);
int imf_amx_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *A, long lda,
                  const float *B, long ldb, float beta, float *C, long ldc);
int imf_amx_sgemm_shared_a(int transA, int transB, int m, int n, int k, const float *A, long lda, int count,
                           const float *B0, const float *B1, const float *B2, long ldb, float beta,
                           float *C0, float *C1, float *C2, long ldc);

static float uniform(void) { return (float) rand() / RAND_MAX - 0.5f; }

static int accurate(int ta, int tb, int m, int n, int k, float alpha, float beta) {
    long lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
    long na = lda * (ta ? k : m), nb = ldb * (tb ? n : k), nc = ldc * m;
    float *A = malloc(sizeof(float) * na), *B = malloc(sizeof(float) * nb), *C = malloc(sizeof(float) * nc), *C0 = malloc(sizeof(float) * nc);
    for (long i = 0; i < na; i++) A[i] = uniform();
    for (long i = 0; i < nb; i++) B[i] = uniform();
    for (long i = 0; i < nc; i++) C0[i] = C[i] = uniform();
    int ok = imf_amx_sgemm(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc) == 0;
    double worst = 0;
    for (int i = 0; i < m && ok; i++) {
        for (int j = 0; j < n; j++) {
            double sum = 0, mag = 0;
            for (int p = 0; p < k; p++) {
                double a = ta ? A[(long) p * lda + i] : A[(long) i * lda + p], b = tb ? B[(long) j * ldb + p] : B[(long) p * ldb + j];
                sum += a * b;
                mag += fabs(a * b);
            }
            double c0 = beta == 0 ? 0 : (double) beta * C0[i * ldc + j];
            double err = fabs(C[i * ldc + j] - (alpha * sum + c0)) / (fabs(alpha) * mag + fabs(c0) + 1e-30);
            if (err > worst) worst = err;
        }
        for (long j = n; j < ldc; j++) ok &= C[i * ldc + j] == C0[i * ldc + j];
    }
    ok &= worst <= 0x1p-21;
    if (!ok) printf("check_amx_sgemm: %s transA %d transB %d %dx%dx%d alpha %g beta %g: error %.2e of the terms' magnitude\n",
                    "FAIL", ta, tb, m, n, k, alpha, beta, worst);
    free(A); free(B); free(C); free(C0);
    return ok;
}

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

static float A2[256 * 256], B2[256 * 256], C2[256 * 256];

static void *one_product(void *unused) {
    (void) unused;
    imf_amx_sgemm(0, 0, 256, 256, 256, 0.5f, A2, 256, B2, 256, 0.0f, C2, 256);
    return NULL;
}

int main(void) {
    if (imf_amx_init() != 0) {
        printf("check_amx_sgemm: skipped, no AMX on this machine (imf_amx_init %d)\n", imf_amx_init());
        return 0;
    }
    int ok = 1;
    static const int shapes[][3] = {{1, 1, 1}, {17, 33, 31}, {70, 45, 300}, {150, 300, 600}, {32, 16, 32}, {300, 40, 70}};
    static const float scalars[][2] = {{1, 0}, {1, 1}, {1.5f, 0}, {-0.7f, 0.5f}};
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int s = 0; s < 6; s++) ok &= accurate(ta, tb, shapes[s][0], shapes[s][1], shapes[s][2], scalars[s % 4][0], scalars[s % 4][1]);
    static const int shared_shapes[][3] = {{70, 96, 96}, {300, 256, 300}, {33, 32, 600}, {150, 192, 64}};
    int shared = 0;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int s = 0; s < 4; s++, shared++)
                ok &= shared_a(ta, tb, shared_shapes[s][0], shared_shapes[s][1], shared_shapes[s][2], 2 + s % 2, (float) (shared % 2));
    ok &= shared_a_rejects();
    struct mallinfo2 before = mallinfo2();
    for (int t = 0; t < 200; t++) {
        pthread_t thread;
        pthread_create(&thread, NULL, one_product, NULL);
        pthread_join(thread, NULL);
    }
    struct mallinfo2 after = mallinfo2();
    size_t grown = (after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd);
    if (grown > (4u << 20)) {
        printf("check_amx_sgemm: FAIL 200 ended threads left %zu KiB in use\n", grown >> 10);
        ok = 0;
    }
    printf("check_amx_sgemm: %s (24 products against double; %d calls sharing A as one call each; 200 threads ended leaving %zu KiB)\n",
           ok ? "ok" : "FAILED", shared, grown >> 10);
    return ok ? 0 : 1;
}
