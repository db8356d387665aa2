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
        AdamW adam = new AdamW(net.store(), 0.01f);
        return step(be, net, adam, 21, 1e-4);
    }

    /** One training step of {@code net} on the fixed batch at learning rate {@code lr}, its draws keyed by {@code drawSeed}. */
    static Outcome step(Backend be, ImfDiT net, AdamW adam, long drawSeed, double lr) {
        ObjectiveConfig oc = ObjectiveConfig.paper();
        int b = 6;
        float[] x = TinyModels.images(b, 9);
        int[] labels = {0, 1, 2, 1, 0, 2};
        Map<String, float[]> grads = new HashMap<>(), params = new HashMap<>();
        double loss, mse;
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            StepDraws d = StepDraws.draw(cx, oc, net.imageShape(b), drawSeed, 1, 0);
            ImfObjective.Result r = new ImfObjective(oc).loss(cx, net, Host.upload(cx, x, net.imageShape(b)), Host.upload(cx, labels), d);
            Autodiff.backward(r.loss());
            loss = Host.floats(r.loss().value())[0];
            mse = Host.floats(r.mseU())[0];
            for (Parameter p : net.parameters()) grads.put(p.name(), Host.floats(p.gradient()));
            adam.step(lr);
            adam.zeroGrad();
        }
        for (Parameter p : net.parameters()) params.put(p.name(), Host.floats(p.value()));
        return new Outcome(loss, mse, grads, params);
    }

    private static Outcome cpuOutcome, fp32Outcome;

    /** The CPU's step, made once for both comparisons. */
    private static synchronized Outcome cpuStep() { return cpuOutcome != null ? cpuOutcome : (cpuOutcome = step(Backends.SCALAR)); }

    /** The fp32 CUDA step, made once for both comparisons. */
    private static synchronized Outcome fp32Step(CudaBackend cuda) { return fp32Outcome != null ? fp32Outcome : (fp32Outcome = step(cuda)); }

    /**
     * One test per compared quantity (loss, mse, each gradient, each parameter after AdamW), so a report names
     * every quantity that is off, which points at the kernels behind it. Both steps run once, before the first.
     */
    @TestFactory Stream<DynamicTest> oneTrainingStepMatchesTheCpu() {
        CudaBackend cuda = Backends.cuda();
        assumeTrue(cuda != null, "no CUDA device and no kernel emulator (make emu)");
        Outcome cpu = cpuStep(), gpu = fp32Step(cuda);
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

    /**
     * {@code --precision bf16}: the same step with every GEMM's inputs rounded to bf16 (the tiny model's head dim
     * is below 64, so attention stays fp32). A GEMM's output is off by about u = 2⁻⁸ norm-wise at worst
     * (typically u/√3·√2 ≈ 3e-3, Bf16GemmTest); the step chains about a dozen GEMMs forward, as many in the JVP
     * and twice as many backward, and these errors add up roughly in quadrature, so the loss and gradients are
     * allowed {@link #BF16_STEP} = 8·2u ≈ 6e-2 norm-wise: still an order of magnitude below what a wrong kernel gives.
     * The step is the first of {@link #bf16TrainingFollowsTheFp32LossCurve}'s runs (gradients do not depend on the
     * learning rate).
     */
    static final double BF16_STEP = 8 * 2 * 0x1p-8;

    @TestFactory Stream<DynamicTest> oneBf16TrainingStepIsWithinBf16Tolerance() {
        CudaBackend cuda = Backends.cuda();
        assumeTrue(cuda != null, "no CUDA device and no kernel emulator (make emu)");
        Outcome cpu = cpuCurve().getFirst(), gpu = bf16Curve(cuda).getFirst(), fp32 = fp32Step(cuda);
        List<DynamicTest> out = new ArrayList<>();
        out.add(dynamicTest("bf16 step loss", () -> assertTrue(Ref.relErr(gpu.loss(), cpu.loss()) <= BF16_STEP, "loss " + gpu.loss() + " vs " + cpu.loss())));
        out.add(dynamicTest("bf16 step mse_u", () -> assertTrue(Ref.relErr(gpu.mse(), cpu.mse()) <= BF16_STEP, "mse " + gpu.mse() + " vs " + cpu.mse())));
        double[] worst = {0};
        for (String name : new TreeSet<>(cpu.grads().keySet()))
            out.add(dynamicTest("bf16 step gradient of " + name, () -> {
                double e = Ref.relErr(gpu.grads().get(name), cpu.grads().get(name));
                worst[0] = Math.max(worst[0], e);
                assertTrue(e <= BF16_STEP, "gradient of " + name + ": relative error " + e);
            }));
        // the precision is not silently fp32: the bf16 step's gradients differ from the fp32 GPU step's by far more than fp32 does
        out.add(dynamicTest("bf16 step differs from the fp32 step", () -> {
            double most = 0;
            for (String name : cpu.grads().keySet()) most = Math.max(most, Ref.relErr(gpu.grads().get(name), fp32.grads().get(name)));
            System.out.printf("bf16 step: loss %.6g vs fp32 %.6g, largest gradient error %.2e (bound %.2e), largest difference from the fp32 GPU step %.2e%n",
                    gpu.loss(), cpu.loss(), worst[0], BF16_STEP, most);
            assertTrue(most >= 0x1p-8 / 16, "bf16 gradients within " + most + " of fp32: were the GEMM inputs rounded?");
        }));
        return out.stream();
    }

    /**
     * {@value #CURVE} steps on one fixed batch and fixed draws at a large learning rate, so the error must fall
     * (mse_u: the adaptively weighted loss sits near 2 whatever the error): fp32 on the CPU and bf16 on the CUDA
     * backend fall alike (2.50 → 1.79 when written), and each step's mse_u is within {@link #BF16_STEP} of the CPU's
     * (measured: under 1e-3).
     */
    @TestFactory Stream<DynamicTest> bf16TrainingFollowsTheFp32LossCurve() {
        CudaBackend cuda = Backends.cuda();
        assumeTrue(cuda != null, "no CUDA device and no kernel emulator (make emu)");
        double[] cpu = cpuCurve().stream().mapToDouble(Outcome::mse).toArray(), bf16 = bf16Curve(cuda).stream().mapToDouble(Outcome::mse).toArray();
        System.out.println("mse_u per step, fp32 CPU: " + java.util.Arrays.toString(cpu) + "; bf16: " + java.util.Arrays.toString(bf16));
        List<DynamicTest> out = new ArrayList<>();
        int last = CURVE - 1;
        out.add(dynamicTest("fp32 mse_u falls", () -> assertTrue(cpu[last] < 0.9 * cpu[0], java.util.Arrays.toString(cpu))));
        out.add(dynamicTest("bf16 mse_u falls", () -> assertTrue(bf16[last] < 0.9 * bf16[0], java.util.Arrays.toString(bf16))));
        for (int i = 0; i < CURVE; i++) {
            int step = i;
            out.add(dynamicTest("bf16 mse_u of step " + i, () -> assertTrue(Ref.relErr(bf16[step], cpu[step]) <= BF16_STEP,
                    "step " + step + ": " + bf16[step] + " vs " + cpu[step])));
        }
        return out.stream();
    }

    /** Steps of the loss-curve runs, and a learning rate large enough for them to show a falling error on one batch. */
    static final int CURVE = 3;
    static final double LR = 1e-2;

    private static List<Outcome> cpuCurveOutcomes, bf16CurveOutcomes;

    private static synchronized List<Outcome> cpuCurve() {
        return cpuCurveOutcomes != null ? cpuCurveOutcomes : (cpuCurveOutcomes = curve(Backends.SCALAR));
    }

    private static synchronized List<Outcome> bf16Curve(CudaBackend cuda) {
        // the same run as the weight-copy test's (lr LR, draws 21, CURVE steps), so it is made once for both
        return bf16CurveOutcomes != null ? bf16CurveOutcomes : (bf16CurveOutcomes = Bf16WeightCacheTrainingTest.cachedRun(cuda).steps());
    }

    private static List<Outcome> curve(Backend be) {
        ImfDiT net = TinyModels.perturbed(be, 8, 0.2);
        AdamW adam = new AdamW(net.store(), 0.01f);
        List<Outcome> out = new ArrayList<>();
        for (int i = 0; i < CURVE; i++) out.add(step(be, net, adam, 21, LR));
        return out;
    }
}
