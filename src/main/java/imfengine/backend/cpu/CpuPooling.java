package imfengine.backend.cpu;

import imfengine.backend.Pooling;
import imfengine.backend.Window2d;

/**
 * Max and average pooling over NCHW planes, planes in parallel. Windows are clipped to the image: a
 * padded tap never wins a max, and an average divides by {@code size²} or by the taps inside, as
 * {@link Pooling} says. Sums are in float, in window order.
 */
final class CpuPooling {
    private final WorkerPool pool;

    CpuPooling(WorkerPool pool) { this.pool = pool; }

    void pool(Pooling kind, Window2d win, float[] x, int xo, int planes, int h, int w, float[] y, int yo) {
        int k = win.height(), s = win.stride(), p = win.padY(), ho = win.outY(h), wo = win.outX(w); // square: checked
        pool.parallelFor(planes, Math.max(1, 4096 / Math.max(1, ho * wo * k * k)), (from, to) -> {
            for (int pl = from; pl < to; pl++) {
                int src = xo + pl * h * w, dst = yo + pl * ho * wo;
                for (int oy = 0; oy < ho; oy++) {
                    int y0 = Math.max(0, oy * s - p), y1 = Math.min(h, oy * s - p + k);
                    for (int ox = 0; ox < wo; ox++) {
                        int x0 = Math.max(0, ox * s - p), x1 = Math.min(w, ox * s - p + k);
                        y[dst + oy * wo + ox] = kind == Pooling.MAX ? max(x, src, w, y0, y1, x0, x1)
                                : sum(x, src, w, y0, y1, x0, x1) / (kind == Pooling.AVG_INCLUDE_PAD ? k * k : (y1 - y0) * (x1 - x0));
                    }
                }
            }
        });
    }

    private static float max(float[] x, int src, int w, int y0, int y1, int x0, int x1) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = y0; i < y1; i++) for (int j = x0; j < x1; j++) m = Math.max(m, x[src + i * w + j]);
        return m;
    }

    private static float sum(float[] x, int src, int w, int y0, int y1, int x0, int x1) {
        float acc = 0f;
        for (int i = y0; i < y1; i++) for (int j = x0; j < x1; j++) acc += x[src + i * w + j];
        return acc;
    }
}
