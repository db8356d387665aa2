package imfengine.backend.cuda.emu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proof that the emulated checks bite: each mutant (native-kernels/emu/mutants/NAME.mutant, built by
 * `make emu` from a copy of native-kernels/ with one textual change) must fail the same check that the
 * real kernels pass. The first assertion of each test is that control.
 */
class MutantsTest {
    private static final long SEED = 20261130;
    /** Mutants and the test below that must catch each (a new .mutant without one fails everyMutantHasATest). */
    private static final Set<String> TESTED = Set.of("attention-tile-bound", "attention-missing-sync", "attention-shuffle-lane",
            "block-sum-missing-sync", "sum-all-shuffle-mask", "mma-fragment-index");

    private static EmulatorLibrary mutant(String name) {
        return EmulatorLibrary.load(EmulatorLibrary.directory().resolve("mutants").resolve(name + ".so"));
    }

    private static Errors fused(EmulatorLibrary lib, Function<FusedKernelChecks, Errors> check) {
        try (var c = new FusedKernelChecks(lib, SEED)) { return check.apply(c); }
    }

    /** L = 37: two tiles, the second partial, so row L falls inside a tile. */
    private static Errors attention(EmulatorLibrary lib) { return fused(lib, c -> c.attentionForward(2, 37, 3, 8)); }

    @Test void offByOneTileBoundInAttention() {
        assertTrue(attention(EmulatorLibrary.engine()).within(EmuTol.ATTENTION));
        Errors e = attention(mutant("attention-tile-bound"));
        assertFalse(e.within(EmuTol.ATTENTION), "the off-by-one tile bound passed: " + e);
    }

    @Test void missingBarrierAfterStagingATile() {
        assertTrue(attention(EmulatorLibrary.engine()).within(EmuTol.ATTENTION));
        Errors e = attention(mutant("attention-missing-sync"));
        assertFalse(e.within(EmuTol.ATTENTION), "the missing __syncthreads passed: " + e);
    }

    @Test void shuffleFromTheWrongLane() {
        assertTrue(attention(EmulatorLibrary.engine()).within(EmuTol.ATTENTION));
        Errors e = attention(mutant("attention-shuffle-lane"));
        assertFalse(e.within(EmuTol.ATTENTION), "the shuffle from lane jj + 1 passed: " + e);
    }

    @Test void missingBarrierInBlockSum() {
        assertTrue(fused(EmulatorLibrary.engine(), FusedKernelChecks::softmax).within(EmuTol.REDUCTION));
        Errors e = fused(mutant("block-sum-missing-sync"), FusedKernelChecks::softmax);
        assertFalse(e.within(EmuTol.REDUCTION), "block_sum without its second barrier passed: " + e);
    }

    @Test void shuffleMaskNamingLanesThatReturned() {
        try (var c = new KernelChecks(EmulatorLibrary.engine(), SEED)) { assertTrue(c.reductions().within(EmuTol.REDUCTION)); }
        try (var c = new KernelChecks(mutant("sum-all-shuffle-mask"), SEED)) {
            Errors e = c.reductions();
            assertFalse(e.within(EmuTol.REDUCTION), "sum_all reducing with half a warp passed: " + e);
            assertTrue(e.toString().contains("sum_all=NaN"), "the lanes that returned read as poison: " + e);
        }
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
