package imfengine.backend.cuda.emu;

import imfengine.autodiff.Context;
import imfengine.backend.AttentionSpec;
import imfengine.backend.Backend;
import imfengine.backend.Broadcast;
import imfengine.backend.cuda.AttentionPrecision;
import imfengine.backend.cuda.CudaBackend;
import imfengine.backend.cuda.FlashAttentionTol;
import imfengine.backend.cuda.CudaTol;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import imfengine.testing.OpCheck;
import imfengine.testing.Ref;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proof that the emulated checks bite: each mutant (native-kernels/emu/mutants/NAME.mutant, built by
 * `make emu` from a copy of native-kernels/ with one textual change) runs under the CUDA backend's own
 * code, on an emulated device made from the mutant library, and must fail the comparison with the CPU
 * that the real kernels pass. The first assertion of each test is that control.
 */
class MutantsTest {
    /** Mutants and the test below that must catch each (a new .mutant without one fails everyMutantHasATest). */
    private static final Set<String> TESTED = Set.of("attention-tile-bound", "attention-missing-sync", "attention-shuffle-lane",
            "block-sum-missing-sync", "sum-all-shuffle-mask", "mma-fragment-index", "column-slice-overlap",
            "flash-attention-tile-bound", "flash-attention-missing-sync", "flash-attention-tangent-rescale",
            "flash-attention-backward-delta");
    private static final Backend CPU = Backends.SCALAR;

    private static EmulatorLibrary mutant(String name) {
        return EmulatorLibrary.load(EmulatorLibrary.directory().resolve("mutants").resolve(name + ".so"));
    }

    /**
     * {@code ‖cuda − cpu‖ / ‖cpu‖} of one kernel call on random inputs of {@code shapes}: {@code call} writes
     * its result into the last operand. NaN when the kernel produced NaN.
     */
    private static double error(EmulatorLibrary lib, BiConsumer<Backend, Tensor[]> call, Shape... shapes) {
        CudaBackend cuda = new CudaBackend(new EmulatedDevice(lib));
        float[][] values = gaussians(20261130, shapes);
        float[] onCpu = run(CPU, call, shapes, values), onCuda = run(cuda, call, shapes, values);
        return Ref.relErr(onCuda, onCpu);
    }

    /** Unit Gaussian values for each of {@code shapes}, drawn in order from one seed. */
    private static float[][] gaussians(long seed, Shape... shapes) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] values = new float[shapes.length][];
        for (int i = 0; i < shapes.length; i++) {
            values[i] = new float[shapes[i].intSize()];
            for (int j = 0; j < values[i].length; j++) values[i][j] = (float) OpCheck.gaussian(r);
        }
        return values;
    }

    private static float[] run(Backend be, BiConsumer<Backend, Tensor[]> call, Shape[] shapes, float[][] values) {
        try (Context cx = Context.open(be, Context.Tape.OFF)) {
            Tensor[] t = new Tensor[shapes.length];
            for (int i = 0; i < t.length; i++) t[i] = Host.upload(cx, values[i], shapes[i]);
            call.accept(be, t);
            return Host.floats(t[t.length - 1]);
        }
    }

    /** L = 37: two tiles, the second partial, so row L falls inside a tile. */
    private static double attention(EmulatorLibrary lib) {
        AttentionSpec s = new AttentionSpec(2, 37, 3, 8, (float) (1 / Math.sqrt(8)));
        Shape x = Shape.of(2, 37, 24);
        return error(lib, (be, t) -> {
            try (Context cx = Context.open(be, Context.Tape.OFF)) {
                be.attention(s, t[0], t[1], t[2], t[3], cx.empty(Shape.of(2, 3, 37)));
            }
        }, x, x, x, x);
    }

    /**
     * The bf16 flash kernels' tangent at length {@code L}, head dim 64 (L = 5: one tile of 64 keys, 59 past L;
     * L = 130: three tiles, the row max moving between them): {@code max|cuda − cpu| / max|cpu|} of to
     * ({@link FlashAttentionTol}).
     */
    private static double flashAttention(EmulatorLibrary lib, int L) {
        AttentionSpec s = new AttentionSpec(1, L, 1, 64, 0.125f);
        Shape x = Shape.of(1, L, 64);
        BiConsumer<Backend, Tensor[]> dual = (be, t) -> {
            try (Context cx = Context.open(be, Context.Tape.OFF)) {
                be.attentionDual(s, t[0], t[1], t[2], t[3], t[4], t[5], cx.empty(x), t[6], cx.empty(Shape.of(1, 1, L)));
            }
        };
        return flashError(lib, dual, 20261130, x, x, x, x, x, x, x);
    }

    /**
     * {@code max|cuda − cpu| / max|cpu|} ({@link FlashAttentionTol}) of one call on the bf16 attention kernels of
     * {@code lib}, on unit Gaussian inputs of {@code shapes} drawn from {@code seed}; the result is the last operand.
     */
    private static double flashError(EmulatorLibrary lib, BiConsumer<Backend, Tensor[]> call, long seed, Shape... shapes) {
        float[][] values = gaussians(seed, shapes);
        CudaBackend flash = new CudaBackend(new EmulatedDevice(lib), AttentionPrecision.BF16);
        return FlashAttentionTol.maxAbsRel(run(flash, call, shapes, values), run(CPU, call, shapes, values));
    }

    /** The bf16 flash backward's dk at length {@code L}, head dim 64, after the bf16 forward ({@link FlashAttentionTol#BACKWARD}). */
    private static double flashAttentionDk(EmulatorLibrary lib, int L) {
        AttentionSpec s = new AttentionSpec(1, L, 1, 64, 0.125f);
        Shape x = Shape.of(1, L, 64);
        BiConsumer<Backend, Tensor[]> backward = (be, t) -> {
            try (Context cx = Context.open(be, Context.Tape.OFF)) {
                Tensor o = cx.empty(x), lse = cx.empty(Shape.of(1, 1, L));
                be.attention(s, t[0], t[1], t[2], o, lse);
                be.attentionBackward(s, t[0], t[1], t[2], o, lse, t[3], cx.empty(x), t[4], cx.empty(x));
            }
        };
        return flashError(lib, backward, 20261204, x, x, x, x, x);
    }

    /** Rows of 1301: longer than the warp-per-row layout takes, so each row is a block and block_sum runs. */
    private static double softmax(EmulatorLibrary lib) {
        return error(lib, (be, t) -> be.softmax(t[0], t[1]), Shape.of(7, 1301), Shape.of(7, 1301));
    }

    /** 3001 rows of 7 columns: the column sums cut the rows into 24 slices. */
    private static double columnSums(EmulatorLibrary lib) {
        Shape g = Shape.of(3001, 7), out = Shape.of(7);
        return error(lib, (be, t) -> be.reduceBroadcast(t[0], Broadcast.of("columns", g, out), t[1]), g, out);
    }

    private static double sumAll(EmulatorLibrary lib) {
        return error(lib, (be, t) -> be.sumAll(t[0], t[1]), Shape.of(100_003), Shape.of(1));
    }

    @Test void offByOneTileBoundInAttention() {
        assertTrue(attention(EmulatorLibrary.engine()) <= CudaTol.ATTENTION);
        double e = attention(mutant("attention-tile-bound"));
        assertFalse(e <= CudaTol.ATTENTION, "the off-by-one tile bound passed: " + e);
    }

    @Test void missingBarrierAfterStagingATile() {
        assertTrue(attention(EmulatorLibrary.engine()) <= CudaTol.ATTENTION);
        double e = attention(mutant("attention-missing-sync"));
        assertFalse(e <= CudaTol.ATTENTION, "the missing __syncthreads passed: " + e);
    }

    @Test void shuffleFromTheWrongLane() {
        assertTrue(attention(EmulatorLibrary.engine()) <= CudaTol.ATTENTION);
        double e = attention(mutant("attention-shuffle-lane"));
        assertFalse(e <= CudaTol.ATTENTION, "the shuffle from lane jj + 1 passed: " + e);
    }

    @Test void offByOneKeyMaskInFlashAttention() {
        assertTrue(flashAttention(EmulatorLibrary.engine(), 5) <= FlashAttentionTol.TANGENT);
        double e = flashAttention(mutant("flash-attention-tile-bound"), 5);
        assertFalse(e <= FlashAttentionTol.TANGENT, "the off-by-one key mask passed: " + e);
    }

    @Test void missingBarrierAfterStagingAFlashTile() {
        assertTrue(flashAttention(EmulatorLibrary.engine(), 5) <= FlashAttentionTol.TANGENT);
        double e = flashAttention(mutant("flash-attention-missing-sync"), 5);
        assertFalse(e <= FlashAttentionTol.TANGENT, "the missing __syncthreads passed: " + e);
    }

    @Test void tangentSumNotRescaledInFlashAttention() {
        assertTrue(flashAttention(EmulatorLibrary.engine(), 130) <= FlashAttentionTol.TANGENT);
        double e = flashAttention(mutant("flash-attention-tangent-rescale"), 130);
        assertFalse(e <= FlashAttentionTol.TANGENT, "μ without its rescaling passed: " + e);
    }

    @Test void backwardWithoutTheSoftmaxRowTermInFlashAttention() {
        assertTrue(flashAttentionDk(EmulatorLibrary.engine(), 69) <= FlashAttentionTol.BACKWARD);
        double e = flashAttentionDk(mutant("flash-attention-backward-delta"), 69);
        assertFalse(e <= FlashAttentionTol.BACKWARD, "dS without − D passed: " + e);
    }

    @Test void missingBarrierInBlockSum() {
        assertTrue(softmax(EmulatorLibrary.engine()) <= CudaTol.REDUCTION);
        double e = softmax(mutant("block-sum-missing-sync"));
        assertFalse(e <= CudaTol.REDUCTION, "block_sum without its second barrier passed: " + e);
    }

    @Test void overlappingRowSlicesInTheColumnSums() {
        assertTrue(columnSums(EmulatorLibrary.engine()) <= CudaTol.REDUCTION);
        double e = columnSums(mutant("column-slice-overlap"));
        assertFalse(e <= CudaTol.REDUCTION, "row slices overlapping by one row passed: " + e);
    }

    @Test void shuffleMaskNamingLanesThatReturned() {
        assertTrue(sumAll(EmulatorLibrary.engine()) <= CudaTol.REDUCTION);
        double e = sumAll(mutant("sum-all-shuffle-mask"));
        assertTrue(Double.isNaN(e), "sum_all reducing with half a warp: the lanes that returned read as poison, error " + e);
    }

    @Test void wrongFragmentIndexInTheMmaTwin() {
        float[][] want = MmaFragmentTest.expected(), got = MmaFragmentTest.product(mutant("mma-fragment-index"));
        int wrong = 0;
        for (int r = 0; r < 16; r++)
            for (int n = 0; n < 8; n++) if (got[r][n] != want[r][n]) wrong++;
        assertNotEquals(0, wrong, "a twin with a[1] and a[2] swapped gave the right product");
    }

    @Test void everyMutantHasATest() throws IOException {
        Set<String> specs = new TreeSet<>();
        try (Stream<Path> files = Files.list(Path.of("native-kernels/emu/mutants"))) {
            files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".mutant")).forEach(f -> specs.add(f.substring(0, f.length() - 7)));
        }
        assertEquals(new TreeSet<>(TESTED), specs, "native-kernels/emu/mutants/*.mutant vs the mutants tested here");
    }
}
