package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.backend.cpu.CpuBackend;
import imfengine.distributed.ProcessGroup;
import imfengine.distributed.ThreadRanks;
import imfengine.nn.BlockRunner;
import imfengine.nn.ImfDiT;
import imfengine.optim.AdamW;
import imfengine.optim.Ema;
import imfengine.tensor.Host;
import imfengine.tensor.Tensor;
import imfengine.testing.Ref;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data-parallel steps with ranks as threads ({@link ThreadRanks}): 2 and 3 ranks, each on its shard of the
 * batch of {@link MicroBatchTest} (its flow-matching examples, dropped labels and examples outside their
 * guidance interval split across ranks; 3 ranks split 10 unevenly), give after 3 full steps (AdamW, EMA) the
 * parameters, EMA weights and summed losses of one process on the whole batch, up to summation order, and every
 * rank holds the same bits.
 */
class DataParallelStepTest {
    static final int STEPS = 3;
    static final double TOL = 1e-5;

    @Test void ranksOnShardsGiveTheWholeBatchsSteps() throws Exception {
        Outcome whole = train(ProcessGroup.single());
        for (int ranks : new int[]{2, 3}) {
            List<Outcome> parts = ThreadRanks.run(ranks, DataParallelStepTest::train);
            for (Outcome o : parts) {
                assertArrayEquals(parts.get(0).values, o.values, ranks + " ranks: every rank's parameters are the same bits");
                assertArrayEquals(parts.get(0).ema, o.ema, ranks + " ranks: and EMA weights");
            }
            Outcome p = parts.get(0);
            assertTrue(Ref.relErr(p.values, whole.values) <= TOL, ranks + " ranks: parameters rel err " + Ref.relErr(p.values, whole.values));
            assertTrue(Ref.relErr(p.ema, whole.ema) <= TOL, ranks + " ranks: EMA rel err " + Ref.relErr(p.ema, whole.ema));
            assertTrue(Ref.relErr(p.losses, whole.losses) <= TOL, ranks + " ranks: losses " + Arrays.toString(p.losses)
                    + " vs " + Arrays.toString(whole.losses));
            assertTrue(!Arrays.equals(p.values, initial()), "the steps moved the parameters");
        }
    }

    private record Outcome(float[] values, float[] ema, float[] losses) {}

    private static float[] initial() { return Host.floats(net(new CpuBackend(1, false)).store().values()); }

    private static ImfDiT net(CpuBackend be) {
        ImfDiT net = new ImfDiT(TinyModels.TINY, be, 8, true, BlockRunner.KEEP);
        TinyModels.perturb(net, 8, 0.2);
        return net;
    }

    private static Outcome train(ProcessGroup g) {
        CpuBackend be = new CpuBackend(1, false);
        ImfDiT net = net(be);
        Ema ema = new Ema(net.store(), 0.9);
        BatchShard shard = new BatchShard(MicroBatchTest.B, g.rank(), g.size());
        TrainingStep step = new TrainingStep(net, new ImfObjective(ObjectiveConfig.paper()), new AdamW(net.store(), 0f), ema,
                MicroBatchTest.SEED, Integer.MAX_VALUE, shard, g);
        float[] images = TinyModels.images(MicroBatchTest.B, 9);
        int pixels = images.length / MicroBatchTest.B;
        float[] losses = new float[STEPS];
        for (int s = 0; s < STEPS; s++) {
            try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                float[] xs = new float[shard.rows() * pixels];
                int[] ys = new int[shard.rows()];
                for (int i = 0; i < shard.rows(); i++) { // the shard's rows, as the trainer's loader takes them
                    System.arraycopy(images, shard.position(i) * pixels, xs, i * pixels, pixels);
                    ys[i] = MicroBatchTest.LABELS[shard.position(i)];
                }
                Tensor x = Host.upload(cx, xs, net.imageShape(shard.rows()));
                Tensor y = Host.upload(cx, ys);
                TrainingStep.Losses l = step.run(cx, x, y, MicroBatchTest.STEP + s, 1e-2);
                g.sumInPlace(l.loss());
                losses[s] = Host.floats(l.loss())[0];
            }
        }
        return new Outcome(Host.floats(net.store().values()), concat(ema.weights().values()), losses);
    }

    private static float[] concat(Iterable<Tensor> views) {
        float[] out = new float[0];
        for (Tensor t : views) {
            float[] v = Host.floats(t);
            int n = out.length;
            out = Arrays.copyOf(out, n + v.length);
            System.arraycopy(v, 0, out, n, v.length);
        }
        return out;
    }
}
