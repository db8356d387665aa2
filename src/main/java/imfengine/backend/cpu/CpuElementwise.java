package imfengine.backend.cpu;

import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.backend.UnaryOp;

/**
 * Elementwise kernels. Work is split over flat index ranges; each range is walked in "runs"
 * (contiguous stretches where {@code b} is either a contiguous vector or one scalar), and each
 * run goes to {@link ElementwiseSimd} or to the scalar loops here.
 */
final class CpuElementwise {
    private static final int GRAIN = 1 << 14;
    private final WorkerPool pool;
    private final boolean simd;

    CpuElementwise(WorkerPool pool, boolean simd) {
        this.pool = pool;
        this.simd = simd;
    }

    void unary(UnaryOp op, float[] x, float[] out, int n) {
        pool.parallelFor(n, GRAIN, (from, to) -> {
            if (simd) ElementwiseSimd.unary(op, x, out, from, to);
            else unaryScalar(op, x, out, from, to);
        });
    }

    void unaryDerivative(UnaryOp op, float[] x, float[] y, float[] g, float[] out, int n) {
        pool.parallelFor(n, GRAIN, (from, to) -> {
            if (simd) ElementwiseSimd.unaryDerivative(op, x, y, g, out, from, to);
            else unaryDerivativeScalar(op, x, y, g, out, from, to);
        });
    }

    void binary(BinaryOp op, float[] a, float[] b, Broadcast bc, float[] out) {
        int total = (int) bc.total(), n = (int) bc.n(), inner = (int) bc.inner();
        pool.parallelFor(total, GRAIN, (from, to) -> {
            int i = from;
            while (i < to) {
                if (inner == 1) { // b is a vector along the row: b[i % n]
                    int j = i % n, len = Math.min(n - j, to - i);
                    if (simd) ElementwiseSimd.binaryVV(op, a, b, j, out, i, len);
                    else binaryVV(op, a, b, j, out, i, len);
                    i += len;
                } else { // b is one scalar over a run of `inner`
                    int seg = i / inner, len = Math.min((seg + 1) * inner - i, to - i);
                    float bv = b[seg % n];
                    if (simd) ElementwiseSimd.binaryVS(op, a, bv, out, i, len);
                    else binaryVS(op, a, bv, out, i, len);
                    i += len;
                }
            }
        });
    }

    void axpby(float alpha, float[] x, float beta, float[] y, float[] out, int n) {
        pool.parallelFor(n, GRAIN, (from, to) -> {
            if (simd) ElementwiseSimd.axpby(alpha, x, beta, y, out, from, to);
            else axpbyScalar(alpha, x, beta, y, out, from, to);
        });
    }

    void where(float[] mask, Broadcast bc, float[] a, float[] b, float[] out) {
        int total = (int) bc.total(), n = (int) bc.n(), inner = (int) bc.inner();
        pool.parallelFor(total, GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) out[i] = mask[(i / inner) % n] != 0f ? a[i] : b[i];
        });
    }

    // ---- scalar reference loops --------------------------------------------------------------
    static void unaryScalar(UnaryOp op, float[] x, float[] out, int from, int to) {
        for (int i = from; i < to; i++) out[i] = unary(op, x[i]);
    }

    static float unary(UnaryOp op, float v) {
        return switch (op) {
            case EXP -> (float) Math.exp(v);
            case SILU -> v / (1f + (float) Math.exp(-v));
            case SIGMOID -> 1f / (1f + (float) Math.exp(-v));
            case SQUARE -> v * v;
            case RSQRT -> 1f / (float) Math.sqrt(v);
            case NEG -> -v;
        };
    }

    static void unaryDerivativeScalar(UnaryOp op, float[] x, float[] y, float[] g, float[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            float xi = x[i], gi = g[i];
            out[i] = switch (op) {
                case EXP -> gi * y[i];
                case SILU -> {
                    float s = 1f / (1f + (float) Math.exp(-xi));
                    yield gi * s * (1f + xi * (1f - s));
                }
                case SIGMOID -> gi * y[i] * (1f - y[i]);
                case SQUARE -> gi * 2f * xi;
                case RSQRT -> gi * -0.5f * y[i] * y[i] * y[i];
                case NEG -> -gi;
            };
        }
    }

    static float apply(BinaryOp op, float a, float b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
        };
    }

    static void binaryVV(BinaryOp op, float[] a, float[] b, int bOff, float[] out, int off, int len) {
        for (int t = 0; t < len; t++) out[off + t] = apply(op, a[off + t], b[bOff + t]);
    }

    static void binaryVS(BinaryOp op, float[] a, float bv, float[] out, int off, int len) {
        for (int t = 0; t < len; t++) out[off + t] = apply(op, a[off + t], bv);
    }

    static void axpbyScalar(float alpha, float[] x, float beta, float[] y, float[] out, int from, int to) {
        if (y == null || beta == 0f) for (int i = from; i < to; i++) out[i] = alpha * x[i];
        else for (int i = from; i < to; i++) out[i] = alpha * x[i] + beta * y[i];
    }
}
