package imfengine.nn;

import imfengine.autodiff.GradMode;
import imfengine.autodiff.TangentLog;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.ops.Arithmetic;
import imfengine.ops.Patchify;
import imfengine.ops.RopeTable;
import imfengine.ops.Shapes;
import imfengine.random.RandomStream;
import imfengine.tensor.MemoryScope;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The iMF network (IMF_SPEC.md §4): in-context condition tokens
 * {@code [8 class | 4 ω | 2 t_min | 2 t_max | 4 h | patches]}, shared blocks, then a u-head and
 * (for training) a v-head of {@code auxDepth} blocks, each ending in a zero-initialised final
 * layer. Parameter names follow the authors' PyTorch port under {@code net.}.
 */
public final class ImfDiT extends Module {
    /** Which outputs a forward computes. {@code V} runs only the shared blocks and the v-head. */
    public enum Heads { U, V, BOTH }

    /** Per-example conditions other than {@code h}: no tangent and no gradient flow into them. */
    public record Conditions(float[] omega, float[] tMin, float[] tMax, int[] labels) {
        public int batch() { return labels.length; }

        /** The conditions of examples {@code [from, to)}. */
        public Conditions slice(int from, int to) {
            return new Conditions(java.util.Arrays.copyOfRange(omega, from, to), java.util.Arrays.copyOfRange(tMin, from, to),
                    java.util.Arrays.copyOfRange(tMax, from, to), java.util.Arrays.copyOfRange(labels, from, to));
        }
    }

    /**
     * {@code u} and {@code v} as {@code [B, H, W, C]}; either is null when not asked for. With
     * {@link Heads#BOTH} only {@code u} carries a tangent.
     */
    public record Output(Var u, Var v) {}

    private final ModelConfig cfg;
    private final PatchEmbedder xEmbedder;
    private final TimestepEmbedder hEmbedder, omegaEmbedder, tMinEmbedder, tMaxEmbedder;
    private final LabelEmbedder yEmbedder;
    private final Parameter timeTokens, classTokens, omegaTokens, tMinTokens, tMaxTokens;
    private final List<TransformerBlock> shared = new ArrayList<>(), uHeads = new ArrayList<>(), vHeads = new ArrayList<>();
    private final FinalLayer uFinal, vFinal;
    private final RopeTable rope;

    /** A freshly initialised model; {@code seed} fixes every initial value. */
    public ImfDiT(ModelConfig cfg, Backend be, long seed, boolean withVHead) {
        super("net", be);
        this.cfg = cfg;
        RandomStream rng = new RandomStream(seed, 0x1A17L);
        int d = cfg.hidden();
        Init.Factory embedInit = Init.Factory.scaledVariance(rng, 1.0);
        Init.Factory blockInit = Init.Factory.scaledVariance(rng, ModelConfig.BLOCK_INIT);
        Init tokenInit = Init.normal(rng, 1 / Math.sqrt(d));
        this.xEmbedder = register(new PatchEmbedder(child("x_embedder"), be, cfg.patch(), cfg.channels(), d, rng));
        this.hEmbedder = register(new TimestepEmbedder(child("h_embedder"), be, d, embedInit));
        this.omegaEmbedder = register(new TimestepEmbedder(child("omega_embedder"), be, d, embedInit));
        this.tMinEmbedder = register(new TimestepEmbedder(child("cfg_t_start_embedder"), be, d, embedInit));
        this.tMaxEmbedder = register(new TimestepEmbedder(child("cfg_t_end_embedder"), be, d, embedInit));
        this.yEmbedder = register(new LabelEmbedder(child("y_embedder"), be, cfg.classes(), d, rng));
        this.timeTokens = parameter("time_tokens", Shape.of(ModelConfig.TIME_TOKENS, d), tokenInit);
        this.classTokens = parameter("class_tokens", Shape.of(ModelConfig.CLASS_TOKENS, d), tokenInit);
        this.omegaTokens = parameter("omega_tokens", Shape.of(ModelConfig.OMEGA_TOKENS, d), tokenInit);
        this.tMinTokens = parameter("t_min_tokens", Shape.of(ModelConfig.INTERVAL_TOKENS, d), tokenInit);
        this.tMaxTokens = parameter("t_max_tokens", Shape.of(ModelConfig.INTERVAL_TOKENS, d), tokenInit);
        for (int i = 0; i < cfg.sharedDepth(); i++) shared.add(register(block("shared_blocks." + i, be, blockInit)));
        for (int i = 0; i < cfg.auxDepth(); i++) uHeads.add(register(block("u_heads." + i, be, blockInit)));
        if (withVHead) for (int i = 0; i < cfg.auxDepth(); i++) vHeads.add(register(block("v_heads." + i, be, blockInit)));
        this.uFinal = register(new FinalLayer(child("u_final_layer"), be, d, cfg.patchDim()));
        this.vFinal = withVHead ? register(new FinalLayer(child("v_final_layer"), be, d, cfg.patchDim())) : null;
        this.rope = RopeTable.of(be, cfg.sequenceLength(), cfg.headDim());
    }

    private TransformerBlock block(String name, Backend be, Init.Factory init) {
        return new TransformerBlock(child(name), be, cfg.hidden(), cfg.heads(), cfg.mlpHidden(), init);
    }

    public ModelConfig config() { return cfg; }

    public boolean hasVHead() { return vFinal != null; }

    /** {@code x [B, H, W, C]}, {@code h [B]} (may carry a tangent), the other conditions as constants. */
    public Output forward(Var x, Var h, Conditions c, Heads heads) {
        checkInputs(x, h, c);
        if (heads != Heads.U && vFinal == null) throw new IllegalStateException("this model was built without its v-head");
        Var seq = sequence(x, h, c);
        for (TransformerBlock b : shared) seq = block(b, seq);
        Var u = heads == Heads.V ? null : head(seq, uHeads, uFinal);
        // iMF needs the tangent of u only: with both heads, the v-head runs on the primal alone
        Var v = heads == Heads.U ? null : head(heads == Heads.BOTH ? seq.withoutTangent() : seq, vHeads, vFinal);
        return new Output(u, v);
    }

    private Var head(Var seq, List<TransformerBlock> blocks, FinalLayer last) {
        for (TransformerBlock b : blocks) seq = block(b, seq);
        Var tokens = Shapes.slice(seq, 1, cfg.prefixTokens(), cfg.sequenceLength());
        return Patchify.unpatchify(last.forward(tokens), cfg.patch(), cfg.imageSize(), cfg.imageSize(), cfg.channels());
    }

    /**
     * One block, releasing what it no longer needs as soon as it is done: its intermediate tangents
     * (the tape never needs one) and, without a tape, all its intermediates. This keeps a dual forward
     * to the tape's primal values plus one block of tangents, and a tape-free forward to one block.
     */
    private Var block(TransformerBlock b, Var seq) {
        try (TangentLog tangents = TangentLog.open()) {
            if (GradMode.enabled()) {
                Var out = b.forward(seq, rope);
                tangents.releaseExcept(out.tangent());
                return out;
            }
            try (MemoryScope scope = MemoryScope.open()) {
                Var out = b.forward(seq, rope);
                scope.keep(out.value());
                if (out.hasTangent()) scope.keep(out.tangent());
                tangents.releaseExcept(out.tangent());
                return out;
            }
        }
    }

    private Var sequence(Var x, Var h, Conditions c) {
        Backend be = backend();
        int b = c.batch();
        float[] omegaFeature = new float[b];
        for (int i = 0; i < b; i++) omegaFeature[i] = 1f - 1f / c.omega()[i]; // the ω embedder sees 1 − 1/ω
        Var classes = group(classTokens, yEmbedder.forward(c.labels()), b);
        Var omega = group(omegaTokens, omegaEmbedder.forward(constant(be, omegaFeature)), b);
        Var tMin = group(tMinTokens, tMinEmbedder.forward(constant(be, c.tMin())), b);
        Var tMax = group(tMaxTokens, tMaxEmbedder.forward(constant(be, c.tMax())), b);
        Var time = group(timeTokens, hEmbedder.forward(h), b);
        return Shapes.concat(1, classes, omega, tMin, tMax, time, xEmbedder.forward(x));
    }

    /** Learned tokens {@code [n, D]} plus the embedding {@code [B, D]} broadcast over them → {@code [B, n, D]}. */
    private static Var group(Parameter tokens, Var embedding, int b) {
        int n = tokens.value().dim(0), d = tokens.value().dim(1);
        Var e = Shapes.reshape(embedding, b, 1, d);
        Var[] copies = new Var[n];
        java.util.Arrays.fill(copies, e);
        return Arithmetic.add(Shapes.concat(1, copies), tokens.var());
    }

    private static Var constant(Backend be, float[] values) {
        return Var.constant(be.fromArray(values, Shape.of(values.length)));
    }

    private void checkInputs(Var x, Var h, Conditions c) {
        Shape xs = x.shape();
        if (xs.rank() != 4 || xs.dim(1) != cfg.imageSize() || xs.dim(2) != cfg.imageSize() || xs.dim(3) != cfg.channels())
            throw new IllegalArgumentException("imfDiT " + cfg.name() + ": input " + xs + " is not [B, " + cfg.imageSize() + ", "
                    + cfg.imageSize() + ", " + cfg.channels() + "]");
        int b = xs.dim(0);
        if (h.shape().size() != b || c.omega().length != b || c.tMin().length != b || c.tMax().length != b || c.labels().length != b)
            throw new IllegalArgumentException("imfDiT: conditions do not match batch " + b);
    }

    /** Copies every parameter value from {@code other} (same config); used to sample from EMA weights. */
    public void loadFrom(java.util.Map<String, Tensor> values) {
        for (Parameter p : parameters()) {
            Tensor src = values.get(p.name());
            if (src == null) throw new IllegalArgumentException("missing tensor " + p.name());
            if (!src.shape().equals(p.value().shape()))
                throw new IllegalArgumentException("tensor " + p.name() + " has shape " + src.shape() + ", model expects " + p.value().shape());
            backend().copy(src, p.value());
        }
    }
}
