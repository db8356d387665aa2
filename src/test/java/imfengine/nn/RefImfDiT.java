package imfengine.nn;

import java.util.Map;

/**
 * A float64 reference of the whole imfDiT forward (IMF_SPEC.md §4), from the spec with naive
 * loops, reading weights by the engine's parameter names. Returns {@code u} and {@code v}
 * as flat {@code [B, H, W, C]}.
 */
public final class RefImfDiT {
    private final Map<String, double[]> w;
    private final ModelConfig c;

    public RefImfDiT(Map<String, double[]> weights, ModelConfig config) {
        this.w = weights;
        this.c = config;
    }

    /** {@code [u, v]} for inputs {@code x [B,H,W,C]}, {@code h [B]}, ω, t_min, t_max, labels. */
    public double[][] forward(double[] x, double[] h, double[] omega, double[] tMin, double[] tMax, int[] y, boolean withV) {
        int b = y.length, d = c.hidden(), p = c.patch(), s = c.imageSize(), ch = c.channels(), g = s / p, t = g * g;
        int l = c.sequenceLength(), pd = c.patchDim();
        // patch embedding: token (gi, gj), feature (pi, qi, ci); conv weight [D, C, p, p]
        double[] emb = new double[b * t * d];
        double[] convW = w.get("net.x_embedder.proj.weight"), convB = w.get("net.x_embedder.proj.bias");
        for (int bi = 0; bi < b; bi++)
            for (int gi = 0; gi < g; gi++)
                for (int gj = 0; gj < g; gj++)
                    for (int o = 0; o < d; o++) {
                        double acc = convB[o];
                        for (int pi = 0; pi < p; pi++)
                            for (int qi = 0; qi < p; qi++)
                                for (int ci = 0; ci < ch; ci++)
                                    acc += x[((bi * s + gi * p + pi) * s + gj * p + qi) * ch + ci] * convW[((o * ch + ci) * p + pi) * p + qi];
                        emb[(bi * t + gi * g + gj) * d + o] = acc;
                    }
        double[] omegaFeature = new double[b];
        for (int i = 0; i < b; i++) omegaFeature[i] = 1 - 1 / omega[i];
        double[] seq = new double[b * l * d];
        int pos = 0;
        pos = group(seq, "net.class_tokens", labelEmbedding(y), b, l, d, pos);
        pos = group(seq, "net.omega_tokens", timestep("net.omega_embedder", omegaFeature), b, l, d, pos);
        pos = group(seq, "net.t_min_tokens", timestep("net.cfg_t_start_embedder", tMin), b, l, d, pos);
        pos = group(seq, "net.t_max_tokens", timestep("net.cfg_t_end_embedder", tMax), b, l, d, pos);
        pos = group(seq, "net.time_tokens", timestep("net.h_embedder", h), b, l, d, pos);
        for (int bi = 0; bi < b; bi++) System.arraycopy(emb, bi * t * d, seq, (bi * l + pos) * d, t * d);
        for (int i = 0; i < c.sharedDepth(); i++) seq = block("net.shared_blocks." + i, seq);
        double[] u = head(seq, "net.u_heads.", "net.u_final_layer");
        double[] v = withV ? head(seq, "net.v_heads.", "net.v_final_layer") : null;
        return new double[][]{u, v};
    }

    private double[] block(String name, double[] seq) {
        int b = seq.length / (c.sequenceLength() * c.hidden());
        return RefTransformer.block(w, name, seq, b, c.sequenceLength(), c.hidden(), c.heads(), c.mlpHidden());
    }

    private double[] head(double[] seq, String blocks, String last) {
        for (int i = 0; i < c.auxDepth(); i++) seq = block(blocks + i, seq);
        int d = c.hidden(), l = c.sequenceLength(), b = seq.length / (l * d), pre = c.prefixTokens(), t = c.patches();
        double[] tokens = new double[b * t * d];
        for (int bi = 0; bi < b; bi++) System.arraycopy(seq, (bi * l + pre) * d, tokens, bi * t * d, t * d);
        double[] out = RefTransformer.linear(RefTransformer.rms(tokens, w.get(last + ".norm.weight"), b * t, d),
                w.get(last + ".linear.weight"), w.get(last + ".linear.bias"), b * t, d, c.patchDim());
        // unpatchify: n (h w) (p q c) -> n (h p) (w q) c
        int p = c.patch(), s = c.imageSize(), ch = c.channels(), g = s / p;
        double[] img = new double[b * s * s * ch];
        for (int bi = 0; bi < b; bi++)
            for (int gi = 0; gi < g; gi++)
                for (int gj = 0; gj < g; gj++)
                    for (int pi = 0; pi < p; pi++)
                        for (int qi = 0; qi < p; qi++)
                            for (int ci = 0; ci < ch; ci++)
                                img[((bi * s + gi * p + pi) * s + gj * p + qi) * ch + ci] =
                                        out[(bi * t + gi * g + gj) * c.patchDim() + (pi * p + qi) * ch + ci];
        return img;
    }

    private int group(double[] seq, String tokensName, double[] embedding, int b, int l, int d, int pos) {
        double[] tok = w.get(tokensName);
        int n = tok.length / d;
        for (int bi = 0; bi < b; bi++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < d; j++) seq[(bi * l + pos + i) * d + j] = tok[i * d + j] + embedding[bi * d + j];
        return pos + n;
    }

    private double[] labelEmbedding(int[] y) {
        double[] table = w.get("net.y_embedder.embedding_table.weight");
        int d = c.hidden();
        double[] e = new double[y.length * d];
        for (int i = 0; i < y.length; i++) System.arraycopy(table, y[i] * d, e, i * d, d);
        return e;
    }

    private double[] timestep(String name, double[] s) {
        int f = TimestepEmbedder.FREQUENCY_DIM, half = f / 2, d = c.hidden();
        double[] feat = new double[s.length * f];
        for (int i = 0; i < s.length; i++)
            for (int k = 0; k < half; k++) {
                double freq = Math.exp(-Math.log(10000) * k / half);
                feat[i * f + k] = Math.cos(s[i] * freq);
                feat[i * f + half + k] = Math.sin(s[i] * freq);
            }
        double[] a = RefTransformer.linear(feat, w.get(name + ".mlp.0.weight"), w.get(name + ".mlp.0.bias"), s.length, f, d);
        for (int i = 0; i < a.length; i++) a[i] = a[i] / (1 + Math.exp(-a[i]));
        return RefTransformer.linear(a, w.get(name + ".mlp.2.weight"), w.get(name + ".mlp.2.bias"), s.length, d, d);
    }
}
