// fp32 GEMM on AVX-512 (AMD Zen 4 and Zen 5): C = alpha·op(A)·op(B) + beta·C, one thread.
//
// The Vector API kernel (GemmPacked, GemmSimd) runs its 8×32 tile at 94–97 % of a Zen 4 core on panels in L1, but
// at 65–80 % inside a training step, whose operands and outputs were written long before the call: a tile's stores
// wait for C's lines to come from memory, and Java has no prefetch instruction. This kernel is the same 8×32 tile
// (8 broadcasts of A, 2 vectors of B, 16 FMAs a step, every sum over k in order, as GemmSimd's), with C's lines
// fetched for writing (prefetchw) while the tile multiplies, so that its stores find them in cache.
//
// Blocking (GotoBLAS order, GemmPacked's blocks from the core's caches, set by imf_avx512_blocks): for each NC-column
// block, for each KC-deep block, B is packed into 32-column panels; for each MC-row block, A into 8-row panels; the
// micro-kernel runs every 8×32 tile of the block. Edges are zero-padded; an edge tile goes through a tile buffer. The
// first depth block applies beta (C is not read when beta is 0); later ones add to C.
//
// Build: gcc -O3 -fPIC -ffp-contract=off -mavx512f -mfma (see Makefile).
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#define MR 8
#define NR 32
/* Block sizes: set once by imf_avx512_blocks (the Java side's GemmBlocking, from the core's caches) before any call. */
static int KC = 256, MC = 256, NC = 1024;

int imf_avx512_blocks(int kc, int mc, int nc) {
    if (kc < 1 || mc < MR || nc < NR || mc % MR || nc % NR) return -1;
    KC = kc;
    MC = mc;
    NC = nc;
    return 0;
}

/* Per-thread packing buffers, grown to the blocks on demand and freed when the thread ends. */
static pthread_key_t buffers_key;
static pthread_once_t buffers_once = PTHREAD_ONCE_INIT;

struct buffers { float *a, *b; size_t a_floats, b_floats; };

static void free_buffers(void *p) {
    struct buffers *buf = p;
    free(buf->a);
    free(buf->b);
    free(buf);
}

static void make_key(void) { pthread_key_create(&buffers_key, free_buffers); }

/* A 64-byte aligned buffer of at least n floats in *p (its size in *have), or 0 when out of memory. */
static int ensure(float **p, size_t *have, size_t n) {
    if (*have >= n) return 1;
    free(*p);
    *p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
    *have = *p ? n : 0;
    return *p != NULL;
}

static struct buffers *thread_buffers(void) {
    pthread_once(&buffers_once, make_key);
    struct buffers *buf = pthread_getspecific(buffers_key);
    if (!buf) {
        buf = calloc(1, sizeof *buf);
        if (!buf) return NULL;
        pthread_setspecific(buffers_key, buf);
    }
    if (!ensure(&buf->a, &buf->a_floats, (size_t) MC * KC) || !ensure(&buf->b, &buf->b_floats, (size_t) NC * KC)) return NULL;
    return buf;
}

/* op(A)[i0 + r, p0 + p] of row-major storage: transA means A is stored k×m. */
static inline float a_at(const float *a, long lda, int trans, long i, long p) { return trans ? a[p * lda + i] : a[i * lda + p]; }

/* Transposes an 8×8 block: out[c·ldo + r] = in[r·ldi + c]. */
static inline void transpose8(const float *in, long ldi, float *out, long ldo) {
    __m256 r0 = _mm256_loadu_ps(in), r1 = _mm256_loadu_ps(in + ldi), r2 = _mm256_loadu_ps(in + 2 * ldi), r3 = _mm256_loadu_ps(in + 3 * ldi);
    __m256 r4 = _mm256_loadu_ps(in + 4 * ldi), r5 = _mm256_loadu_ps(in + 5 * ldi), r6 = _mm256_loadu_ps(in + 6 * ldi), r7 = _mm256_loadu_ps(in + 7 * ldi);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5), t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE), u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE), u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(out, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(out + ldo, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(out + 2 * ldo, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(out + 3 * ldo, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(out + 4 * ldo, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(out + 5 * ldo, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(out + 6 * ldo, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(out + 7 * ldo, _mm256_permute2f128_ps(u3, u7, 0x31));
}

/* Packs op(A)[ic:ic+mc, pc:pc+kc] as 8-row panels: panel q at q·8·kc, A(ic+8q+r, pc+p) at p·8 + r; rows past mc are 0. */
static void pack_a(const float *a, long lda, int trans, int ic, int mc, int pc, int kc, float *ap) {
    for (int ir = 0; ir < mc; ir += MR) {
        int mr = mc - ir < MR ? mc - ir : MR;
        float *dst = ap + (long) ir * kc;
        if (mr == MR && trans) {                  /* stored k×m: a panel row is 8 contiguous floats */
            const float *src = a + (long) pc * lda + ic + ir;
            for (int p = 0; p < kc; p++) _mm256_storeu_ps(dst + p * MR, _mm256_loadu_ps(src + p * lda));
        } else if (mr == MR) {                    /* stored m×k: 8×8 blocks transposed */
            const float *src = a + (long) (ic + ir) * lda + pc;
            int p = 0;
            for (; p + 8 <= kc; p += 8) transpose8(src + p, lda, dst + p * MR, MR);
            for (; p < kc; p++) for (int r = 0; r < MR; r++) dst[p * MR + r] = src[r * lda + p];
        } else {
            for (int p = 0; p < kc; p++)
                for (int r = 0; r < MR; r++) dst[p * MR + r] = r < mr ? a_at(a, lda, trans, ic + ir + r, pc + p) : 0.0f;
        }
    }
}

/* Packs op(B)[pc:pc+kc, jc:jc+nc] as 32-column panels: panel q at q·32·kc, B(pc+p, jc+32q+j) at p·32 + j; columns past nc are 0. */
static void pack_b(const float *b, long ldb, int trans, int jc, int nc, int pc, int kc, float *bp) {
    for (int jr = 0; jr < nc; jr += NR) {
        int nr = nc - jr < NR ? nc - jr : NR;
        float *dst = bp + (long) jr * kc;
        if (nr == NR && !trans) {                 /* stored k×n: a panel row is 32 contiguous floats */
            const float *src = b + (long) pc * ldb + jc + jr;
            for (int p = 0; p < kc; p++) {
                _mm512_store_ps(dst + p * NR, _mm512_loadu_ps(src + p * ldb));
                _mm512_store_ps(dst + p * NR + 16, _mm512_loadu_ps(src + p * ldb + 16));
            }
        } else if (nr == NR) {                    /* stored n×k: 8×8 blocks transposed */
            const float *src = b + (long) (jc + jr) * ldb + pc;
            int p = 0;
            for (; p + 8 <= kc; p += 8)
                for (int j = 0; j < NR; j += 8) transpose8(src + (long) j * ldb + p, ldb, dst + p * NR + j, NR);
            for (; p < kc; p++) for (int j = 0; j < NR; j++) dst[p * NR + j] = src[(long) j * ldb + p];
        } else {
            for (int p = 0; p < kc; p++)
                for (int j = 0; j < NR; j++)
                    dst[p * NR + j] = j >= nr ? 0.0f : trans ? b[(long) (jc + jr + j) * ldb + pc + p] : b[(long) (pc + p) * ldb + jc + jr + j];
        }
    }
}

/*
 * The 8×32 tile: c (8 rows at stride ldc) = alpha·(ap·bp) + beta·c, c not read when beta is 0. While the first
 * steps multiply, each row's two lines of c are fetched for writing, one row a step.
 */
static void kernel(int kc, const float *ap, const float *bp, float *c, long ldc, float alpha, float beta) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    __m512 c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
#define STEP(p) do { \
        __m512 b0 = _mm512_load_ps(bp + (p) * NR), b1 = _mm512_load_ps(bp + (p) * NR + 16); \
        const float *x = ap + (p) * MR; __m512 v; \
        v = _mm512_set1_ps(x[0]); c00 = _mm512_fmadd_ps(v, b0, c00); c01 = _mm512_fmadd_ps(v, b1, c01); \
        v = _mm512_set1_ps(x[1]); c10 = _mm512_fmadd_ps(v, b0, c10); c11 = _mm512_fmadd_ps(v, b1, c11); \
        v = _mm512_set1_ps(x[2]); c20 = _mm512_fmadd_ps(v, b0, c20); c21 = _mm512_fmadd_ps(v, b1, c21); \
        v = _mm512_set1_ps(x[3]); c30 = _mm512_fmadd_ps(v, b0, c30); c31 = _mm512_fmadd_ps(v, b1, c31); \
        v = _mm512_set1_ps(x[4]); c40 = _mm512_fmadd_ps(v, b0, c40); c41 = _mm512_fmadd_ps(v, b1, c41); \
        v = _mm512_set1_ps(x[5]); c50 = _mm512_fmadd_ps(v, b0, c50); c51 = _mm512_fmadd_ps(v, b1, c51); \
        v = _mm512_set1_ps(x[6]); c60 = _mm512_fmadd_ps(v, b0, c60); c61 = _mm512_fmadd_ps(v, b1, c61); \
        v = _mm512_set1_ps(x[7]); c70 = _mm512_fmadd_ps(v, b0, c70); c71 = _mm512_fmadd_ps(v, b1, c71); \
    } while (0)
    int p = 0;
    for (; p < kc && p < MR; p++) {
        _mm_prefetch((const char *) (c + p * ldc), _MM_HINT_ET0);
        _mm_prefetch((const char *) (c + p * ldc + 16), _MM_HINT_ET0);
        STEP(p);
    }
    for (; p < kc; p++) STEP(p);
#undef STEP
    __m512 va = _mm512_set1_ps(alpha);
#define ROW(r, x0, x1) do { \
        float *row = c + (r) * ldc; \
        if (beta == 0.0f) { \
            _mm512_storeu_ps(row, _mm512_mul_ps(x0, va)); _mm512_storeu_ps(row + 16, _mm512_mul_ps(x1, va)); \
        } else { \
            __m512 vb = _mm512_set1_ps(beta); \
            _mm512_storeu_ps(row, _mm512_fmadd_ps(_mm512_loadu_ps(row), vb, _mm512_mul_ps(x0, va))); \
            _mm512_storeu_ps(row + 16, _mm512_fmadd_ps(_mm512_loadu_ps(row + 16), vb, _mm512_mul_ps(x1, va))); \
        } \
    } while (0)
    ROW(0, c00, c01); ROW(1, c10, c11); ROW(2, c20, c21); ROW(3, c30, c31);
    ROW(4, c40, c41); ROW(5, c50, c51); ROW(6, c60, c61); ROW(7, c70, c71);
#undef ROW
}

int imf_avx512_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, long lda,
                     const float *b, long ldb, float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0) return 0;
    if (k <= 0 || alpha == 0.0f) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) c[(long) i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[(long) i * ldc + j];
        return 0;
    }
    struct buffers *buf = thread_buffers();
    if (!buf) return -1;
    float tile[MR * NR] __attribute__((aligned(64)));
    for (int jc = 0; jc < n; jc += NC) {
        int nc = n - jc < NC ? n - jc : NC;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = k - pc < KC ? k - pc : KC;
            float bt = pc == 0 ? beta : 1.0f;
            pack_b(b, ldb, transB, jc, nc, pc, kc, buf->b);
            for (int ic = 0; ic < m; ic += MC) {
                int mc = m - ic < MC ? m - ic : MC;
                pack_a(a, lda, transA, ic, mc, pc, kc, buf->a);
                for (int jr = 0; jr < nc; jr += NR) {
                    int nr = nc - jr < NR ? nc - jr : NR;
                    const float *bpanel = buf->b + (long) jr * kc;
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = mc - ir < MR ? mc - ir : MR;
                        const float *apanel = buf->a + (long) ir * kc;
                        float *ct = c + (long) (ic + ir) * ldc + jc + jr;
                        if (mr == MR && nr == NR) {
                            kernel(kc, apanel, bpanel, ct, ldc, alpha, bt);
                        } else {
                            kernel(kc, apanel, bpanel, tile, NR, 1.0f, 0.0f);
                            for (int r = 0; r < mr; r++)
                                for (int j = 0; j < nr; j++) {
                                    float *x = ct + (long) r * ldc + j;
                                    *x = bt == 0.0f ? alpha * tile[r * NR + j] : alpha * tile[r * NR + j] + bt * *x;
                                }
                        }
                    }
                }
            }
        }
    }
    return 0;
}
