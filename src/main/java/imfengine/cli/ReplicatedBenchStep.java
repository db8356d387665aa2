package imfengine.cli;

import imfengine.autodiff.Context;
import imfengine.backend.Backend;
import imfengine.distributed.ThreadRanks;
import imfengine.imf.BatchShard;
import imfengine.imf.ImfObjective;
import imfengine.imf.MemoryPlan;
import imfengine.imf.ObjectiveConfig;
import imfengine.imf.TrainingStep;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.optim.AdamW;
import imfengine.optim.Ema;
import imfengine.tensor.Host;

import java.util.List;

/**
 * {@code bench}'s training step, as {@code train} runs it: one model, AdamW and EMA per backend. With one backend that
 * is the plain step on the whole batch; with several, data-parallel replicas ({@link ReplicaOptions}), each on its
 * {@link BatchShard} of the batch, on its own thread of {@link ThreadRanks}, the gradients summed before the update.
 * Each call of {@link #run} is one step of all of them.
 */
final class ReplicatedBenchStep implements AutoCloseable {
    private final ThreadRanks ranks;
    private final List<Backend> backends;
    private final TrainingStep[] steps;
    private final float[][] images;
    private final int[][] labels;
    private final int[] rows;
    private final ImfDiT[] nets;
    private long step;

    /** Replica {@code r} runs on {@code backends.get(r)}; {@code x} and {@code y} are the whole batch's images and labels. */
    ReplicatedBenchStep(ModelConfig mc, MemoryPlan memory, int batch, float[] x, int[] y, List<Backend> backends) {
        int n = backends.size(), pixels = mc.imageSize() * mc.imageSize() * mc.channels();
        this.backends = List.copyOf(backends);
        this.ranks = new ThreadRanks(n);
        this.steps = new TrainingStep[n];
        this.images = new float[n][];
        this.labels = new int[n][];
        this.rows = new int[n];
        this.nets = new ImfDiT[n];
        for (int r = 0; r < n; r++) {
            BatchShard shard = new BatchShard(batch, r, n);
            Backend be = backends.get(r);
            ImfDiT net = new ImfDiT(mc, be, 1, true, memory.blockRunner()); // the same seed: the same weights on every replica
            nets[r] = net;
            steps[r] = new TrainingStep(net, new ImfObjective(ObjectiveConfig.paper()), new AdamW(net.store(), 0f), new Ema(net.store(), 0.999), 7,
                    memory.examplesPerPass(), shard, ranks.group(r));
            rows[r] = shard.rows();
            images[r] = new float[rows[r] * pixels];
            labels[r] = new int[rows[r]];
            for (int i = 0; i < rows[r]; i++) { // the shard's rows of the batch, as the trainer's loader takes them
                System.arraycopy(x, shard.position(i) * pixels, images[r], i * pixels, pixels);
                labels[r][i] = y[shard.position(i)];
            }
        }
    }

    /** One training step on every replica (the batch goes up each step, as in the trainer). */
    void run() {
        long n = ++step;
        ranks.call(r -> {
            try (Context cx = Context.open(backends.get(r), Context.Tape.RECORD)) {
                steps[r].run(cx, Host.upload(cx, images[r], nets[r].imageShape(rows[r])), Host.upload(cx, labels[r]), n, 1e-4);
            }
            return null;
        });
    }

    List<Backend> backends() { return backends; }

    /** Nanoseconds each replica has waited for the others in the steps so far ({@link ThreadRanks#waitedNanos}). */
    long[] waitedNanos() {
        long[] w = new long[backends.size()];
        for (int r = 0; r < w.length; r++) w[r] = ranks.waitedNanos(r);
        return w;
    }

    @Override public void close() { ranks.close(); }
}
