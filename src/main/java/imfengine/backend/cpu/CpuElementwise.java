package imfengine.backend.cpu;

import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.backend.UnaryOp;

/**
 * Elementwise kernels. Every array comes with the element offset of its tensor ({@code xo}, {@code oo},
 * ...). Work is split over flat index ranges; each range is walked in "runs" (contiguous stretches
 * where {@code b} is either a contiguous vector or one scalar), and each run goes to
 * {@link ElementwiseSimd} or to the scalar loops here.
 */
final class CpuElementwise {
    private static final int GRAIN = 1 << 14;
    private final WorkerPool pool;
    private final boolean simd;

    CpuElementwise(WorkerPool pool, boolean simd) {
        this.pool = pool;
        this.simd = simd;
    }

    void unary(UnaryOp op, float[] x, int xo, float[] out, int oo, int n) {
        pool.parallelForGuided(n, GRAIN, (from, to) -> {
            if (simd) ElementwiseSimd.unary(op, x, xo, out, oo, from, to);
            else unaryScalar(op, x, xo, out, oo, from, to);
        });
    }

    void unaryDerivative(UnaryOp op, float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        pool.parallelForGuided(n, GRAIN, (from, to) -> {
            if (simd) ElementwiseSimd.unaryDerivative(op, x, xo, y, yo, g, go, out, oo, from, to);
            else unaryDerivativeScalar(op, x, xo, y, yo, g, go, out, oo, from, to);
        });
    }

    void binary(BinaryOp op, float[] a, int ao, float[] b, int bo, Broadcast bc, float[] out, int oo) {
        int total = (int) bc.total(), n = (int) bc.n(), inner = (int) bc.inner();
        pool.parallelForGuided(total, GRAIN, (from, to) -> {
            int i = from;
            while (i < to) {
                if (inner == 1) { // b is a vector along the row: b[i % n]
                    int j = i % n, len = Math.min(n - j, to - i);
                    if (simd) ElementwiseSimd.binaryVV(op, a, ao + i, b, bo + j, out, oo + i, len);
                    else binaryVV(op, a, ao + i, b, bo + j, out, oo + i, len);
                    i += len;
                } else { // b is one scalar over a run of `inner`
                    int seg = i / inner, len = Math.min((seg + 1) * inner - i, to - i);
                    float bv = b[bo + seg % n];
                    if (simd) ElementwiseSimd.binaryVS(op, a, ao + i, bv, out, oo + i, len);
                    else binaryVS(op, a, ao + i, bv, out, oo + i, len);
                    i += len;
                }
            }
        });
    }

    void axpby(float alpha, float[] x, int xo, float beta, float[] y, int yo, float[] out, int oo, int n) {
        pool.parallelForGuided(n, GRAIN, (from, to) -> {
            if (simd) ElementwiseSimd.axpby(alpha, x, xo, beta, y, yo, out, oo, from, to);
            else axpbyScalar(alpha, x, xo, beta, y, yo, out, oo, from, to);
        });
    }

    // ---- scalar reference loops (index i of the range reads x[xo + i], writes out[oo + i]) ------
    static void unaryScalar(UnaryOp op, float[] x, int xo, float[] out, int oo, int from, int to) {
        for (int i = from; i < to; i++) out[oo + i] = unary(op, x[xo + i]);
    }

    static float unary(UnaryOp op, float v) {
        return switch (op) {
            case EXP -> (float) Math.exp(v);
            case SILU -> v / (1f + (float) Math.exp(-v));
            case SIGMOID -> 1f / (1f + (float) Math.exp(-v));
            case SQUARE -> v * v;
            case RSQRT -> 1f / (float) Math.sqrt(v);
            case NEG -> -v;
            case LOG -> (float) Math.log(v);
        };
    }

    static void unaryDerivativeScalar(UnaryOp op, float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo,
                                      int from, int to) {
        for (int i = from; i < to; i++) {
            float xi = x[xo + i], gi = g[go + i];
            out[oo + i] = switch (op) {
                case EXP -> gi * y[yo + i];
                case SILU -> {
                    float s = 1f / (1f + (float) Math.exp(-xi));
                    yield gi * s * (1f + xi * (1f - s));
                }
                case SIGMOID -> gi * y[yo + i] * (1f - y[yo + i]);
                case SQUARE -> gi * 2f * xi;
                case RSQRT -> gi * -0.5f * y[yo + i] * y[yo + i] * y[yo + i];
                case NEG -> -gi;
                case LOG -> gi / xi;
            };
        }
    }

    static float apply(BinaryOp op, float a, float b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case LESS -> a < b ? 1f : 0f;
        };
    }

    static void binaryVV(BinaryOp op, float[] a, int ao, float[] b, int bo, float[] out, int oo, int len) {
        for (int t = 0; t < len; t++) out[oo + t] = apply(op, a[ao + t], b[bo + t]);
    }

    static void binaryVS(BinaryOp op, float[] a, int ao, float bv, float[] out, int oo, int len) {
        for (int t = 0; t < len; t++) out[oo + t] = apply(op, a[ao + t], bv);
    }

    static void axpbyScalar(float alpha, float[] x, int xo, float beta, float[] y, int yo, float[] out, int oo, int from, int to) {
        if (y == null || beta == 0f) for (int i = from; i < to; i++) out[oo + i] = alpha * x[xo + i];
        else for (int i = from; i < to; i++) out[oo + i] = alpha * x[xo + i] + beta * y[yo + i];
    }
}
