package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.backend.cpu.CpuBackend;
import imfengine.nn.BlockRunner;
import imfengine.nn.ImfDiT;
import imfengine.nn.Parameter;
import imfengine.optim.AdamW;
import imfengine.optim.Ema;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Ref;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient accumulation over micro-batches: the same draws as the whole batch, so the same loss, MSEs
 * and gradients up to summation order (≤ 1e-5 relative), with a lower memory peak, whatever the split, with or without
 * recomputed blocks. The batch of 10 has flow-matching examples, dropped labels and examples outside
 * their guidance interval (asserted), and the splits cut across each of those groups.
 */
class MicroBatchTest {
    static final int B = 10;
    static final double TOL = 1e-5;
    static final long SEED = 21, STEP = 5; // a step whose draws have all three kinds (checked below)
    static final Shape IMAGE = Shape.of(B, TinyModels.TINY.imageSize(), TinyModels.TINY.imageSize(), TinyModels.TINY.channels());
    static final int[] LABELS = {0, 1, 2, 1, 0, 2, 2, 1, 0, 1};

    @Test void microBatchesGiveTheFullBatchsStep() {
        Outcome whole = step(Integer.MAX_VALUE, BlockRunner.KEEP);
        for (int micro : new int[]{1, 3, 4, 9}) {
            Outcome split = step(micro, BlockRunner.KEEP);
            assertClose(whole, split, "micro-batch " + micro);
            if (micro <= 4) assertTrue(split.peakBytes < 0.7 * whole.peakBytes,
                    "micro-batch " + micro + ": peak tensor memory " + split.peakBytes + " vs " + whole.peakBytes + " for the whole batch");
        }
        assertClose(whole, step(4, BlockRunner.RECOMPUTE), "micro-batch 4 with recomputed blocks");
    }

    @Test void theTestBatchCoversEveryKindOfExample() {
        CpuBackend be = new CpuBackend(1, false);
        ObjectiveConfig oc = ObjectiveConfig.paper();
        try (Context cx = Context.open(be, Context.Tape.OFF)) {
            StepDraws d = StepDraws.draw(cx, oc, IMAGE, SEED, STEP, 0);
            float[] t = Host.floats(d.t()), lo = Host.floats(d.tMin()), hi = Host.floats(d.tMax()), drop = Host.floats(d.dropMask());
            int outside = 0, dropped = 0;
            for (int i = 0; i < B; i++) {
                if (t[i] < lo[i] || t[i] > hi[i]) outside++;
                if (drop[i] != 0) dropped++;
            }
            assertTrue(d.fmCount() > 0 && d.fmCount() < B, "flow-matching examples: " + d.fmCount());
            assertTrue(outside > 0, "examples outside their interval: " + outside);
            assertTrue(dropped > 0 && dropped < B, "dropped labels: " + dropped);
        }
    }

    @Test void aMicroBatchSeesTheBatchsDrawsOfItsRows() {
        CpuBackend be = new CpuBackend(1, false);
        try (Context cx = Context.open(be, Context.Tape.OFF)) {
            StepDraws d = StepDraws.draw(cx, ObjectiveConfig.paper(), IMAGE, SEED, STEP, 0);
            StepDraws tail = d.rows(1, 4);
            assertEquals(Math.clamp(d.fmCount() - 1, 0, 3), tail.fmCount());
            assertEquals(0, d.rows(d.fmCount(), B).fmCount());
            float[] all = Host.floats(d.omega()), part = Host.floats(tail.omega());
            for (int i = 0; i < 3; i++) assertEquals(all[i + 1], part[i]);
        }
    }

    private static void assertClose(Outcome want, Outcome got, String what) {
        assertTrue(Ref.relErr(new float[]{got.loss}, new float[]{want.loss}) <= TOL, what + ": loss " + got.loss + " vs " + want.loss);
        assertTrue(Ref.relErr(got.mses, want.mses) <= TOL, what + ": mse_u, mse_v");
        for (int i = 0; i < want.grads.size(); i++) {
            double e = Ref.relErr(got.grads.get(i), want.grads.get(i));
            assertTrue(e <= TOL, what + ": gradient " + i + " rel err " + e);
        }
    }

    private record Outcome(float loss, float[] mses, List<float[]> grads, long peakBytes) {}

    private static Outcome step(int micro, BlockRunner runner) {
        CpuBackend be = new CpuBackend(1, false);
        ImfDiT net = new ImfDiT(TinyModels.TINY, be, 8, true, runner);
        TinyModels.perturb(net, 8, 0.2);
        TrainingStep step = new TrainingStep(net, new ImfObjective(ObjectiveConfig.paper()), new AdamW(net.store(), 0f),
                new Ema(net.store(), 0.99), SEED, micro);
        float loss;
        float[] mses;
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            Tensor x = Host.upload(cx, TinyModels.images(B, 9), net.imageShape(B));
            TrainingStep.Losses l = step.accumulateGradients(cx, x, Host.upload(cx, LABELS), STEP);
            loss = Host.floats(l.loss())[0];
            mses = new float[]{Host.floats(l.mseU())[0], Host.floats(l.mseV())[0]};
        }
        List<float[]> grads = new ArrayList<>();
        for (Parameter p : net.parameters()) grads.add(Host.floats(p.gradient()));
        return new Outcome(loss, mses, grads, be.peakTensorBytes());
    }
}
