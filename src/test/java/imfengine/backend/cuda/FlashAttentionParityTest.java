package imfengine.backend.cuda;

import imfengine.autodiff.Context;
import imfengine.backend.AttentionSpec;
import imfengine.backend.Backend;
import imfengine.backend.cuda.emu.EmulatedDevice;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import imfengine.testing.OpCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The bf16 tensor-core attention kernels ({@code native-kernels/flash_attention.cu}, selected by
 * {@link AttentionPrecision#BF16}) against the CPU's fp32 attention, primal, tangent and backward, on unit Gaussian
 * inputs (scale 1/√Dh), at lengths that leave ragged tiles of 64 keys and 64 queries, within the bf16
 * bounds derived in {@link FlashAttentionTol}. Prints each measured error.
 */
@Tag("gpu")
class FlashAttentionParityTest {
    /** The kernel family under test (CudaParityTest leaves its coverage to this class). */
    static final String FAMILY = "flash_attention";
    private static final int DH = 64;
    /** (B, H, L): L = 1, a partial tile, exactly one tile, one and a bit, two and a bit. */
    private static final int[][] SHAPES = {{1, 1, 1}, {2, 1, 17}, {1, 2, 64}, {2, 2, 69}, {1, 2, 130}};

    private final Backend cpu = Backends.SCALAR;
    private CudaBackend flash;

    @BeforeEach void needsCuda() {
        CudaBackend cuda = Backends.cuda();
        assumeTrue(cuda != null, "no CUDA device and no kernel emulator (make emu)");
        flash = new CudaBackend(cuda.device(), AttentionPrecision.BF16);   // the same device: its launches are counted
    }

    /** Under emulation: every flash kernel ran (forward, dual, the backward's two), as many as the family's PTX declares. */
    @AfterAll static void everyFlashKernelRan() {
        if (!Backends.cudaIsEmulated()) return;
        var launched = ((EmulatedDevice) Backends.cuda().device()).launched();
        long ran = launched.stream().filter(k -> k.family().equals(FAMILY)).count();
        assertEquals(PtxEntriesTest.entries("/ptx/" + FAMILY + ".ptx").size(), ran, "kernels of " + FAMILY + " that ran");
    }

    /** Random inputs for one shape, and both backends' outputs: o, lse (primal call) and o, to, lse (dual call). */
    record Outputs(float[] o, float[] lse, float[] dualO, float[] to, float[] dualLse) {}

    static Outputs run(Backend be, AttentionSpec s, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Shape x = Shape.of(s.batch(), s.length(), s.width()), st = Shape.of(s.batch(), s.heads(), s.length());
        try (Context cx = Context.open(be, Context.Tape.OFF)) {
            Tensor q = gaussian(cx, x, r), k = gaussian(cx, x, r), v = gaussian(cx, x, r);
            Tensor tq = gaussian(cx, x, r), tk = gaussian(cx, x, r), tv = gaussian(cx, x, r);
            Tensor o = cx.empty(x), lse = cx.empty(st), to = cx.empty(x);
            be.attention(s, q, k, v, o, lse);
            float[] o1 = Host.floats(o), lse1 = Host.floats(lse);
            be.attentionDual(s, q, tq, k, tk, v, tv, o, to, lse);
            return new Outputs(o1, lse1, Host.floats(o), Host.floats(to), Host.floats(lse));
        }
    }

    private static Tensor gaussian(Context cx, Shape shape, SplittableRandom r) {
        float[] v = new float[shape.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = (float) OpCheck.gaussian(r);
        return Host.upload(cx, v, shape);
    }

    static AttentionSpec spec(int b, int h, int l) { return new AttentionSpec(b, l, h, DH, (float) (1 / Math.sqrt(DH))); }

    private static void within(String what, float[] got, float[] want, double tol) { within(what, got, want, want, tol); }

    /** {@code max|got − want|} relative to {@code max|scale|}, against {@code tol}. */
    private static void within(String what, float[] got, float[] want, float[] scale, double tol) {
        double e = FlashAttentionTol.maxAbsRel(got, want, scale);
        System.out.printf("flash attention %s: max error %.2e of max|ref| = %.2f u (bound %.0f u)%n", what, e, e / FlashAttentionTol.U,
                tol / FlashAttentionTol.U);
        assertTrue(e <= tol, what + ": max error " + e + " of max|ref| > " + tol);
    }

    @Test void primalAndTangentMatchTheFp32CpuWithinBf16Bounds() {
        for (int[] sh : SHAPES) {
            AttentionSpec s = spec(sh[0], sh[1], sh[2]);
            String tag = " B" + sh[0] + " H" + sh[1] + " L" + sh[2];
            Outputs want = run(cpu, s, 20261130L + sh[2]), got = run(flash, s, 20261130L + sh[2]);
            within("o" + tag, got.o(), want.o(), FlashAttentionTol.PRIMAL);
            within("lse" + tag, got.lse(), want.lse(), FlashAttentionTol.PRIMAL);
            within("dual o" + tag, got.dualO(), want.dualO(), FlashAttentionTol.PRIMAL);
            within("to" + tag, got.to(), want.to(), FlashAttentionTol.TANGENT);
            within("dual lse" + tag, got.dualLse(), want.dualLse(), FlashAttentionTol.PRIMAL);
            // the primal and dual kernels share their primal half (the same bits under the emulator; nvcc may
            // contract the two instances differently on a GPU)
            assertTrue(FlashAttentionTol.maxAbsRel(got.dualO(), got.o()) <= 1e-6, "o of the fwd and jvp kernels" + tag);
        }
    }

    /** dq, dk, dv of the backward after the forward's o and lse (as a training step runs them). */
    static float[][] gradients(Backend be, AttentionSpec s, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Shape x = Shape.of(s.batch(), s.length(), s.width());
        try (Context cx = Context.open(be, Context.Tape.OFF)) {
            Tensor q = gaussian(cx, x, r), k = gaussian(cx, x, r), v = gaussian(cx, x, r), dO = gaussian(cx, x, r);
            Tensor o = cx.empty(x), lse = cx.empty(Shape.of(s.batch(), s.heads(), s.length()));
            Tensor dq = cx.empty(x), dk = cx.empty(x), dv = cx.empty(x);
            be.attention(s, q, k, v, o, lse);
            be.attentionBackward(s, q, k, v, o, lse, dO, dq, dk, dv);
            return new float[][]{Host.floats(dq), Host.floats(dk), Host.floats(dv)};
        }
    }

    /**
     * The bf16 backward (both kernels) after the bf16 forward, against the CPU's fp32 backward. At L = 1 the exact dq
     * and dk are 0 (one key: P = 1 and dS = dO·v − dO·o = 0), so there they are measured against max|dv| (= max|dO|).
     */
    @Test void backwardMatchesTheFp32CpuWithinBf16Bounds() {
        String[] names = {"dq", "dk", "dv"};
        double[] bounds = {FlashAttentionTol.BACKWARD, FlashAttentionTol.BACKWARD, FlashAttentionTol.PRIMAL};
        for (int[] sh : SHAPES) {
            AttentionSpec s = spec(sh[0], sh[1], sh[2]);
            float[][] want = gradients(cpu, s, 5 + sh[2]), got = gradients(flash, s, 5 + sh[2]);
            for (int i = 0; i < 3; i++) {
                String what = names[i] + " B" + sh[0] + " H" + sh[1] + " L" + sh[2];
                if (sh[2] == 1 && i < 2) within(what + " (of max|dv|)", got[i], want[i], want[2], bounds[i]);
                else within(what, got[i], want[i], bounds[i]);
            }
        }
    }

    /** The bf16 backward did run: its error is that of bf16 operands, far above the fp32 kernels' rounding. */
    @Test void backwardRoundsOperandsToBf16() {
        AttentionSpec s = spec(1, 1, 69);
        float[][] want = gradients(cpu, s, 9), got = gradients(flash, s, 9);
        assertTrue(FlashAttentionTol.maxAbsRel(got[0], want[0]) > 1e-4, "dq matches fp32 too closely for bf16 operands");
    }

    /** The bf16 path did run: its error is that of bf16 operands, far above fp32 rounding. */
    @Test void roundsOperandsToBf16() {
        AttentionSpec s = spec(1, 1, 69);
        Outputs want = run(cpu, s, 7), got = run(flash, s, 7);
        assertTrue(FlashAttentionTol.maxAbsRel(got.o(), want.o()) > 1e-4, "o matches fp32 too closely for bf16 operands");
    }

    /** Head dims other than 64 keep the exact fp32 kernels. */
    @Test void otherHeadDimsFallBackToFp32() {
        AttentionSpec s = new AttentionSpec(1, 19, 2, 32, (float) (1 / Math.sqrt(32)));
        Outputs want = run(cpu, s, 11), got = run(flash, s, 11);
        assertTrue(FlashAttentionTol.maxAbsRel(got.to(), want.to()) <= CudaTol.ATTENTION, "head dim 32 did not use the fp32 kernels");
    }

    @Test void precisionNames() {
        assertEquals(AttentionPrecision.FP32, AttentionPrecision.parse(null));
        assertEquals(AttentionPrecision.BF16, AttentionPrecision.parse(" BF16"));
        assertThrows(IllegalArgumentException.class, () -> AttentionPrecision.parse("fp16"));
    }
}
