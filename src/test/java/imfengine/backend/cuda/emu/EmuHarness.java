package imfengine.backend.cuda.emu;

import imfengine.backend.Backend;
import imfengine.backend.cuda.emu.EmulatorLibrary.Dim3;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import imfengine.testing.OpCheck;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the kernel checks share: an emulator library, host buffers standing in for device memory, the CPU
 * reference (the scalar path), and launches with the geometry {@code CudaBackend} uses. Arguments are
 * packed by hand, in each kernel's parameter order, and checked against its C++ signature on launch.
 */
abstract class EmuHarness implements AutoCloseable {
    /** Threads per block of the 1-D grid-stride kernels (Launcher.THREADS). */
    static final int THREADS = 256;
    /** Kernels launched so far, by library (EmulatedKernelsTest asserts that every kernel was). */
    static final Map<Path, Set<String>> LAUNCHED = new ConcurrentHashMap<>();

    final EmulatorLibrary lib;
    final HostBuffers mem = new HostBuffers();
    final Backend cpu = Backends.SCALAR;
    final SplittableRandom rnd;

    EmuHarness(EmulatorLibrary lib, long seed) {
        this.lib = lib;
        this.rnd = new SplittableRandom(seed);
    }

    float[] normal(long n) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) OpCheck.gaussian(rnd);
        return v;
    }

    float[] positive(long n) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) (0.5 + 1.5 * rnd.nextDouble());
        return v;
    }

    float[] awayFromZero(long n) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) ((rnd.nextBoolean() ? 1 : -1) * (0.5 + rnd.nextDouble()));
        return v;
    }

    Tensor host(float[] v, int... dims) { return cpu.fromArray(v, Shape.of(dims)); }

    Tensor host(float[] v, Shape s) { return cpu.fromArray(v, s); }

    float[] of(Tensor t) { return cpu.toArray(t); }

    LaunchParams args() { return mem.params(); }

    /** A 1-D grid-stride launch over {@code n} items, as Launcher.grid1d. */
    void grid1d(String kernel, long n, LaunchParams a) {
        int blocks = (int) Math.max(1, Math.min(1L << 20, (n + THREADS - 1) / THREADS));
        launch(kernel, Dim3.of(blocks), Dim3.of(THREADS), 0, a);
    }

    void launch(String kernel, Dim3 grid, Dim3 block, int sharedBytes, LaunchParams a) {
        LAUNCHED.computeIfAbsent(lib.path(), p -> ConcurrentHashMap.newKeySet()).add(kernel);
        lib.launch(kernel, grid, block, sharedBytes, a);
        mem.checkRedZones();
    }

    static float[] read(MemorySegment s) { return HostBuffers.read(s); }

    @Override public void close() { mem.close(); }
}
