package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.backend.Precision;
import imfengine.backend.cuda.CudaBackend;
import imfengine.backend.DeviceProfile;
import imfengine.backend.cuda.TimedDevice;
import imfengine.nn.ImfDiT;
import imfengine.optim.AdamW;
import imfengine.tensor.Host;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code --precision bf16} with the parameters cast to bf16 once per change against casting them with every GEMM:
 * the same cast kernel and the same GEMMs, so training and sampling must give the same bits, while the casts per
 * step fall to about one per GEMM (the activation operand) plus one per parameter buffer.
 */
@Tag("gpu")
class Bf16WeightCacheTrainingTest {
    /** Steps of each run (the loss curve's), at {@link CudaTrainStepTest#LR} so the weights move visibly between steps. */
    static final int STEPS = CudaTrainStepTest.CURVE;

    record Run(List<CudaTrainStepTest.Outcome> steps, DeviceProfile secondStep, CudaBackend.WeightCopyCounts secondStepCopies,
               long weightCasts) {}

    private static Run cachedRun;

    /** The run with the copy, made once: it is also {@link CudaTrainStepTest}'s bf16 loss curve. */
    static synchronized Run cachedRun(CudaBackend cuda) {
        return cachedRun != null ? cachedRun : (cachedRun = train(cuda, CudaBackend.WeightCasts.ONCE_PER_CHANGE));
    }

    static Run train(CudaBackend cuda, CudaBackend.WeightCasts weightCasts) {
        TimedDevice timed = TimedDevice.of(cuda.device());
        CudaBackend be = new CudaBackend(timed, Precision.BF16, weightCasts);
        ImfDiT net = TinyModels.perturbed(be, 8, 0.2);
        AdamW adam = new AdamW(net.store(), 0.01f);
        List<CudaTrainStepTest.Outcome> out = new ArrayList<>();
        DeviceProfile profile = null;
        CudaBackend.WeightCopyCounts before = null, after = null;
        for (int i = 0; i < STEPS; i++) {
            if (i == 1) {
                timed.start();
                before = be.weightCopyCounts();
            }
            out.add(CudaTrainStepTest.step(be, net, adam, 21, CudaTrainStepTest.LR));
            if (i == 1) {
                profile = timed.stop();
                after = be.weightCopyCounts();
            }
        }
        return new Run(out, profile, new CudaBackend.WeightCopyCounts(after.casts() - before.casts(), after.operandsRead() - before.operandsRead()),
                be.weightCopyCounts().casts());
    }

    @Test void trainingWithCachedBf16WeightsIsBitIdenticalAndCastsLess() {
        CudaBackend cuda = Backends.cuda();
        assumeTrue(cuda != null, "no CUDA device and no kernel emulator (make emu)");
        Run cached = cachedRun(cuda), perGemm = train(cuda, CudaBackend.WeightCasts.EVERY_GEMM);
        for (int i = 0; i < STEPS; i++) {
            CudaTrainStepTest.Outcome c = cached.steps().get(i), p = perGemm.steps().get(i);
            assertEquals(p.loss(), c.loss(), 0.0, "loss of step " + i);
            assertEquals(p.mse(), c.mse(), 0.0, "mse_u of step " + i);
            for (String name : p.grads().keySet()) {
                assertArrayEquals(p.grads().get(name), c.grads().get(name), "gradient of " + name + " in step " + i);
                assertArrayEquals(p.params().get(name), c.params().get(name), name + " after step " + i);
            }
        }
        // the weights did change between steps, so a copy cast once and never again would have failed the above
        String any = cached.steps().getFirst().params().keySet().iterator().next();
        assertFalse(Arrays.equals(cached.steps().get(0).params().get(any), cached.steps().get(1).params().get(any)), "weights moved");
        assertEquals(STEPS, cached.weightCasts(), "one whole-buffer cast per step: after the initial upload, then after each AdamW that a GEMM read");
        assertEquals(0, perGemm.weightCasts());

        long gemms = calls(cached.secondStep(), "gemm", null), casts = calls(cached.secondStep(), null, "cast_to_bf16_fwd_f32");
        long gemmsBefore = calls(perGemm.secondStep(), "gemm", null), castsBefore = calls(perGemm.secondStep(), null, "cast_to_bf16_fwd_f32");
        long fromCopy = cached.secondStepCopies().operandsRead();
        System.out.printf("bf16 step of the tiny model: %d GEMMs, %d of their operands read from the bf16 weight copy; cast launches"
                + " %d with the copy, %d casting per GEMM%n", gemms, fromCopy, casts, castsBefore);
        assertEquals(gemmsBefore, gemms, "the same GEMMs");
        assertEquals(2 * gemmsBefore, castsBefore, "casting per GEMM: both operands of every GEMM");
        assertEquals(1, cached.secondStepCopies().casts(), "one whole-buffer cast in the step");
        assertEquals(castsBefore - fromCopy + 1, casts, "every operand read from the copy is a cast not launched; the one extra is the copy's");
        // forward, tangent and dY·Wᵀ read a weight; only the weight gradients' Xᵀ·dY do not
        assertTrue(fromCopy >= gemms / 2, fromCopy + " of " + gemms + " GEMMs read a weight");
    }

    /** Sampling after a load (no optimizer): the upload into the parameters makes the copy stale, the next forward recasts it. */
    @Test void samplingAfterLoadingWeightsUsesTheLoadedWeights() {
        CudaBackend cuda = Backends.cuda();
        assumeTrue(cuda != null, "no CUDA device and no kernel emulator (make emu)");
        CudaBackend cachedBe = new CudaBackend(cuda.device(), Precision.BF16);
        CudaBackend perGemmBe = new CudaBackend(cuda.device(), Precision.BF16, CudaBackend.WeightCasts.EVERY_GEMM);
        ImfDiT cached = TinyModels.perturbed(cachedBe, 8, 0.2), perGemm = TinyModels.perturbed(perGemmBe, 8, 0.2);
        float[] first = sample(cached);
        assertArrayEquals(sample(perGemm), first, "samples before the load");
        TinyModels.perturb(cached, 31, 0.3); // uploads into each parameter view, as Checkpoint.copyInto loads weights
        TinyModels.perturb(perGemm, 31, 0.3);
        float[] second = sample(cached);
        assertFalse(Arrays.equals(first, second), "the loaded weights change the samples, so a stale copy would show");
        assertArrayEquals(sample(perGemm), second, "samples after the load");
        assertEquals(2, cachedBe.weightCopyCounts().casts(), "one cast per load that was sampled from");
    }

    private static float[] sample(ImfDiT net) {
        try (Context cx = Context.open(net.backend(), Context.Tape.OFF)) {
            Tensor labels = Host.upload(cx, new int[]{0, 2});
            return Host.floats(Sampler.sample(cx, net, labels, Sampler.Guidance.DEFAULT, 2, 5));
        }
    }

    /** Calls in {@code p} of a kernel family ({@code family} non-null) or of one kernel symbol. */
    private static long calls(DeviceProfile p, String family, String kernel) {
        return p.kernels().stream().filter(e -> family != null ? e.family().equals(family) : e.name().equals(kernel))
                .mapToLong(DeviceProfile.Entry::calls).sum();
    }
}
