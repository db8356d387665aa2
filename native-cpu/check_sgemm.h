// Checks shared by the native GEMMs' check programs (check_amx_sgemm.c, check_avx512_sgemm.c): a product against double
// precision, and a thread's buffers freed when it ends.
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef int (*sgemm_fn)(int transA, int transB, int m, int n, int k, float alpha, const float *A, long lda,
                        const float *B, long ldb, float beta, float *C, long ldc);

static float uniform(void) { return (float) rand() / RAND_MAX - 0.5f; }

/* One product against double: within 2^-21 of the summed terms' magnitude, C's padding columns untouched. */
static int accurate(const char *name, sgemm_fn gemm, int ta, int tb, int m, int n, int k, float alpha, float beta) {
    long lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
    long na = lda * (ta ? k : m), nb = ldb * (tb ? n : k), nc = ldc * m;
    float *A = malloc(sizeof(float) * na), *B = malloc(sizeof(float) * nb), *C = malloc(sizeof(float) * nc), *C0 = malloc(sizeof(float) * nc);
    for (long i = 0; i < na; i++) A[i] = uniform();
    for (long i = 0; i < nb; i++) B[i] = uniform();
    for (long i = 0; i < nc; i++) C0[i] = C[i] = uniform();
    int ok = gemm(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc) == 0;
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
    if (!ok) printf("%s: FAIL transA %d transB %d %dx%dx%d alpha %g beta %g: error %.2e of the terms' magnitude\n",
                    name, ta, tb, m, n, k, alpha, beta, worst);
    free(A); free(B); free(C); free(C0);
    return ok;
}

/* Every transpose over six shapes (ragged, one element, several depth blocks) and four alpha, beta pairs: 24 products. */
static int accurate_everywhere(const char *name, sgemm_fn gemm) {
    int ok = 1;
    static const int shapes[][3] = {{1, 1, 1}, {17, 33, 31}, {70, 45, 300}, {150, 300, 600}, {32, 16, 32}, {300, 40, 70}};
    static const float scalars[][2] = {{1, 0}, {1, 1}, {1.5f, 0}, {-0.7f, 0.5f}};
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int s = 0; s < 6; s++) ok &= accurate(name, gemm, ta, tb, shapes[s][0], shapes[s][1], shapes[s][2], scalars[s % 4][0], scalars[s % 4][1]);
    return ok;
}

static sgemm_fn thread_gemm;
static float A2[256 * 256], B2[256 * 256], C2[256 * 256];

static void *one_product(void *unused) {
    (void) unused;
    thread_gemm(0, 0, 256, 256, 256, 0.5f, A2, 256, B2, 256, 0.0f, C2, 256);
    return NULL;
}

/* A thread's buffers are freed when it ends: 200 short-lived threads, each making one product, leave under 4 MiB in use. */
static int threads_free_buffers(const char *name, sgemm_fn gemm, size_t *grown) {
    thread_gemm = gemm;
    struct mallinfo2 before = mallinfo2();
    for (int t = 0; t < 200; t++) {
        pthread_t thread;
        pthread_create(&thread, NULL, one_product, NULL);
        pthread_join(thread, NULL);
    }
    struct mallinfo2 after = mallinfo2();
    *grown = (after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd);
    if (*grown <= (4u << 20)) return 1;
    printf("%s: FAIL 200 ended threads left %zu KiB in use\n", name, *grown >> 10);
    return 0;
}
