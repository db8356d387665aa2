package imfengine.bench;

import java.util.concurrent.TimeUnit;
import imfengine.backend.cpu.FmaPeak;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Empirical fp32 peak: {@link FmaPeak#loop}, register-only FMAs on 12 independent accumulators, no
 * memory traffic. Per benchmark thread; run with {@code -t 1} and
 * {@code -t 2} (all cores). The {@code gflop} secondary score is GFLOP/s, as in {@link GemmBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class FmaPeakBench {
    private static final int STEPS = 1 << 16;
    private float x = 0.999f, y = 1e-4f;

    @Benchmark
    public float fma(Gflops flops) {
        float r = FmaPeak.loop(x, y, STEPS);
        flops.gflop += FmaPeak.flops(STEPS) / 1e9;
        return r;
    }
}
