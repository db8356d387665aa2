package imfengine.backend.cpu;

import imfengine.backend.Window2d;

/**
 * The unfolding of NCHW images into GEMM columns (see {@link imfengine.backend.Backend#im2col}): one task
 * per output row {@code (n, c, ky, kx)} of a {@code kh × kw} window, which copies a strided run of the input plane for every output row
 * {@code oy}. Pure movement: no arithmetic, so there is no separate SIMD path.
 */
final class CpuIm2col {
    private final WorkerPool pool;

    CpuIm2col(WorkerPool pool) { this.pool = pool; }

    /** {@code x} from {@code xo}: {@code [n, c, h, w]}; {@code cols} from {@code co}: {@code [n, c·kh·kw, ho·wo]}. */
    void im2col(float[] x, int xo, int n, int c, int h, int w, Window2d win, float[] cols, int co) {
        int kh = win.height(), kw = win.width(), s = win.stride(), py = win.padY(), px = win.padX(), ho = win.outY(h), wo = win.outX(w);
        int rows = n * c * kh * kw, plane = ho * wo;
        pool.parallelFor(rows, Math.max(1, 4096 / Math.max(1, plane)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int kx = r % kw, ky = (r / kw) % kh, img = r / (kh * kw); // img = n·c + channel: the source plane
                int src = xo + img * h * w, dst = co + r * plane;
                for (int oy = 0; oy < ho; oy++) {
                    int iy = oy * s - py + ky, d = dst + oy * wo;
                    if (iy < 0 || iy >= h) {
                        java.util.Arrays.fill(cols, d, d + wo, 0f);
                        continue;
                    }
                    int row = src + iy * w;
                    for (int ox = 0; ox < wo; ox++) {
                        int ix = ox * s - px + kx;
                        cols[d + ox] = ix >= 0 && ix < w ? x[row + ix] : 0f;
                    }
                }
            }
        });
    }
}
