package imfengine.nn;

import java.util.Map;

/**
 * A float64 reference of the pre-norm transformer block (IMF_SPEC.md §4), written with naive
 * loops from the spec: RMSNorm, q/k/v projections, per-head QK-norm, RoPE on adjacent pairs,
 * softmax attention, out projection, gated residual, SwiGLU MLP, gated residual. Weights come by
 * name from a map of the engine's parameters.
 */
final class RefTransformer {
    private RefTransformer() {}

    static final double EPS = 1e-6, ROPE_BASE = 10000;

    /** Applies the block named {@code prefix} to {@code x [b, l, d]}. */
    static double[] block(Map<String, double[]> w, String prefix, double[] x, int b, int l, int d, int heads, int hidden) {
        int dh = d / heads;
        double[] h = rms(x, w.get(prefix + ".norm1.weight"), b * l, d);
        double[] q = linear(h, w.get(prefix + ".attn.q_proj.weight"), null, b * l, d, d);
        double[] k = linear(h, w.get(prefix + ".attn.k_proj.weight"), null, b * l, d, d);
        double[] v = linear(h, w.get(prefix + ".attn.v_proj.weight"), null, b * l, d, d);
        q = rope(rms(q, w.get(prefix + ".attn.q_norm.weight"), b * l * heads, dh), b, l, heads, dh);
        k = rope(rms(k, w.get(prefix + ".attn.k_norm.weight"), b * l * heads, dh), b, l, heads, dh);
        double[] att = attention(q, k, v, b, l, heads, dh);
        double[] o = linear(att, w.get(prefix + ".attn.out_proj.weight"), null, b * l, d, d);
        double[] x1 = gatedAdd(x, o, w.get(prefix + ".attn_scale"), d);
        double[] h2 = rms(x1, w.get(prefix + ".norm2.weight"), b * l, d);
        double[] a1 = linear(h2, w.get(prefix + ".mlp.w1.weight"), null, b * l, d, hidden);
        double[] a3 = linear(h2, w.get(prefix + ".mlp.w3.weight"), null, b * l, d, hidden);
        for (int i = 0; i < a1.length; i++) a1[i] = a1[i] / (1 + Math.exp(-a1[i])) * a3[i];
        double[] m = linear(a1, w.get(prefix + ".mlp.w2.weight"), null, b * l, hidden, d);
        return gatedAdd(x1, m, w.get(prefix + ".mlp_scale"), d);
    }

    static double[] rms(double[] x, double[] weight, int rows, int n) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double ms = 0;
            for (int j = 0; j < n; j++) ms += x[r * n + j] * x[r * n + j];
            double inv = 1 / Math.sqrt(ms / n + EPS);
            for (int j = 0; j < n; j++) y[r * n + j] = x[r * n + j] * inv * weight[j];
        }
        return y;
    }

    /** {@code y = x·Wᵀ + b}, W stored [out, in]. */
    static double[] linear(double[] x, double[] wt, double[] bias, int rows, int in, int out) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < out; o++) {
                double s = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) s += x[r * in + i] * wt[o * in + i];
                y[r * out + o] = s;
            }
        return y;
    }

    /** Rotates pairs (2i, 2i+1) of each head at position p by p·base^(−2i/dh). */
    static double[] rope(double[] x, int b, int l, int heads, int dh) {
        double[] y = x.clone();
        for (int bi = 0; bi < b; bi++)
            for (int p = 0; p < l; p++)
                for (int h = 0; h < heads; h++)
                    for (int i = 0; i < dh / 2; i++) {
                        double ang = p / Math.pow(ROPE_BASE, 2.0 * i / dh);
                        int o = ((bi * l + p) * heads + h) * dh + 2 * i;
                        double re = x[o], im = x[o + 1];
                        y[o] = re * Math.cos(ang) - im * Math.sin(ang);
                        y[o + 1] = re * Math.sin(ang) + im * Math.cos(ang);
                    }
        return y;
    }

    /** softmax(q·kᵀ/√dh)·v per batch and head, tensors [b, l, heads·dh]. */
    static double[] attention(double[] q, double[] k, double[] v, int b, int l, int heads, int dh) {
        int d = heads * dh;
        double[] o = new double[q.length];
        double scale = 1 / Math.sqrt(dh);
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < l; i++) {
                    double[] s = new double[l];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < l; j++) {
                        double dot = 0;
                        for (int c = 0; c < dh; c++) dot += q[(bi * l + i) * d + h * dh + c] * k[(bi * l + j) * d + h * dh + c];
                        s[j] = dot * scale;
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < l; j++) sum += s[j] = Math.exp(s[j] - max);
                    for (int j = 0; j < l; j++)
                        for (int c = 0; c < dh; c++) o[(bi * l + i) * d + h * dh + c] += s[j] / sum * v[(bi * l + j) * d + h * dh + c];
                }
        return o;
    }

    static double[] gatedAdd(double[] x, double[] f, double[] gate, int d) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] + f[i] * gate[i % d];
        return y;
    }
}
