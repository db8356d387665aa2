package imfengine.imf;

import imfengine.autodiff.Autodiff;
import imfengine.autodiff.Context;
import imfengine.backend.cpu.CpuBackend;
import imfengine.nn.BlockRunner;
import imfengine.nn.ImfDiT;
import imfengine.nn.Parameter;
import imfengine.tensor.Host;
import imfengine.tensor.Tensor;
import imfengine.testing.Ref;
import imfengine.testing.Tol;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The block-level recomputation hook ({@link BlockRunner#RECOMPUTE}): a whole iMF step with blocks run
 * again in the backward pass gives the same loss (the same forward kernels) and the same gradient of
 * every parameter up to the order in which contributions are summed into the gradient buffer, while the
 * tape holds fewer tensors.
 */
class RecomputeTest {
    static final int B = 6;

    @Test void recomputedBlocksGiveTheSameStepWithLessMemory() {
        Outcome keep = step(BlockRunner.KEEP), again = step(BlockRunner.RECOMPUTE);
        assertEquals(keep.loss, again.loss, "loss");
        for (int i = 0; i < keep.grads.size(); i++) {
            double e = Ref.relErr(again.grads.get(i), keep.grads.get(i));
            assertTrue(e <= 1e-6, "gradient " + i + ": rel err " + e);
        }
        assertTrue(again.peakBytes < keep.peakBytes, "peak tensor memory " + again.peakBytes + " (recompute) vs " + keep.peakBytes);
    }

    private record Outcome(float loss, List<float[]> grads, long peakBytes) {}

    private static Outcome step(BlockRunner runner) {
        CpuBackend be = new CpuBackend(1, false); // its own pool: the peak is this step's alone
        ImfDiT net = new ImfDiT(TinyModels.TINY, be, 8, true, runner);
        TinyModels.perturb(net, 8, 0.2);
        ObjectiveConfig oc = ObjectiveConfig.paper();
        float loss;
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            Tensor x = Host.upload(cx, TinyModels.images(B, 9), net.imageShape(B));
            StepDraws d = StepDraws.draw(cx, oc, net.imageShape(B), 21, 1, 0);
            ImfObjective.Result r = new ImfObjective(oc).loss(cx, net, x, Host.upload(cx, new int[]{0, 1, 2, 1, 0, 2}), d);
            Autodiff.backward(r.loss());
            loss = Host.floats(r.loss().value())[0];
        }
        List<float[]> grads = new ArrayList<>();
        for (Parameter p : net.parameters()) grads.add(Host.floats(p.gradient()));
        return new Outcome(loss, grads, be.peakTensorBytes());
    }
}
