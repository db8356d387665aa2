package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.tensor.Host;
import imfengine.autodiff.Autodiff;
import imfengine.backend.Backend;
import imfengine.backend.cuda.Cuda;
import imfengine.backend.cuda.CudaBackend;
import imfengine.nn.ImfDiT;
import imfengine.nn.Parameter;
import imfengine.optim.AdamW;
import imfengine.testing.Backends;
import imfengine.testing.Ref;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;
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
        AdamW adam = new AdamW(net.store(), 0.01f);
        Map<String, float[]> grads = new HashMap<>(), params = new HashMap<>();
        double loss, mse;
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            StepDraws d = StepDraws.draw(cx, oc, net.imageShape(b), 21, 1, 0);
            ImfObjective.Result r = new ImfObjective(oc).loss(cx, net, Host.upload(cx, x, net.imageShape(b)), Host.upload(cx, labels), d);
            Autodiff.backward(r.loss());
            loss = Host.floats(r.loss().value())[0];
            mse = Host.floats(r.mseU())[0];
            for (Parameter p : net.parameters()) grads.put(p.name(), Host.floats(p.gradient()));
            adam.step(1e-4);
            adam.zeroGrad();
        }
        for (Parameter p : net.parameters()) params.put(p.name(), Host.floats(p.value()));
        return new Outcome(loss, mse, grads, params);
    }

    /**
     * One test per compared quantity (loss, mse, each gradient, each parameter after AdamW), so a report names
     * every quantity that is off, which points at the kernels behind it. Both steps run once, before the first.
     */
    @TestFactory Stream<DynamicTest> oneTrainingStepMatchesTheCpu() {
        CudaBackend cuda = Backends.cuda();
        assumeTrue(cuda != null, "no CUDA device and no kernel emulator (make emu)");
        Outcome cpu = step(Backends.SCALAR), gpu = step(cuda);
        List<DynamicTest> out = new ArrayList<>();
        out.add(dynamicTest("train step loss", () -> assertTrue(Ref.relErr(gpu.loss(), cpu.loss()) <= STEP, "loss " + gpu.loss() + " vs " + cpu.loss())));
        out.add(dynamicTest("train step mse_u", () -> assertTrue(Ref.relErr(gpu.mse(), cpu.mse()) <= STEP, "mse " + gpu.mse() + " vs " + cpu.mse())));
        out.add(dynamicTest("train step parameter names", () -> assertEquals(cpu.grads().keySet(), gpu.grads().keySet())));
        for (String name : new TreeSet<>(cpu.grads().keySet()))
            out.add(dynamicTest("train step gradient of " + name, () -> {
                double e = Ref.relErr(gpu.grads().get(name), cpu.grads().get(name));
                assertTrue(e <= STEP, "gradient of " + name + ": relative error " + e);
            }));
        for (String name : new TreeSet<>(cpu.params().keySet()))
            out.add(dynamicTest("train step " + name + " after AdamW", () -> {
                double e = Ref.relErr(gpu.params().get(name), cpu.params().get(name));
                assertTrue(e <= STEP, name + " after AdamW: relative error " + e);
            }));
        return out.stream();
    }
}
