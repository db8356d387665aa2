package imfengine.backend.cuda;

import imfengine.autodiff.Context;
import imfengine.backend.Backend;
import imfengine.tensor.DType;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import imfengine.testing.OpCheck;
import imfengine.testing.Ref;
import org.junit.jupiter.api.DynamicTest;

import java.util.SplittableRandom;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One parity case of {@link CudaParityTest}: the CPU reference (scalar path) and the CUDA backend side by
 * side, each with a context that holds the case's tensors until it ends, and random inputs from a generator
 * seeded by the case's name, so a case draws the same inputs whether it runs alone or among the others.
 * Tensor pairs are {@code [cpu, gpu]}.
 */
final class ParityCase implements AutoCloseable {
    private static final long SEED = 20261126;

    final Backend cpu = Backends.SCALAR;
    final CudaBackend gpu;
    final Context cpuCx, gpuCx;
    final SplittableRandom rnd;

    private ParityCase(CudaBackend gpu, String name) {
        this.gpu = gpu;
        this.rnd = new SplittableRandom(SEED ^ name.hashCode());
        this.cpuCx = Context.open(cpu, Context.Tape.OFF);
        this.gpuCx = Context.open(gpu, Context.Tape.OFF);
    }

    /** A dynamic test named {@code name} that runs {@code body} on a fresh case (skipped without a GPU or the emulator). */
    static DynamicTest of(String name, Consumer<ParityCase> body) {
        return DynamicTest.dynamicTest(name, () -> {
            CudaBackend gpu = Backends.cuda();
            assumeTrue(gpu != null, "no CUDA device and no kernel emulator (make emu)");
            try (ParityCase c = new ParityCase(gpu, name)) {
                body.accept(c);
            }
        });
    }

    @Override public void close() {
        cpuCx.close();
        gpuCx.close();
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

    /** The same values on both backends. */
    Tensor[] both(float[] v, int... dims) { return both(Shape.of(dims), v); }

    Tensor[] both(Shape s, float[] v) { return new Tensor[]{Host.upload(cpuCx, v, s), Host.upload(gpuCx, v, s)}; }

    Tensor[] both(int[] v) { return new Tensor[]{Host.upload(cpuCx, v), Host.upload(gpuCx, v)}; }

    /** Normal values of {@code shape} on both backends. */
    Tensor[] normals(int... dims) { return both(normal(Shape.of(dims).size()), dims); }

    Tensor[] zeros(int... dims) { return both(new float[(int) Shape.of(dims).size()], dims); }

    Tensor[] empty(Shape s, DType d) { return new Tensor[]{cpuCx.empty(s, d), gpuCx.empty(s, d)}; }

    /** The CPU side's values, uploaded to the GPU side too: a later pass then starts from identical inputs. */
    Tensor[] fromCpu(Tensor cpuSide) {
        Tensor g = gpuCx.empty(cpuSide.shape(), cpuSide.dtype());
        gpu.upload(Host.floats(cpuSide), g);
        return new Tensor[]{cpuSide, g};
    }

    /** {@code ‖gpu − cpu‖₂ / ‖cpu‖₂ <= tol}. */
    void expectClose(String what, Tensor[] t, double tol) {
        float[] c = Host.floats(t[0]), g = Host.floats(t[1]);
        assertEquals(c.length, g.length, what);
        double err = Ref.relErr(g, c);
        assertTrue(err <= tol, what + ": relative error " + err + " > " + tol);
    }
}
