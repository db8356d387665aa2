package imfengine.backend.cpu;

import imfengine.bench.Gflops;
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
 * This machine's GEMM micro-kernel ({@link GemmSimd#full}, the tile {@link GemmSimd#tile()} chosen at
 * start-up) on L1-resident packed panels, one core: its {@code gflop} score over {@code FmaPeakBench}'s
 * ({@code -t 1}, same run) is the kernel's share of the FMA peak before blocking, packing and caches take
 * theirs (a whole GEMM: {@code GemmBench}). Run:
 * {@code java -jar target/benchmarks.jar GemmKernelBench} ({@code -jvmArgsAppend -Dimf.gemm.rows=4} for the
 * other tile). On the AVX2 Zen 3 guest the 4×16 tile ran at 80–90 % of the peak (docs/PERF.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmKernelBench {
    /** Depth of one call: the iMF xs products' k = 96, and the AVX-512 and AVX2 depth blocks. */
    @Param({"96", "256", "512"})
    public int kc;

    /** C tiles written in turn (all in L1 with the panels). */
    private static final int TILES = 8;
    private float[] ap, bp, c;
    private int call;

    @Setup
    public void setUp() {
        Random r = new Random(1);
        ap = new float[GemmSimd.MR * kc];
        bp = new float[GemmSimd.NR * kc];
        c = new float[TILES * GemmSimd.MR * GemmSimd.NR];
        for (int i = 0; i < ap.length; i++) ap[i] = r.nextFloat() - 0.5f;
        for (int i = 0; i < bp.length; i++) bp[i] = r.nextFloat() - 0.5f;
    }

    /** One MR×NR tile over depth kc from packed panels, written over (alpha 1, beta 0) as most calls are. */
    @Benchmark
    public float tile(Gflops flops) {
        int co = (call++ % TILES) * GemmSimd.MR * GemmSimd.NR;
        GemmSimd.full(kc, ap, 0, 1, GemmSimd.MR, bp, 0, c, co, GemmSimd.NR, 1f, 0f, null);
        flops.gflop += 2.0 * GemmSimd.MR * GemmSimd.NR * kc / 1e9;
        return c[co];
    }
}
