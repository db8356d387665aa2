package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.backend.Backend;
import imfengine.backend.BinaryOp;
import imfengine.backend.Distribution;
import imfengine.backend.RandomKey;
import imfengine.backend.UnaryOp;
import imfengine.ops.Untaped;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * All random draws of one training step (IMF_SPEC.md §2, points 1–6), made on the device from
 * counter-based streams keyed by (seed, step, rank, purpose), so every backend and a resumed run draw
 * exactly the same values. Per-example tensors are {@code [B]} F32; the first {@link #fmCount} examples
 * are the flow-matching ones ({@code r = t}, interval {@code [0, 1]}).
 *
 * @param t        the later time, {@code max(s1, s2)} with {@code s = sigmoid(N(P_mean, P_std))}
 * @param r        the earlier time ({@code min(s1, s2)}; {@code t} on the flow-matching examples)
 * @param fmCount  {@code floor(B·data_proportion)}: known on the host, no draw needed
 * @param noise    {@code e ~ N(0, I)}, the shape of the image batch
 * @param tMin     guidance interval start, {@code U[0, 0.5)} (0 on flow-matching examples)
 * @param tMax     guidance interval end, {@code U[0.5, 1)} (1 on flow-matching examples)
 * @param omega    guidance scale, {@code p(ω) ∝ ω^−β} on {@code [1, 1 + s_max]}
 * @param dropMask 1 on the leading {@code #{i : U_i < p_drop}} examples (class dropout), else 0
 */
public record StepDraws(Tensor t, Tensor r, int fmCount, Tensor noise, Tensor tMin, Tensor tMax, Tensor omega, Tensor dropMask) {

    /** What each stream draws (the {@link RandomKey} purpose). */
    static final int TIMES = 1, NOISE = 2, INTERVAL = 3, OMEGA = 4, DROP = 5;

    /** The draws of training step {@code step} for a batch of {@code image} shape {@code [B, H, W, C]}. */
    public static StepDraws draw(Context cx, ObjectiveConfig c, Shape image, long seed, long step, int rank) {
        Backend be = cx.backend();
        int b = image.dim(0), fm = (int) Math.floor(b * c.dataProportion());
        Shape perExample = Shape.of(b);

        Tensor s = uniformOrNormal(cx, Distribution.NORMAL, Shape.of(2, b), new RandomKey(seed, step, rank, TIMES));
        s = Untaped.unary(cx, UnaryOp.SIGMOID, affine(cx, s, (float) c.pStd(), (float) c.pMean()));
        Tensor s1 = s.rows(0, 1).reshape(perExample), s2 = s.rows(1, 2).reshape(perExample);
        Tensor t = Untaped.binary(cx, BinaryOp.MAX, s1, s2), r = Untaped.binary(cx, BinaryOp.MIN, s1, s2);
        if (fm > 0) be.copy(t.rows(0, fm), r.rows(0, fm)); // flow matching: r = t

        Tensor noise = uniformOrNormal(cx, Distribution.NORMAL, image, new RandomKey(seed, step, rank, NOISE));

        Tensor u = uniformOrNormal(cx, Distribution.UNIFORM, Shape.of(2, b), new RandomKey(seed, step, rank, INTERVAL));
        Tensor tMin = Untaped.scale(cx, u.rows(0, 1).reshape(perExample), 0.5f);
        Tensor tMax = affine(cx, u.rows(1, 2).reshape(perExample), 0.5f, 0.5f);
        if (fm > 0) {
            be.fill(tMin.rows(0, fm), 0);
            be.fill(tMax.rows(0, fm), 1);
        }

        Tensor omega = omega(cx, c, uniformOrNormal(cx, Distribution.UNIFORM, perExample, new RandomKey(seed, step, rank, OMEGA)));

        // class dropout (§2.6): n_drop = #{i : U_i < p}; the first n_drop examples drop their label
        Tensor ud = uniformOrNormal(cx, Distribution.UNIFORM, perExample, new RandomKey(seed, step, rank, DROP));
        Tensor dropped = Untaped.sumAll(cx, Untaped.binary(cx, BinaryOp.LESS, ud, cx.full(Shape.of(1), c.classDropout())));
        Tensor position = cx.empty(perExample);
        be.iota(position);
        Tensor dropMask = Untaped.binary(cx, BinaryOp.LESS, position, dropped);
        return new StepDraws(t, r, fm, noise, tMin, tMax, omega, dropMask);
    }

    public int batch() { return t.dim(0); }

    /**
     * The draws of examples {@code [from, to)} as views: a micro-batch of this step sees exactly the
     * values the whole batch would (its flow-matching examples are those of the batch that fall in it).
     */
    public StepDraws rows(int from, int to) {
        int fm = Math.clamp(fmCount - from, 0, to - from);
        return new StepDraws(t.rows(from, to), r.rows(from, to), fm, noise.rows(from, to), tMin.rows(from, to),
                tMax.rows(from, to), omega.rows(from, to), dropMask.rows(from, to));
    }

    /**
     * The draws of a data-parallel rank's rows ({@link BatchShard#positions}), gathered: its flow-matching examples are
     * those of the batch among its rows, and they lead its batch as they lead the whole.
     */
    public StepDraws rows(Context cx, BatchShard shard) {
        if (shard.isWhole()) return this;
        Tensor at = Host.upload(cx, shard.positions().toArray());
        return new StepDraws(Untaped.gatherRows(cx, t, at), Untaped.gatherRows(cx, r, at), shard.rowsBefore(fmCount),
                Untaped.gatherRows(cx, noise, at), Untaped.gatherRows(cx, tMin, at), Untaped.gatherRows(cx, tMax, at),
                Untaped.gatherRows(cx, omega, at), Untaped.gatherRows(cx, dropMask, at));
    }

    /** {@code h = t − r} per example {@code [B]}. */
    public Tensor gaps(Context cx) { return Untaped.sub(cx, t, r); }

    /** {@code ω} from {@code u ~ U[0,1)} (see {@link ObjectiveConfig#omega}), elementwise on the device. */
    private static Tensor omega(Context cx, ObjectiveConfig c, Tensor u) {
        double beta = c.cfgBeta(), top = 1 + c.sMax();
        if (beta == 1.0) return Untaped.unary(cx, UnaryOp.EXP, Untaped.scale(cx, u, (float) Math.log(top))); // (1 + s_max)^u
        double a = Math.pow(top, 1 - beta) - 1; // (1 + u·a)^(1/(1−β))
        Tensor log = Untaped.unary(cx, UnaryOp.LOG, affine(cx, u, (float) a, 1f));
        return Untaped.unary(cx, UnaryOp.EXP, Untaped.scale(cx, log, (float) (1 / (1 - beta))));
    }

    /** {@code a·x + b}. */
    private static Tensor affine(Context cx, Tensor x, float a, float b) {
        return Untaped.add(cx, Untaped.scale(cx, x, a), cx.full(Shape.of(1), b));
    }

    private static Tensor uniformOrNormal(Context cx, Distribution d, Shape s, RandomKey key) {
        Tensor out = cx.empty(s);
        cx.backend().random(key, d, out);
        return out;
    }
}
