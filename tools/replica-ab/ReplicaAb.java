import imfengine.autodiff.Context;
import imfengine.backend.Backend;
import imfengine.backend.cpu.CpuBackend;
import imfengine.backend.cpu.VectorSupport;
import imfengine.distributed.ThreadRanks;
import imfengine.imf.BatchShard;
import imfengine.imf.ImfObjective;
import imfengine.imf.ObjectiveConfig;
import imfengine.imf.TrainingStep;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.optim.AdamW;
import imfengine.optim.Ema;
import imfengine.tensor.Host;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One JVM, one build: the training step of bench (A: one copy of the model, every kernel on all threads; B: the
 * step as replicas, one copy per replica on its share of the threads and of the batch, as train and bench run it
 * by default on the CPU), alternating A and B step by step (ABBA), so that a shared host's drifting speed hits
 * both alike. -Dpreset= (xs) -Dbatch= (128 for xs, else 64) -Dthreads= (all cores) -Dreplicas= (threads)
 * -Dwarmup= (3) -Dpairs= (20). Prints the medians and the median of the paired ratios B/A with its quartiles.
 */
public class ReplicaAb {
    public static void main(String[] args) {
        String preset = System.getProperty("preset", "xs");
        ModelConfig mc = ModelConfig.preset(preset);
        int batch = Integer.getInteger("batch", preset.equals("xs") ? 128 : 64);
        int threads = Integer.getInteger("threads", Runtime.getRuntime().availableProcessors());
        int replicas = Integer.getInteger("replicas", threads), pairs = Integer.getInteger("pairs", 20), warmup = Integer.getInteger("warmup", 3);
        int pixels = mc.imageSize() * mc.imageSize() * mc.channels();
        SplittableRandom random = new SplittableRandom(3); // bench's batch
        float[] x = new float[batch * pixels];
        for (int i = 0; i < x.length; i++) x[i] = (float) (2 * random.nextDouble() - 1);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = i % mc.classes();

        Backend one = new CpuBackend(threads, VectorSupport.enabledByDefault());
        ImfDiT net = new ImfDiT(mc, one, 1, true);
        TrainingStep whole = new TrainingStep(net, new ImfObjective(ObjectiveConfig.paper()), new AdamW(net.store(), 0f), new Ema(net.store(), 0.999), 7);
        long[] stepA = {0}, stepB = {0};
        Runnable a = () -> {
            try (Context cx = Context.open(one, Context.Tape.RECORD)) {
                whole.run(cx, Host.upload(cx, x, net.imageShape(batch)), Host.upload(cx, labels), ++stepA[0], 1e-4);
            }
        };

        ThreadRanks ranks = new ThreadRanks(replicas);
        Backend[] backends = new Backend[replicas];
        ImfDiT[] nets = new ImfDiT[replicas];
        TrainingStep[] steps = new TrainingStep[replicas];
        float[][] xs = new float[replicas][];
        int[][] ys = new int[replicas][];
        for (int r = 0; r < replicas; r++) {
            BatchShard shard = new BatchShard(batch, r, replicas);
            backends[r] = new CpuBackend(threads / replicas + (r < threads % replicas ? 1 : 0), VectorSupport.enabledByDefault());
            nets[r] = new ImfDiT(mc, backends[r], 1, true);
            steps[r] = new TrainingStep(nets[r], new ImfObjective(ObjectiveConfig.paper()), new AdamW(nets[r].store(), 0f),
                    new Ema(nets[r].store(), 0.999), 7, Integer.MAX_VALUE, shard, ranks.group(r));
            xs[r] = new float[shard.rows() * pixels];
            ys[r] = new int[shard.rows()];
            for (int i = 0; i < shard.rows(); i++) {
                System.arraycopy(x, shard.position(i) * pixels, xs[r], i * pixels, pixels);
                ys[r][i] = labels[shard.position(i)];
            }
        }
        Runnable b = () -> {
            long s = ++stepB[0];
            ranks.call(r -> {
                try (Context cx = Context.open(backends[r], Context.Tape.RECORD)) {
                    steps[r].run(cx, Host.upload(cx, xs[r], nets[r].imageShape(ys[r].length)), Host.upload(cx, ys[r]), s, 1e-4);
                }
                return null;
            });
        };

        for (int w = 0; w < warmup; w++) {
            a.run();
            b.run();
        }
        double[] ta = new double[pairs], tb = new double[pairs], ratio = new double[pairs];
        for (int p = 0; p < pairs; p++) {
            for (int q = 0; q < 2; q++) {
                boolean runA = (q == 0) == (p % 2 == 0);
                long t0 = System.nanoTime();
                (runA ? a : b).run();
                double ms = (System.nanoTime() - t0) / 1e6;
                if (runA) ta[p] = ms;
                else tb[p] = ms;
            }
            ratio[p] = tb[p] / ta[p];
            System.out.printf(Locale.ROOT, "pair %2d: A %8.1f ms  B %8.1f ms  B/A %.3f%n", p + 1, ta[p], tb[p], ratio[p]);
        }
        ranks.close();
        Arrays.sort(ta);
        Arrays.sort(tb);
        Arrays.sort(ratio);
        System.out.printf(Locale.ROOT, "%s batch %d, %d threads: A (one copy) median %.1f ms, B (%d replicas) median %.1f ms; paired B/A median %.3f"
                + " (quartiles %.3f, %.3f; %d pairs)%n", preset, batch, threads, ta[pairs / 2], replicas, tb[pairs / 2], ratio[pairs / 2],
                ratio[pairs / 4], ratio[3 * pairs / 4], pairs);
    }
}
