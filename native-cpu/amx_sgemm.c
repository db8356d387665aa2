// fp32 GEMM on Intel AMX with fp32 accuracy: C = alpha·op(A)·op(B) + beta·C, one thread.
//
// AMX multiplies bf16 tiles into fp32 accumulators (TDPBF16PS). Each fp32 operand is split into three bf16
// parts, x = x0 + x1 + x2 exactly (x0 = x truncated to bf16, x1 = (x − x0) truncated, x2 = x − x0 − x1: 3 × 8
// significant bits cover float's 24), and the six products whose weight is at least 2^-16 of x0·y0 are accumulated:
//   x0y0 + x0y1 + x1y0 + x0y2 + x1y1 + x2y0.
// The three dropped ones (x1y2, x2y1, x2y2) weigh at most ~2^-23 of the product, an fp32 rounding; each bf16
// product is exact in fp32, so the sums carry the usual fp32 accumulation error. Inputs below ~2^-110 in
// magnitude lose their low parts (AMX flushes bf16 denormals), as fp32 itself would lose them below 2^-126.
//
// Blocking (GotoBLAS order): for each NC-column block, for each depth block (256 or 512 deep), B's parts are packed into
// AMX B tiles (VNNI: a tile row holds 16 columns × one k pair); for each MC-row block, A's parts into A tiles
// (16 rows × 32 k); a 32×32 block of C is loaded into 2×2 accumulator tiles (zeroed in the first depth block when
// beta is 0), runs the 6 products over the block's depth and is stored back. Edges are zero-padded.
//
// Build: gcc -O3 -fPIC -mavx512f -mavx512bw -mavx512bf16 -mamx-tile -mamx-bf16, linked with amx_init.c (see Makefile).
// Nothing here may run before imf_amx_init (amx_init.c, built for any x86-64) has returned 0.
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <pthread.h>

/* NC 512: A's block is packed once per NC columns, and the model's widest products (s: n = 512) then pack it once;
 * their packed B (512 × 256 × 3 parts, 768 KiB) still fits L2. Against 256: 1.08–1.10× at 3456×512×192 and
 * 2376×512×192, 1.06–1.18× at 1024³, 0.95–1.04 at 2208×256×96 (b2 timings, 2026-12-04). Same sums either way.
 * Depth blocks: as deep as keep the packed B block within B_BLOCK_BYTES (768 KiB: 256 deep at 512 columns, 512 at 256
 * or fewer), at most KC_MAX. Each block ends by storing C's tiles, and a block's end stalls the tile pipeline; deeper
 * blocks have fewer ends. KC 512 against 256 (b2, three alternating pairs each, 2026-12-04): 3456×192×512 0.78–0.87,
 * 192×192×3456 (Aᵀ) 0.92–0.96, 512×192×3456 0.96–0.98, 96×96×2208 0.87–0.97, but 192×512×3456 1.14–1.20 (1.5 MiB of
 * packed B). The sums are the same: C's tiles are stored and loaded exactly between depth blocks. */
enum { KC_MAX = 512, MC = 128, NC = 512, TILE_K = 32, PARTS = 3 };
#define B_BLOCK_BYTES (768u << 10)
/* At most this many products share A in one call (imf_amx_sgemm_shared_a: q, k, v). */
enum { MAX_SHARED = 3 };
/* bf16 elements of one packed 16×32 tile (1 KiB). */
enum { TILE = 16 * TILE_K };

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} __attribute__((packed)) tile_config;

/* Per-thread buffers, grown on demand and freed when the thread ends: packed A and B, and products scaled afterwards. */
static __thread void *packed_a, *packed_b, *products;
static __thread size_t packed_a_size, packed_b_size, products_size;
static pthread_key_t thread_end;
static pthread_once_t thread_end_once = PTHREAD_ONCE_INIT;

static void free_buffers(void *unused) {
    (void) unused;
    free(packed_a);
    free(packed_b);
    free(products);
    packed_a = packed_b = products = NULL;
    packed_a_size = packed_b_size = products_size = 0;
}

static void make_thread_end_key(void) { pthread_key_create(&thread_end, free_buffers); }

/* buf with room for `bytes`: this thread's, reallocated when smaller (its old contents dropped); NULL without memory. */
static void *grow(void **buf, size_t *size, size_t bytes) {
    if (*size < bytes) {
        pthread_once(&thread_end_once, make_thread_end_key);
        pthread_setspecific(thread_end, (void *) 1);   // a non-NULL value: free_buffers runs at the thread's end
        free(*buf);
        *buf = aligned_alloc(64, (bytes + 63) / 64 * 64);
        *size = *buf ? bytes : 0;
    }
    return *buf;
}

/*
 * Eight tiles of 16 rows × 64 bytes. A constant in memory: GCC 12 does not see that _tile_loadconfig reads its
 * argument; with this function not inlined (an experiment, 2026-12-04) it dropped the stores of a configuration built
 * on the stack, and ldtilecfg read garbage (wrong products, or a fault).
 */
static const tile_config TILES = {
    .palette = 1,
    .colsb = {64, 64, 64, 64, 64, 64, 64, 64},
    .rows = {16, 16, 16, 16, 16, 16, 16, 16},
};

static void configure_tiles(void) { _tile_loadconfig(&TILES); }

/*
 * The three parts of 16 floats, as floats whose low 16 bits are zero (their high halves are the bf16 parts): x0 = x
 * truncated to bf16, x1 = (x − x0) truncated, x2 = x − x0 − x1. Each difference is exact, x − x0 has at most 16
 * significant bits and x − x0 − x1 at most 8, so x2 is exact in bf16 and x = x0 + x1 + x2. Truncating (an AND) instead
 * of rounding saves the conversions back to float that a rounded part needs for the next difference.
 */
static inline void split3(__m512 x, __m512 part[PARTS]) {
    const __m512i high = _mm512_set1_epi32((int) 0xFFFF0000u);
    part[0] = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), high));
    __m512 r = _mm512_sub_ps(x, part[0]);
    part[1] = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(r), high));
    part[2] = _mm512_sub_ps(r, part[1]);
}

/* 16 floats from p, masked to the first `count` (0..16) lanes, the rest zero. */
static inline __m512 load16(const float *p, int count) {
    if (count >= 16) return _mm512_loadu_ps(p);
    if (count <= 0) return _mm512_setzero_ps();
    return _mm512_maskz_loadu_ps((__mmask16) ((1u << count) - 1), p);
}

/* The bf16 halves of two parts' 16 + 16 floats in order, lo's first: a conversion that is exact here (low halves zero). */
static inline __m512i in_order(__m512 lo, __m512 hi) { return (__m512i) _mm512_cvtne2ps_pbh(hi, lo); }

/* dword i = (even[i], odd[i]) as two bf16: a k pair for one column or row (a shift and a blend, no shuffle). */
static inline __m512i pairs(__m512 even, __m512 odd) {
    return _mm512_mask_blend_epi16(0xAAAAAAAAu, _mm512_srli_epi32(_mm512_castps_si512(even), 16), _mm512_castps_si512(odd));
}

/* In-place transpose of a 16×16 matrix of dwords held in 16 vectors. */
static inline void transpose16(__m512i r[16]) {
    __m512i t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    // r[i] now holds, per 128-bit lane L, rows 4L..4L+3 of a 4×4 block; gather lanes across vectors.
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) t[4 * i + j] = r[4 * i + j];
    }
    for (int j = 0; j < 4; j++) {
        __m512i a = t[j], b = t[4 + j], c = t[8 + j], d = t[12 + j];
        __m512i ab_lo = _mm512_shuffle_i32x4(a, b, 0x44), ab_hi = _mm512_shuffle_i32x4(a, b, 0xEE);
        __m512i cd_lo = _mm512_shuffle_i32x4(c, d, 0x44), cd_hi = _mm512_shuffle_i32x4(c, d, 0xEE);
        r[j] = _mm512_shuffle_i32x4(ab_lo, cd_lo, 0x88);
        r[4 + j] = _mm512_shuffle_i32x4(ab_lo, cd_lo, 0xDD);
        r[8 + j] = _mm512_shuffle_i32x4(ab_hi, cd_hi, 0x88);
        r[12 + j] = _mm512_shuffle_i32x4(ab_hi, cd_hi, 0xDD);
    }
}

/*
 * The three parts of 16 lines of memory (line j at x + j·ld) as 16 vectors of bf16 per part. In order: line j holds
 * 32 consecutive floats (`count` of them valid) and becomes its 32 bf16 in order. Pairwise: lines 2j and 2j+1 hold 16
 * floats each (`count` valid) and become 16 dwords (line 2j's, line 2j+1's). Lines from `lines` on read as zeros.
 * With `tiles`, vector j of part q is stored as row j of that part's tile (out + q·part_stride) at once; else kept
 * in w (for a transpose first: staging every vector in w costs the direct layouts ~2 %).
 */
static inline void parts_of_lines(const float *x, long ld, int pairwise, int lines, int count, __m512i w[PARTS][16],
                                  uint16_t *tiles, size_t part_stride) {
    __m512 part[2][PARTS];
    for (int j = 0; j < 16; j++) {
        if (pairwise) {
            int p = 2 * j;
            split3(p < lines ? load16(x + p * ld, count) : _mm512_setzero_ps(), part[0]);
            split3(p + 1 < lines ? load16(x + (p + 1) * ld, count) : _mm512_setzero_ps(), part[1]);
        } else {
            split3(j < lines ? load16(x + j * ld, count) : _mm512_setzero_ps(), part[0]);
            split3(j < lines ? load16(x + j * ld + 16, count - 16) : _mm512_setzero_ps(), part[1]);
        }
        for (int q = 0; q < PARTS; q++) {
            __m512i v = pairwise ? pairs(part[0][q], part[1][q]) : in_order(part[0][q], part[1][q]);
            if (tiles) _mm512_store_si512(tiles + q * part_stride + j * TILE_K, v);
            else w[q][j] = v;
        }
    }
}

/* One 16×32 tile per part at out + part·part_stride: w's 16 vectors transposed as 16×16 dwords. */
static inline void store_transposed(__m512i w[PARTS][16], uint16_t *out, size_t part_stride) {
    for (int q = 0; q < PARTS; q++) {
        transpose16(w[q]);
        for (int i = 0; i < 16; i++) _mm512_store_si512(out + q * part_stride + i * TILE_K, w[q][i]);
    }
}

/*
 * One 16×32 tile per part at out + part·part_stride from 16 lines of memory (see parts_of_lines), transposed as 16×16
 * dwords when asked. The four layouts, for op(A) m×k (A tile row i: row i's 32 bf16 along k) and op(B) k×n (VNNI
 * tile row r: dwords (B(2r, j), B(2r+1, j)) for j = 0..15):
 *   A           lines = rows along k, in order
 *   A transposed  lines = k, pairwise, transposed
 *   B           lines = k, pairwise
 *   B transposed  lines = columns along k, in order (a column's 32 bf16 are its 16 k pairs), transposed
 */
static void pack_tile(const float *x, long ld, int pairwise, int transposed, int lines, int count, uint16_t *out,
                      size_t part_stride) {
    __m512i w[PARTS][16];
    if (!transposed) {
        parts_of_lines(x, ld, pairwise, lines, count, w, out, part_stride);
    } else {
        parts_of_lines(x, ld, pairwise, lines, count, w, NULL, 0);
        store_transposed(w, out, part_stride);
    }
}

/* rows × cols floats at `first`, row stride ld: memory to be fetched into L2 before the kernel needs it. */
typedef struct {
    const float *first;
    long ld;
    int rows, cols;
} rows_ahead;

/* Every cache line of row r into L2 (a prefetch never faults). */
static inline void prefetch_row(const rows_ahead *x, int r) {
    const char *from = (const char *) (x->first + r * x->ld), *to = from + x->cols * sizeof(float);
    for (const char *line = (const char *) ((uintptr_t) from & ~(uintptr_t) 63); line < to; line += 64)
        _mm_prefetch(line, _MM_HINT_T1);
}

/*
 * The fp32 sources of the next depth block's packing (A's rows, then B's), fetched a few rows after each group of tile
 * products while the current depth block multiplies, across all its kernel32 calls: the weight gradients (k = batch ·
 * tokens) pack new rows of both operands for every depth block, and those rows have usually left the cache since the
 * forward pass wrote them (xs's 96×96×2208 products in the step: 0.30 → 0.28 ms a call, 2026-12-04). Not done for the
 * next row block of A within a depth block: read in order, it is already streamed in by the hardware's prefetcher, and
 * prefetching it too measured slower.
 */
typedef struct {
    rows_ahead part[1 + MAX_SHARED];
    int parts, at, row, rows_per_group;
} depth_ahead;

static inline void prefetch_some(depth_ahead *d) {
    for (int e = 0; e < d->rows_per_group && d->at < d->parts; e++) {
        prefetch_row(&d->part[d->at], d->row);
        if (++d->row == d->part[d->at].rows) d->row = 0, d->at++;
    }
}

/*
 * op(A)'s rows [i, i + rows) and op(B)'s columns [j, j + cols) over depth [p, p + depth), as they lie in memory
 * (transposed: stored k × m, resp. n × k).
 */
static inline rows_ahead a_rows(int transA, const float *A, long lda, int i, int rows, int p, int depth) {
    return transA ? (rows_ahead) {A + (long) p * lda + i, lda, depth, rows} : (rows_ahead) {A + (long) i * lda + p, lda, rows, depth};
}

static inline rows_ahead b_rows(int transB, const float *B, long ldb, int j, int cols, int p, int depth) {
    return transB ? (rows_ahead) {B + (long) j * ldb + p, ldb, cols, depth} : (rows_ahead) {B + (long) p * ldb + j, ldb, depth, cols};
}

/*
 * c (a 32×32 block, row stride ldc floats) += the products of packed panels, or = them when !load: a = two 16-row A
 * panels (ktiles tiles each, per part), b = two 16-column B panels. a_part / b_part: elements between parts;
 * a_half / b_half: between the two 16-row (16-column) panels. C stays in the accumulator tiles over the whole depth.
 * Meanwhile the next call's block of C is prefetched, a few rows after each group of four tile products (all at once,
 * they slowed a call whose C was already in cache by ~10 %): a freshly allocated C is rarely in cache (the step's
 * arrays come from a pool), and the tile stores would wait on memory for every line (xs's 2208×256×96 products in the
 * step: 0.53 → 0.45 ms a call, 2026-12-04). And some rows of the next depth block's sources.
 */
static void kernel32(const uint16_t *a, size_t a_part, size_t a_half, const uint16_t *b, size_t b_part, size_t b_half,
                     int ktiles, float *c, long ldc, int load, const rows_ahead *next_c, depth_ahead *next_depth) {
    long stride = ldc * (long) sizeof(float);
    int groups = ktiles * PARTS * (PARTS + 1) / 2, fetched = 0, per_group = (next_c->rows + groups - 1) / groups;
    if (load) {
        _tile_loadd(0, c, stride);
        _tile_loadd(1, c + 16, stride);
        _tile_loadd(2, c + 16 * ldc, stride);
        _tile_loadd(3, c + 16 * ldc + 16, stride);
    } else {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
    }
    for (int t = 0; t < ktiles; t++) {
        // Each A part's two tiles are loaded once and meet every B part they multiply (3 + 2 + 1 pairs of tiles).
        for (int pa = 0; pa < PARTS; pa++) {
            const uint16_t *at = a + pa * a_part + (size_t) t * TILE;
            _tile_loadd(4, at, 64);
            _tile_loadd(5, at + a_half, 64);
            for (int pb = 0; pb < PARTS - pa; pb++) {
                const uint16_t *bt = b + pb * b_part + (size_t) t * TILE;
                _tile_loadd(6, bt, 64);
                _tile_loadd(7, bt + b_half, 64);
                _tile_dpbf16ps(0, 4, 6);
                _tile_dpbf16ps(1, 4, 7);
                _tile_dpbf16ps(2, 5, 6);
                _tile_dpbf16ps(3, 5, 7);
                for (int e = 0; e < per_group && fetched < next_c->rows; e++) prefetch_row(next_c, fetched++);
                prefetch_some(next_depth);
            }
        }
    }
    _tile_stored(0, c, stride);
    _tile_stored(1, c + 16, stride);
    _tile_stored(2, c + 16 * ldc, stride);
    _tile_stored(3, c + 16 * ldc + 16, stride);
}

/* rows × cols floats between two row strides (the edge blocks' copies in and out of a 32×32 buffer). */
static void copy_block(const float *src, long lds, float *dst, long ldd, int rows, int cols) {
    __mmask16 lo = (__mmask16) (cols >= 16 ? 0xFFFF : (1u << cols) - 1);
    __mmask16 hi = (__mmask16) (cols >= 32 ? 0xFFFF : cols > 16 ? (1u << (cols - 16)) - 1 : 0);
    for (int i = 0; i < rows; i++) {
        _mm512_mask_storeu_ps(dst + i * ldd, lo, _mm512_maskz_loadu_ps(lo, src + i * lds));
        _mm512_mask_storeu_ps(dst + i * ldd + 16, hi, _mm512_maskz_loadu_ps(hi, src + i * lds + 16));
    }
}

static inline int min_int(int x, int y) { return x < y ? x : y; }

/* The depth of a block for B blocks nc columns wide: the packed B block within B_BLOCK_BYTES, whole tiles, ≤ KC_MAX. */
static inline int depth_block(int nc) {
    int fit = (int) (B_BLOCK_BYTES / ((size_t) PARTS * nc * sizeof(uint16_t))) / TILE_K * TILE_K;
    return fit < TILE_K ? TILE_K : min_int(KC_MAX, fit);
}

/*
 * The B and C operands of `count` products that share A, each n columns wide: side by side they are one product of
 * count·n columns, whose column j is column j mod n of product j / n. With more than one, n is a multiple of 32, so
 * no 16-column panel or 32-column block spans two products.
 */
typedef struct {
    const float *b[MAX_SHARED];
    float *c[MAX_SHARED];
    int count, n;
} products_of_a;

/* op(B)'s element (p, j) of the side-by-side product, as stored (transB: n × k). */
static inline const float *b_at(const products_of_a *x, int transB, long ldb, int p, int j) {
    const float *b = x->b[j / x->n];
    int col = j % x->n;
    return transB ? b + (long) col * ldb + p : b + (long) p * ldb + col;
}

static inline float *c_at(const products_of_a *x, long ldc, int i, int j) { return x->c[j / x->n] + (long) i * ldc + j % x->n; }

/* Columns from j on (at most `cols`) that lie in the product column j belongs to. */
static inline int cols_in_product(const products_of_a *x, int j, int cols) { return min_int(cols, x->n - j % x->n); }

/*
 * C_s = op(A)·op(B_s) + (accumulate ? C_s : 0) for every product s of x, the products summed onto C's own value in the
 * accumulator tiles: an element's arithmetic is the same wherever its block lies (edge blocks run in a zero-padded
 * 32×32 copy), so a row's bits do not depend on the row count, and a product's bits not on the others sharing A.
 */
static int accumulate(int transA, int transB, int m, int k, const float *A, long lda, const products_of_a *x, long ldb,
                      int accumulate_c, long ldc) {
    int n = x->count * x->n;   // the side-by-side width
    int nc_max = min_int(NC, (n + 31) / 32 * 32), mc_max = min_int(MC, (m + 31) / 32 * 32);
    int kc_block = depth_block(nc_max), kc_max = min_int(kc_block, (k + TILE_K - 1) / TILE_K * TILE_K);
    size_t b_part = (size_t) nc_max * kc_max, a_part = (size_t) mc_max * kc_max;
    uint16_t *pb = grow(&packed_b, &packed_b_size, PARTS * b_part * sizeof(uint16_t));
    uint16_t *pa = grow(&packed_a, &packed_a_size, PARTS * a_part * sizeof(uint16_t));
    if (!pa || !pb) return -1;
    float edge[32 * 32] __attribute__((aligned(64)));
    for (int jc = 0; jc < n; jc += NC) {
        int nc = min_int(NC, n - jc), npanels = (nc + 15) / 16;
        for (int pc = 0; pc < k; pc += kc_block) {
            int kc = min_int(kc_block, k - pc), ktiles = (kc + TILE_K - 1) / TILE_K, load = pc > 0 || accumulate_c;
            size_t panel = (size_t) ktiles * TILE;   // elements of one 16-wide panel, one part
            for (int jp = 0; jp < npanels; jp++)
                for (int t = 0; t < ktiles; t++) {
                    int j = jc + 16 * jp, p = pc + TILE_K * t;
                    int cols = cols_in_product(x, j, 16), depth = min_int(TILE_K, k - p);
                    pack_tile(b_at(x, transB, ldb, p, j), ldb, !transB, transB, transB ? cols : depth, transB ? depth : cols,
                              pb + jp * panel + (size_t) t * TILE, b_part);
                }
            for (int ic = 0; ic < m; ic += MC) {
                int mc = min_int(MC, m - ic), mpanels = (mc + 15) / 16;
                depth_ahead next_depth = {.parts = 0};
                if (ic + MC >= m && pc + kc_block < k) {   // the last row block of this depth block: the next one's sources
                    int depth = min_int(kc_block, k - pc - kc_block), rows = 0;
                    next_depth.part[next_depth.parts++] = a_rows(transA, A, lda, 0, min_int(MC, m), pc + kc_block, depth);
                    for (int j = jc; j < jc + nc; j += cols_in_product(x, j, n))
                        next_depth.part[next_depth.parts++] =
                            b_rows(transB, b_at(x, transB, ldb, 0, j), ldb, 0, cols_in_product(x, j, jc + nc - j), pc + kc_block, depth);
                    for (int q = 0; q < next_depth.parts; q++) rows += next_depth.part[q].rows;
                    int groups = (npanels + 1) / 2 * ((mpanels + 1) / 2) * ktiles * PARTS * (PARTS + 1) / 2;
                    next_depth.rows_per_group = (rows + groups - 1) / groups;
                }
                for (int ip = 0; ip < mpanels; ip++)
                    for (int t = 0; t < ktiles; t++) {
                        int i = ic + 16 * ip, p = pc + TILE_K * t;
                        const float *src = transA ? A + (long) p * lda + i : A + (long) i * lda + p;
                        int rows = min_int(16, m - i), depth = min_int(TILE_K, k - p);
                        pack_tile(src, lda, transA, transA, transA ? depth : rows, transA ? rows : depth,
                                  pa + ip * panel + (size_t) t * TILE, a_part);
                    }
                for (int jp = 0; jp < npanels; jp += 2) {
                    for (int ip = 0; ip < mpanels; ip += 2) {
                        // A lone last panel pairs with itself: its twin's rows (columns) are computed and dropped.
                        size_t a_half = ip + 1 < mpanels ? panel : 0, b_half = jp + 1 < npanels ? panel : 0;
                        int i = ic + 16 * ip, j = jc + 16 * jp, rows = min_int(32, m - i), cols = cols_in_product(x, j, 32);
                        float *c = c_at(x, ldc, i, j);
                        rows_ahead next_c = {c, ldc, 0, 0};   // the next block in this loop's order (none after the last)
                        int ni = ip + 2 < mpanels ? i + 32 : ic, nj = ip + 2 < mpanels ? j : j + 32;
                        if (ip + 2 < mpanels || jp + 2 < npanels)
                            next_c = (rows_ahead) {c_at(x, ldc, ni, nj), ldc, min_int(32, m - ni), cols_in_product(x, nj, 32)};
                        if (rows == 32 && cols == 32) {
                            kernel32(pa + ip * panel, a_part, a_half, pb + jp * panel, b_part, b_half, ktiles, c, ldc, load, &next_c, &next_depth);
                        } else {
                            if (load) copy_block(c, ldc, edge, 32, rows, cols);
                            kernel32(pa + ip * panel, a_part, a_half, pb + jp * panel, b_part, b_half, ktiles, edge, 32, load, &next_c, &next_depth);
                            copy_block(edge, 32, c, ldc, rows, cols);
                        }
                    }
                }
            }
        }
    }
    return 0;
}

/*
 * C (m×n, row stride ldc) = alpha·op(A)·op(B) + beta·C on this thread, op(A) m×k and op(B) k×n. transA: A is stored
 * k×m (element (i, p) at A[p·lda + i]); transB: B is stored n×k. C is not read when beta is 0. alpha 1 with beta 0 or 1
 * (every iMF product) accumulates in C itself; other scalars go through a product buffer: C = alpha·P + beta·C.
 * Requires imf_amx_init() == 0. Returns 0, or -1 when a buffer could not be allocated (C then unchanged).
 */
int imf_amx_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *A, long lda,
                  const float *B, long ldb, float beta, float *C, long ldc) {
    if (m <= 0 || n <= 0) return 0;
    if (k <= 0 || alpha == 0.0f) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
        return 0;
    }
    int rc;
    configure_tiles();
    if (alpha == 1.0f && (beta == 0.0f || beta == 1.0f)) {
        products_of_a x = {{B}, {C}, 1, n};
        rc = accumulate(transA, transB, m, k, A, lda, &x, ldb, beta == 1.0f, ldc);
    } else {
        float *prod = grow(&products, &products_size, (size_t) m * n * sizeof(float));
        products_of_a x = {{B}, {prod}, 1, n};
        rc = prod ? accumulate(transA, transB, m, k, A, lda, &x, ldb, 0, n) : -1;
        if (rc == 0)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    C[i * ldc + j] = alpha * prod[(size_t) i * n + j] + (beta == 0.0f ? 0.0f : beta * C[i * ldc + j]);
    }
    _tile_release();
    return rc;
}

/*
 * C_s = op(A)·op(B_s) + beta·C_s for s < count (2 or 3; B2, C2 unused with 2), A packed once for all of them: the
 * q, k, v projections of one input, or SwiGLU's two. Each product m×n (n a multiple of 32), B_s and C_s with the same
 * layout and strides; beta 0 or 1. Each C_s gets the bits of its own imf_amx_sgemm. Returns 0, -1 without memory for
 * the buffers, -2 for arguments outside these (nothing written).
 */
int imf_amx_sgemm_shared_a(int transA, int transB, int m, int n, int k, const float *A, long lda, int count,
                           const float *B0, const float *B1, const float *B2, long ldb, float beta,
                           float *C0, float *C1, float *C2, long ldc) {
    if (count < 2 || count > MAX_SHARED || n <= 0 || n % 32 != 0 || k <= 0 || (beta != 0.0f && beta != 1.0f)) return -2;
    if (m <= 0) return 0;
    products_of_a x = {{B0, B1, B2}, {C0, C1, C2}, count, n};
    configure_tiles();
    int rc = accumulate(transA, transB, m, k, A, lda, &x, ldb, beta == 1.0f, ldc);
    _tile_release();
    return rc;
}
