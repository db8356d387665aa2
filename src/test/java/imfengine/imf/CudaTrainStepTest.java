package imfengine.imf;

import imfengine.autodiff.Autodiff;
import imfengine.backend.Backend;
import imfengine.backend.cuda.Cuda;
import imfengine.backend.cuda.CudaBackend;
import imfengine.nn.ImfDiT;
import imfengine.nn.Parameter;
import imfengine.optim.AdamW;
import imfengine.tensor.MemoryScope;
import imfengine.testing.Backends;
import imfengine.testing.Ref;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One whole iMF training step (guidance forwards, dual forward, backward, AdamW) of the tiny model on
 * CUDA against the CPU reference: the loss, every parameter gradient and every parameter after the
 * update, norm-wise relative.
 */
@Tag("gpu")
class CudaTrainStepTest {
    /** Loss and gradients after a float32 forward, JVP and backward through the whole network. */
    static final double STEP = 1e-4;

    record Outcome(double loss, double mse, Map<String, float[]> grads, Map<String, float[]> params) {}

    static Outcome step(Backend be) {
        ImfDiT net = TinyModels.perturbed(be, 8, 0.2);
        ObjectiveConfig oc = ObjectiveConfig.paper();
        int b = 6;
        float[] x = TinyModels.images(b, 9);
        int[] labels = {0, 1, 2, 1, 0, 2};
        StepDraws d = StepDraws.draw(oc, b, 64, 21, 1);
        AdamW adam = new AdamW(net.parameters(), 0.01f);
        Map<String, float[]> grads = new HashMap<>(), params = new HashMap<>();
        double loss, mse;
        try (MemoryScope s = MemoryScope.open()) {
            ImfObjective.Result r = new ImfObjective(oc).loss(net, x, labels, d);
            Autodiff.backward(r.loss());
            loss = be.toArray(r.loss().value())[0];
            mse = r.mseCompound();
            for (Parameter p : net.parameters()) if (p.grad() != null) grads.put(p.name(), be.toArray(p.grad()));
            adam.step(1e-4);
            adam.zeroGrad();
        }
        for (Parameter p : net.parameters()) params.put(p.name(), be.toArray(p.value()));
        return new Outcome(loss, mse, grads, params);
    }

    @Test void oneTrainingStepMatchesTheCpu() {
        assumeTrue(Cuda.isAvailable(), "no CUDA device");
        Outcome cpu = step(Backends.SCALAR), gpu = step(CudaBackend.create(false));
        assertTrue(Ref.relErr(gpu.loss(), cpu.loss()) <= STEP, "loss " + gpu.loss() + " vs " + cpu.loss());
        assertTrue(Ref.relErr(gpu.mse(), cpu.mse()) <= STEP, "mse " + gpu.mse() + " vs " + cpu.mse());
        assertEquals(cpu.grads().keySet(), gpu.grads().keySet());
        for (String name : List.copyOf(cpu.grads().keySet())) {
            double e = Ref.relErr(gpu.grads().get(name), cpu.grads().get(name));
            assertTrue(e <= STEP, "gradient of " + name + ": relative error " + e);
        }
        for (String name : List.copyOf(cpu.params().keySet())) {
            double e = Ref.relErr(gpu.params().get(name), cpu.params().get(name));
            assertTrue(e <= STEP, name + " after AdamW: relative error " + e);
        }
    }
}
