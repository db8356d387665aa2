package imfengine.bench;

import imfengine.autodiff.Context;
import imfengine.backend.GemmSpec;
import imfengine.tensor.Host;
import imfengine.backend.cpu.CpuBackend;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * GEMM through the public {@link CpuBackend#gemm} (all cores, SIMD), on 512³ and the iMF xs shapes.
 *
 * <p>Shapes are {@code batch x m x n x k _ op}, op = transA/transB as n/t. Mode is throughput, so
 * the primary score is calls/s and the {@code gflop} secondary score (a {@link Gflops}
 * operations counter advanced by {@code 2·batch·m·n·k / 1e9} per call) is GFLOP/s directly.
 * Run: {@code java -jar target/benchmarks.jar GemmBench} (add {@code -p threads=1} for one core);
 * {@code tools/jmh-gflops.py} turns a JSON result into per-shape median and range.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmBench {
    @Param({
        "1x512x512x512_nn",
        "1x8832x96x96_nn", "1x8832x256x96_nn", "1x8832x96x256_nn",     // forward: x·W
        "1x96x96x8832_tn", "1x96x256x8832_tn", "1x256x96x8832_tn",     // weight gradients: xᵀ·dY
        "1x8832x96x256_nt", "1x8832x256x96_nt", "1x8832x96x96_nt",     // input gradients: dY·Wᵀ
        "384x69x69x32_nt", "384x69x32x69_nn"                           // attention: Q·Kᵀ, P·V
    })
    public String shape;

    /** Worker threads; 0 means all cores ({@link CpuBackend#create()}). */
    @Param({"0"})
    public int threads;

    private CpuBackend backend;
    private GemmSpec spec;
    private Tensor a, b, c;
    private double gflopPerCall;

    @Setup
    public void setup() {
        String[] dims = shape.split("_")[0].split("x");
        String op = shape.split("_")[1];
        int batch = Integer.parseInt(dims[0]), m = Integer.parseInt(dims[1]), n = Integer.parseInt(dims[2]), k = Integer.parseInt(dims[3]);
        spec = GemmSpec.batched(batch, m, n, k, op.charAt(0) == 't', op.charAt(1) == 't', 1f, 0f);
        backend = threads == 0 ? CpuBackend.create() : new CpuBackend(threads, true);
        Random r = new Random(42);
        Context buffers = Context.open(backend, Context.Tape.OFF); // lives as long as the benchmark
        a = Host.upload(buffers, random(r, batch * m * k), Shape.of(batch * m * k));
        b = Host.upload(buffers, random(r, batch * k * n), Shape.of(batch * k * n));
        c = buffers.zeros(Shape.of(batch * m * n));
        gflopPerCall = spec.flops() / 1e9;
    }

    @Benchmark
    public Tensor gemm(Gflops flops) {
        backend.gemm(spec, a, b, c);
        flops.gflop += gflopPerCall;
        return c;
    }

    private static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = r.nextFloat() * 2 - 1;
        return x;
    }
}
