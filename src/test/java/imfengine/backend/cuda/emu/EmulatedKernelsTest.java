package imfengine.backend.cuda.emu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every kernel of native-kernels/, compiled unchanged under the CPU emulator (libimfemu.so), against the
 * CPU reference: arguments packed by hand in each kernel's parameter order (checked against its C++
 * signature), the launch geometry CudaBackend uses, buffers between NaN red zones.
 */
class EmulatedKernelsTest {
    private static final long SEED = 20261130;

    private static KernelChecks simple() { return new KernelChecks(EmulatorLibrary.engine(), SEED); }

    private static FusedKernelChecks fused() { return new FusedKernelChecks(EmulatorLibrary.engine(), SEED); }

    @Test void elementwise() {
        try (var c = simple()) { c.elementwise().assertWithin(EmuTol.ELEMENTWISE); }
    }

    @Test void reductions() {
        try (var c = simple()) { c.reductions().assertWithin(EmuTol.REDUCTION); }
    }

    @Test void movement() {
        try (var c = simple()) { c.movement().assertWithin(EmuTol.REDUCTION); }
    }

    @Test void timestep() {
        try (var c = simple()) { c.timestep().assertWithin(EmuTol.TIMESTEP); }
    }

    @Test void optimizer() {
        try (var c = simple()) { c.optimizer().assertWithin(EmuTol.ELEMENTWISE); }
    }

    @Test void philoxMatchesTheHostBitForBit() {
        try (var c = simple()) { assertEquals(0, c.philoxMismatches(), "Philox words, uniforms or normals that differ from the host's"); }
    }

    @Test void rmsnorm() {
        try (var c = fused()) { c.rmsnorm().assertWithin(EmuTol.REDUCTION); }
    }

    @Test void rope() {
        try (var c = fused()) { c.rope().assertWithin(EmuTol.ELEMENTWISE); }
    }

    @Test void swiglu() {
        try (var c = fused()) { c.swiglu().assertWithin(EmuTol.ELEMENTWISE); }
    }

    @Test void softmax() {
        try (var c = fused()) { c.softmax().assertWithin(EmuTol.REDUCTION); }
    }

    @Test void attention() {
        int[][] shapes = {{2, 37, 3, 8}, {1, 70, 2, 64}, {2, 33, 1, 40}, {1, 45, 2, 128}, {3, 1, 2, 16}};
        try (var c = fused()) {
            for (int[] s : shapes) c.attention(s[0], s[1], s[2], s[3]).assertWithin(EmuTol.ATTENTION);
        }
    }

    /** The checks above launch every kernel the library registers (so a kernel added to a .cu needs a check here). */
    @AfterAll static void everyKernelWasLaunched() {
        EmulatorLibrary lib = EmulatorLibrary.engine();
        Set<String> all = new TreeSet<>(), launched = new TreeSet<>(EmuHarness.LAUNCHED.getOrDefault(lib.path(), Set.of()));
        lib.kernels().forEach(k -> all.add(k.name()));
        assertEquals(all, launched, "kernels of " + lib.path().getFileName() + " launched by EmulatedKernelsTest");
    }
}
