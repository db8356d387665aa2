package imfengine.nn;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.ops.Arithmetic;
import imfengine.ops.Patchify;
import imfengine.ops.RopeTable;
import imfengine.ops.Shapes;
import imfengine.ops.Untaped;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The iMF network (IMF_SPEC.md §4): in-context condition tokens
 * {@code [8 class | 4 ω | 2 t_min | 2 t_max | 4 h | patches]}, shared blocks, then a u-head and
 * (for training) a v-head of {@code auxDepth} blocks, each ending in a zero-initialised final
 * layer. Parameter names follow the authors' PyTorch port under {@code net.}; the parameters live in
 * one {@link ParameterStore}.
 */
public final class ImfDiT extends Module {
    /** Which outputs a forward computes. {@code V} runs only the shared blocks and the v-head. */
    public enum Heads { U, V, BOTH }

    /**
     * Per-example conditions other than {@code h}, as device tensors {@code [B]}: ω, t_min, t_max (F32)
     * and the labels (I32, {@code K} = the null class). No tangent and no gradient flow into them.
     */
    public record Conditions(Tensor omega, Tensor tMin, Tensor tMax, Tensor labels) {
        public Conditions {
            if (labels.dtype() != DType.I32) throw new IllegalArgumentException("conditions: labels must be I32, got " + labels);
            long b = labels.size();
            for (Tensor t : new Tensor[]{omega, tMin, tMax})
                if (t.size() != b || t.dtype() != DType.F32)
                    throw new IllegalArgumentException("conditions: " + t + " does not match " + b + " labels");
        }

        public int batch() { return labels.dim(0); }

        /** The conditions of examples {@code [from, to)} (views, no copy). */
        public Conditions rows(int from, int to) {
            return new Conditions(omega.rows(from, to), tMin.rows(from, to), tMax.rows(from, to), labels.rows(from, to));
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
    private final ParameterStore store;
    private final BlockRunner runner;

    /** A freshly initialised model; {@code seed} fixes every initial value. */
    public ImfDiT(ModelConfig cfg, Backend be, long seed, boolean withVHead) {
        this(cfg, be, seed, withVHead, BlockRunner.KEEP);
    }

    /** As above, with a choice of how blocks keep what the backward pass needs ({@link BlockRunner}). */
    public ImfDiT(ModelConfig cfg, Backend be, long seed, boolean withVHead, BlockRunner runner) {
        super("net", be);
        this.cfg = cfg;
        this.runner = runner;
        InitStreams rng = new InitStreams(seed);
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
        this.store = ParameterStore.pack(be, parameters());
    }

    private TransformerBlock block(String name, Backend be, Init.Factory init) {
        return new TransformerBlock(child(name), be, cfg.hidden(), cfg.heads(), cfg.mlpHidden(), init);
    }

    public ModelConfig config() { return cfg; }

    public boolean hasVHead() { return vFinal != null; }

    /** The flat buffers of every parameter's value and gradient. */
    public ParameterStore store() { return store; }

    /** The shape of a batch of {@code b} images {@code [B, H, W, C]}. */
    public Shape imageShape(int b) { return Shape.of(b, cfg.imageSize(), cfg.imageSize(), cfg.channels()); }

    /** {@code x [B, H, W, C]}, {@code h [B]} (may carry a tangent), the other conditions as constants; all in {@code cx}. */
    public Output forward(Context cx, Var x, Var h, Conditions c, Heads heads) {
        checkInputs(x, h, c);
        if (heads != Heads.U && vFinal == null) throw new IllegalStateException("this model was built without its v-head");
        Var seq = sequence(cx, x, h, c);
        for (TransformerBlock b : shared) seq = runner.run(cx, b, seq, rope);
        Var u = heads == Heads.V ? null : head(cx, seq, uHeads, uFinal);
        // iMF needs the tangent of u only: with both heads, the v-head runs on the primal alone
        Var v = heads == Heads.U ? null : head(cx, heads == Heads.BOTH ? seq.primal() : seq, vHeads, vFinal);
        return new Output(u, v);
    }

    private Var head(Context cx, Var seq, List<TransformerBlock> blocks, FinalLayer last) {
        for (TransformerBlock b : blocks) seq = runner.run(cx, b, seq, rope);
        Var tokens = Shapes.slice(seq, 1, cfg.prefixTokens(), cfg.sequenceLength());
        return Patchify.unpatchify(last.forward(cx, tokens), cfg.patch(), cfg.imageSize(), cfg.imageSize(), cfg.channels());
    }

    private Var sequence(Context cx, Var x, Var h, Conditions c) {
        int b = c.batch();
        Tensor one = cx.full(Shape.of(1), 1);
        Tensor omegaFeature = Untaped.div(cx, Untaped.sub(cx, c.omega(), one), c.omega()); // the ω embedder sees 1 − 1/ω
        Var classes = group(classTokens.in(cx), yEmbedder.forward(cx, c.labels()), b);
        Var omega = group(omegaTokens.in(cx), omegaEmbedder.forward(cx, cx.constant(omegaFeature)), b);
        Var tMin = group(tMinTokens.in(cx), tMinEmbedder.forward(cx, cx.constant(c.tMin())), b);
        Var tMax = group(tMaxTokens.in(cx), tMaxEmbedder.forward(cx, cx.constant(c.tMax())), b);
        Var time = group(timeTokens.in(cx), hEmbedder.forward(cx, h), b);
        return Shapes.concat(1, classes, omega, tMin, tMax, time, xEmbedder.forward(cx, x));
    }

    /** Learned tokens {@code [n, D]} plus the embedding {@code [B, D]} broadcast over them → {@code [B, n, D]}. */
    private static Var group(Var tokens, Var embedding, int b) {
        int n = tokens.shape().dim(0), d = tokens.shape().dim(1);
        Var e = Shapes.reshape(embedding, Shape.of(b, 1, d));
        Var[] copies = new Var[n];
        Arrays.fill(copies, e);
        return Arithmetic.add(Shapes.concat(1, copies), tokens);
    }

    private void checkInputs(Var x, Var h, Conditions c) {
        Shape xs = x.shape();
        if (xs.rank() != 4 || xs.dim(1) != cfg.imageSize() || xs.dim(2) != cfg.imageSize() || xs.dim(3) != cfg.channels())
            throw new IllegalArgumentException("imfDiT " + cfg.name() + ": input " + xs + " is not [B, " + cfg.imageSize() + ", "
                    + cfg.imageSize() + ", " + cfg.channels() + "]");
        int b = xs.dim(0);
        if (h.shape().size() != b || c.batch() != b)
            throw new IllegalArgumentException("imfDiT: conditions " + c.batch() + " and h " + h.shape() + " do not match batch " + b);
    }

    /** Copies every parameter value from {@code values} (same config); used to sample from EMA weights. */
    public void loadFrom(Map<String, Tensor> values) {
        for (Parameter p : parameters()) {
            Tensor src = values.get(p.name());
            if (src == null) throw new IllegalArgumentException("missing tensor " + p.name());
            if (!src.shape().equals(p.value().shape()))
                throw new IllegalArgumentException("tensor " + p.name() + " has shape " + src.shape() + ", model expects " + p.value().shape());
            backend().copy(src, p.value());
        }
    }
}
