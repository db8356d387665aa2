package imfengine.imf;

import imfengine.autodiff.Autodiff;
import imfengine.autodiff.Context;
import imfengine.distributed.ProcessGroup;
import imfengine.nn.ImfDiT;
import imfengine.ops.Untaped;
import imfengine.optim.AdamW;
import imfengine.optim.Ema;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * One optimisation step on a batch already on the device: the step's draws, the loss, the backward
 * pass into the parameters' gradient buffer, AdamW, cleared gradients and the EMA update. The trainer
 * and {@code bench} run exactly this.
 *
 * <p>With a micro-batch smaller than the batch, the batch's draws are made once and each slice of
 * examples runs forward and backward in a root context of its own (freed before the next), its gradient
 * seeded with its share of the batch, so the gradients add up to the full batch's: the objective is a
 * mean of per-example terms.
 *
 * <p>Data-parallel ({@link BatchShard}, {@link ProcessGroup}): every rank draws the whole batch's draws from
 * the same seed and takes its rows (every {@code ranks}-th), its gradient seeded with its share of the
 * whole batch; the group's sum of the ranks' gradients is then the whole batch's gradient (up to float
 * summation order), and AdamW and the EMA act on the same numbers on every rank. The losses stay shares too:
 * their sum over the ranks is the whole batch's loss (the trainer sums them when it reads them back).
 */
public final class TrainingStep {
    private final ImfDiT net;
    private final ImfObjective objective;
    private final AdamW adam;
    private final Ema ema;
    private final long seed;
    private final int microBatch;
    private final BatchShard shard;
    private final ProcessGroup group;

    /** The reported values of one step, {@code [1]} tensors on the device ({@code mseV} null without a v-head). */
    public record Losses(Tensor loss, Tensor mseU, Tensor mseV) {}

    public TrainingStep(ImfDiT net, ImfObjective objective, AdamW adam, Ema ema, long seed) {
        this(net, objective, adam, ema, seed, Integer.MAX_VALUE);
    }

    /** As above, running at most {@code microBatch} examples at a time. */
    public TrainingStep(ImfDiT net, ImfObjective objective, AdamW adam, Ema ema, long seed, int microBatch) {
        this(net, objective, adam, ema, seed, microBatch, null, ProcessGroup.single());
    }

    /**
     * As above, on the rows of {@code shard} (null: whatever batch {@link #run} is given) of each global batch,
     * the gradients summed over {@code group} before the update.
     */
    public TrainingStep(ImfDiT net, ImfObjective objective, AdamW adam, Ema ema, long seed, int microBatch,
                        BatchShard shard, ProcessGroup group) {
        if (microBatch < 1) throw new IllegalArgumentException("micro-batch must be at least 1, got " + microBatch);
        if (shard != null && shard.ranks() != group.size())
            throw new IllegalArgumentException("shard of " + shard.ranks() + " ranks in a group of " + group.size());
        this.shard = shard;
        this.group = group;
        this.net = net;
        this.objective = objective;
        this.adam = adam;
        this.ema = ema;
        this.seed = seed;
        this.microBatch = microBatch;
    }

    /**
     * Step number {@code step} (its draws) at learning rate {@code lr} on {@code images} (this rank's rows of
     * the global batch when sharded); the losses stay in {@code cx}.
     */
    public Losses run(Context cx, Tensor images, Tensor labels, long step, double lr) {
        Losses losses = accumulateGradients(cx, images, labels, step);
        group.sumInPlace(net.store().gradients()); // all ranks apply the same update to the same parameters
        adam.step(lr);
        adam.zeroGrad();
        ema.update();
        return losses;
    }

    /** The loss of the step and its gradient added into the parameters' gradient buffer. */
    Losses accumulateGradients(Context cx, Tensor images, Tensor labels, long step) {
        int b = labels.dim(0), whole = shard == null ? b : shard.batch();
        if (b != (shard == null ? whole : shard.rows()))
            throw new IllegalArgumentException("a batch of " + b + " rows for a shard of " + shard.rows());
        StepDraws draws = StepDraws.draw(cx, objective.config(), images.shape().withDim(0, whole), seed, step, 0);
        if (shard != null) draws = draws.rows(cx, shard);
        if (microBatch >= b && b == whole) {
            ImfObjective.Result r = objective.loss(cx, net, images, labels, draws);
            Autodiff.backward(r.loss());
            return new Losses(r.loss().value(), r.mseU(), r.mseV());
        }
        Losses sum = null;
        for (int from = 0; from < b; from += microBatch) {
            int to = Math.min(b, from + microBatch);
            float share = (to - from) / (float) whole;
            // a root of its own: a recording child would hand its tape's values to cx when it closes, but
            // after this slice's backward pass nothing needs them, so they go before the next slice runs
            try (Context part = Context.open(cx.backend(), Context.Tape.RECORD)) {
                ImfObjective.Result r = objective.loss(part, net, images.rows(from, to), labels.rows(from, to), draws.rows(from, to));
                Autodiff.backward(r.loss(), part.full(Shape.of(1), share));
                sum = add(cx, sum, share, r);
            }
        }
        return sum;
    }

    /** {@code sum + share·r} in {@code cx}, where it outlives the slice's context. */
    private static Losses add(Context cx, Losses sum, float share, ImfObjective.Result r) {
        Tensor loss = weighted(cx, sum == null ? null : sum.loss(), share, r.loss().value());
        Tensor mseU = weighted(cx, sum == null ? null : sum.mseU(), share, r.mseU());
        Tensor mseV = r.mseV() == null ? null : weighted(cx, sum == null ? null : sum.mseV(), share, r.mseV());
        return new Losses(loss, mseU, mseV);
    }

    private static Tensor weighted(Context cx, Tensor sum, float share, Tensor part) {
        return sum == null ? Untaped.scale(cx, part, share) : Untaped.axpby(cx, 1, sum, share, part);
    }
}
