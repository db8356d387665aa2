package imfengine.nn;

import imfengine.autodiff.Context;
import imfengine.backend.Backend;
import imfengine.tensor.Tensor;

/**
 * A forward pass without tape (the guidance velocities of a training step, a sampling step), run a chunk of examples
 * at a time so that a transformer block's activations stay in the backend's cache ({@link Backend#cacheBytes}) instead
 * of going out to memory and back between ops. Every op of the network works example by example, so the values are
 * those of one pass over the whole batch, bit for bit.
 * <p>Measured in the guidance forward of a training step on the Intel Xeon (2 MiB L2 a core, {@code bench --profile},
 * 2026-12-03): xs, 128 examples at once against chunks of 8, its GEMMs 117 → 97 ms a step, SwiGLU 14.0 → 8.2–8.4,
 * RMSNorm 14.6 → 7.8–8.7; s, 64 at once against chunks of 2, 1312 → 1105 ms of the step's 4.0–4.4 s.
 */
public final class ChunkedForward {
    /**
     * The fewest rows (examples × tokens) a chunk has: a GEMM's fixed costs (packing the weights, the calls) show in
     * short chunks. xs in chunks of 4 examples (276 rows) ran its guidance GEMMs at 0.09–0.11 TFLOP/s against 0.10–0.13
     * in chunks of 8 (552 rows); s in chunks of 1 (216 rows) 0.10–0.12 against 0.12–0.14 in chunks of 2. Longer chunks,
     * the whole step (tools/step-ab.sh, Intel Xeon, 2026-12-04): xs in chunks of 16 and 32 (1104 and 2208 rows) against
     * 8: 0.95–0.97 and a further 0.96 with the AMX GEMM, 0.95 (32 against 8) with the Vector API one; the whole batch
     * at once against 32: 1.06; s in chunks of 11 (2376 rows) against 2: 0.99 (AMX), 1.00 (Vector API). AMD Zen 4 (1 MiB L2,
     * the C GEMM; 2026-12-04, 40 rounds each): xs in chunks of 16 against 32 0.995, of 8 against 32 1.014, i.e. no gain.
     */
    static final int MIN_ROWS = 2208;

    private ChunkedForward() {}

    /**
     * Head {@code head} (U or V) of {@code net}'s forward on {@code x [B, H, W, C]}, {@code h [B]} and the conditions,
     * without tape, {@link #examplesPerChunk} examples at a time; the result is {@code [B, H, W, C]} in {@code cx}.
     */
    public static Tensor evaluate(Context cx, ImfDiT net, Tensor x, Tensor h, ImfDiT.Conditions c, ImfDiT.Heads head) {
        return evaluate(cx, net, x, h, c, head, examplesPerChunk(net.config(), cx.backend().cacheBytes()));
    }

    /** As {@link #evaluate(Context, ImfDiT, Tensor, Tensor, ImfDiT.Conditions, ImfDiT.Heads)}, {@code chunk} examples at a time. */
    public static Tensor evaluate(Context cx, ImfDiT net, Tensor x, Tensor h, ImfDiT.Conditions c, ImfDiT.Heads head, int chunk) {
        if (head == ImfDiT.Heads.BOTH) throw new IllegalArgumentException("evaluate: one head, U or V");
        if (chunk < 1) throw new IllegalArgumentException("evaluate: chunks of " + chunk + " examples");
        int n = x.dim(0);
        if (chunk >= n) {
            try (Context g = cx.child(Context.Tape.OFF)) {
                return g.keep(forward(g, net, x, h, c, head));
            }
        }
        Tensor out = cx.empty(x.shape(), x.dtype());
        for (int i = 0; i < n; i += chunk) {
            int j = Math.min(n, i + chunk);
            try (Context g = cx.child(Context.Tape.OFF)) {
                cx.backend().copy(forward(g, net, x.rows(i, j), h.rows(i, j), c.rows(i, j), head), out.rows(i, j));
            }
        }
        return out;
    }

    /**
     * How many examples a chunk takes: as many as keep a block's MLP stage (its normalised input, the two projections
     * and their SwiGLU product: {@code L·(D + 3·mlpHidden)} floats an example) within {@code cacheBytes}, but at least
     * {@link #MIN_ROWS} rows. xs on 2 MiB: 32 examples; s: 11. {@code Long.MAX_VALUE} (no such cache): the whole batch.
     */
    public static int examplesPerChunk(ModelConfig cfg, long cacheBytes) {
        long tokens = cfg.sequenceLength(), perExample = tokens * (cfg.hidden() + 3L * cfg.mlpHidden()) * Float.BYTES;
        long fit = cacheBytes / perExample, fewest = (MIN_ROWS + tokens - 1) / tokens;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(fit, fewest));
    }

    private static Tensor forward(Context g, ImfDiT net, Tensor x, Tensor h, ImfDiT.Conditions c, ImfDiT.Heads head) {
        ImfDiT.Output out = net.forward(g, g.constant(x), g.constant(h), c, head);
        return (head == ImfDiT.Heads.V ? out.v() : out.u()).value();
    }
}
