package imfengine.ops;

/** Float64 direct-loop references of the image ops, on flat NCHW arrays (PyTorch's definitions). */
final class ImageRef {
    private ImageRef() {}

    /** {@code conv2d(x [n, c, h, w], weight [cout, c, k, k], bias [cout] or null, stride, padding)}. */
    static double[] conv2d(double[] x, double[] wt, double[] bias, int n, int c, int h, int w, int cout, int k, int s, int p) {
        return conv2d(x, wt, bias, n, c, h, w, cout, k, k, s, p, p);
    }

    /** {@code conv2d(x, weight [cout, c, kh, kw], bias, stride, padding=(py, px))}. */
    static double[] conv2d(double[] x, double[] wt, double[] bias, int n, int c, int h, int w, int cout, int kh, int kw, int s,
                           int py, int px) {
        int ho = (h + 2 * py - kh) / s + 1, wo = (w + 2 * px - kw) / s + 1;
        double[] y = new double[n * cout * ho * wo];
        for (int b = 0; b < n; b++)
            for (int o = 0; o < cout; o++)
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++) {
                        double acc = bias == null ? 0 : bias[o];
                        for (int ci = 0; ci < c; ci++)
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++) {
                                    int iy = oy * s - py + ky, ix = ox * s - px + kx;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    acc += wt[((o * c + ci) * kh + ky) * kw + kx] * x[((b * c + ci) * h + iy) * w + ix];
                                }
                        y[((b * cout + o) * ho + oy) * wo + ox] = acc;
                    }
        return y;
    }

    /** {@code group_norm(x [n, c, h·w], groups, gamma, beta, eps)}, biased variance. */
    static double[] groupNorm(double[] x, double[] gamma, double[] beta, int n, int c, int plane, int groups, double eps) {
        double[] y = new double[x.length];
        int per = c / groups, len = per * plane;
        for (int r = 0; r < n * groups; r++) {
            double mean = 0, var = 0;
            for (int i = 0; i < len; i++) mean += x[r * len + i];
            mean /= len;
            for (int i = 0; i < len; i++) var += (x[r * len + i] - mean) * (x[r * len + i] - mean);
            var /= len;
            for (int i = 0; i < len; i++) {
                int ch = (r % groups) * per + i / plane;
                y[r * len + i] = (x[r * len + i] - mean) / Math.sqrt(var + eps) * gamma[ch] + beta[ch];
            }
        }
        return y;
    }

    /** {@code interpolate(x [planes, h, w], scale_factor=2, mode="nearest")}. */
    static double[] upsample2x(double[] x, int planes, int h, int w) {
        double[] y = new double[planes * 4 * h * w];
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < 2 * h; i++)
                for (int j = 0; j < 2 * w; j++) y[(p * 2 * h + i) * 2 * w + j] = x[(p * h + i / 2) * w + j / 2];
        return y;
    }

    /** {@code max_pool2d} ({@code max}) or {@code avg_pool2d(count_include_pad=includePad)} over {@code [planes, h, w]}. */
    static double[] pool(boolean max, boolean includePad, double[] x, int planes, int h, int w, int k, int s, int p) {
        int ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1;
        double[] y = new double[planes * ho * wo];
        for (int pl = 0; pl < planes; pl++)
            for (int oy = 0; oy < ho; oy++)
                for (int ox = 0; ox < wo; ox++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    int inside = 0;
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++) {
                            int iy = oy * s - p + ky, ix = ox * s - p + kx;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            double v = x[(pl * h + iy) * w + ix];
                            acc = max ? Math.max(acc, v) : acc + v;
                            inside++;
                        }
                    y[(pl * ho + oy) * wo + ox] = max ? acc : acc / (includePad ? k * k : inside);
                }
        return y;
    }
}
