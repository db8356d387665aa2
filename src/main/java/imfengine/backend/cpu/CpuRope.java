package imfengine.backend.cpu;

/**
 * Rotary embedding on {@code x [rows = B·L, heads·Dh]}: row {@code r} sits at position
 * {@code l = r % seqLen}, and channel pair {@code (2i, 2i+1)} of every head turns, as the complex
 * number {@code x₀ + i·x₁}, by the angle {@code θ[l, i]} (tables {@code cos, sin [seqLen, Dh/2]}):
 * <pre>
 *   y₀ = x₀·cos θ − x₁·sin θ
 *   y₁ = x₀·sin θ + x₁·cos θ
 * </pre>
 * {@code inverse} turns by {@code −θ}: the transpose of the rotation, i.e. the VJP. The map is
 * linear in x, so the tangent rotates the same way; {@link #dual} reads each table entry once for both.
 * {@code out} may alias {@code x}.
 */
final class CpuRope {
    private static final int GRAIN = 1 << 14;
    private final WorkerPool pool;
    private final boolean simd;

    CpuRope(WorkerPool pool, boolean simd) {
        this.pool = pool;
        this.simd = simd;
    }

    /** {@code out} Modified; {@code x} not modified (unless it is {@code out}). */
    void apply(float[] x, float[] cos, float[] sin, int rows, int seqLen, int heads, int headDim, boolean inverse, float[] out) {
        check(headDim);
        int width = heads * headDim;
        if (simd) {
            float[][] t = interleaved(cos, sin, seqLen, headDim, inverse);
            pool.parallelForGuided(rows, grain(width), (from, to) -> {
                for (int r = from; r < to; r++) {
                    int tab = (r % seqLen) * headDim;
                    for (int h = 0; h < heads; h++) RopeSimd.rotate(x, t[0], t[1], tab, out, r * width + h * headDim, headDim);
                }
            });
        } else {
            float sign = inverse ? -1f : 1f;
            pool.parallelForGuided(rows, grain(width), (from, to) -> {
                for (int r = from; r < to; r++) rotateRow(x, cos, sin, sign, r, seqLen, heads, headDim, out);
            });
        }
    }

    /** {@code y, ty} Modified: {@code y} = the rotation of {@code x}, {@code ty} that of {@code tx}. */
    void dual(float[] x, float[] tx, float[] cos, float[] sin, int rows, int seqLen, int heads, int headDim, float[] y, float[] ty) {
        check(headDim);
        int width = heads * headDim;
        if (simd) {
            float[][] t = interleaved(cos, sin, seqLen, headDim, false);
            pool.parallelForGuided(rows, grain(2 * width), (from, to) -> {
                for (int r = from; r < to; r++) {
                    int tab = (r % seqLen) * headDim;
                    for (int h = 0; h < heads; h++)
                        RopeSimd.rotateDual(x, tx, t[0], t[1], tab, y, ty, r * width + h * headDim, headDim);
                }
            });
        } else {
            pool.parallelForGuided(rows, grain(2 * width), (from, to) -> {
                for (int r = from; r < to; r++) {
                    int l = r % seqLen, half = headDim / 2;
                    for (int h = 0; h < heads; h++) {
                        int o = r * width + h * headDim;
                        for (int i = 0; i < half; i++) {
                            float c = cos[l * half + i], s = sin[l * half + i];
                            int k = o + 2 * i;
                            float x0 = x[k], x1 = x[k + 1], t0 = tx[k], t1 = tx[k + 1];
                            y[k] = x0 * c - x1 * s;
                            y[k + 1] = x0 * s + x1 * c;
                            ty[k] = t0 * c - t1 * s;
                            ty[k + 1] = t0 * s + t1 * c;
                        }
                    }
                }
            });
        }
    }

    // ---- scalar reference ----------------------------------------------------------------------
    static void rotateRow(float[] x, float[] cos, float[] sin, float sign, int r, int seqLen, int heads, int headDim, float[] out) {
        int l = r % seqLen, half = headDim / 2, width = heads * headDim;
        for (int h = 0; h < heads; h++) {
            int o = r * width + h * headDim;
            for (int i = 0; i < half; i++) {
                float c = cos[l * half + i], s = sign * sin[l * half + i];
                int k = o + 2 * i;
                float x0 = x[k], x1 = x[k + 1];
                out[k] = x0 * c - x1 * s;
                out[k + 1] = x0 * s + x1 * c;
            }
        }
    }

    /** The calling thread's two interleaved tables, kept from call to call (see {@link #interleaved}). */
    private static final ThreadLocal<float[][]> TABLES = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

    /**
     * The tables spread to the channel layout for the vector path: {@code c[l, 2i] = c[l, 2i+1] = cos θ},
     * {@code s[l, 2i] = −sin θ, s[l, 2i+1] = +sin θ} (signs flipped for the inverse), so that
     * {@code y = x·c + swapPairs(x)·s}. Written into the calling thread's scratch (valid until its next call):
     * fresh arrays of {@code 2·seqLen·Dh} floats per call cost the xs guidance forward in chunks of 8 examples
     * ~80 µs a call (bench --profile, Intel Xeon, 2026-12-03), ten times the rotation itself.
     */
    static float[][] interleaved(float[] cos, float[] sin, int seqLen, int headDim, boolean inverse) {
        int half = headDim / 2, n = seqLen * headDim;
        float[][] t = TABLES.get();
        if (t[0].length < n) TABLES.set(t = new float[][] {new float[n], new float[n]});
        float[] c = t[0], s = t[1];
        float sign = inverse ? -1f : 1f;
        for (int l = 0; l < seqLen; l++)
            for (int i = 0; i < half; i++) {
                int k = l * headDim + 2 * i;
                float cv = cos[l * half + i], sv = sign * sin[l * half + i];
                c[k] = cv;
                c[k + 1] = cv;
                s[k] = -sv;
                s[k + 1] = sv;
            }
        return t;
    }

    private static int grain(int width) { return Math.max(1, GRAIN / Math.max(1, width)); }

    /** Rotation needs pairs: an odd head width is an error. */
    static void check(int headDim) {
        if (headDim % 2 != 0) throw new IllegalArgumentException("rope: head width " + headDim + " is odd; pairs need an even Dh");
    }
}
