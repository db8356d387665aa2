package imfengine.bench;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.cpu.CpuBackend;
import imfengine.ops.Attention;
import imfengine.ops.RmsNorm;
import imfengine.ops.Rope;
import imfengine.ops.RopeTable;
import imfengine.ops.Softmax;
import imfengine.ops.SwiGlu;
import imfengine.tensor.Host;
import imfengine.testing.Unfused;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The fused JVP kernels at the xs preset's shapes (B=128, L=69, D=96, 3 heads, MLP 256), three ways:
 * {@code primal} (forward kernel only), {@code dual_fused} (primal + tangent in one kernel) and
 * {@code dual_unfused} (the composition of elementary ops in {@link Unfused}, each carrying its
 * tangent). No tape (a tape-free context), so this measures forward-mode work alone. The {@code gbytes}
 * secondary score is the GB/s of the fused kernel's compulsory traffic (inputs read once, outputs
 * written once), the same count for all three modes so they compare directly. Throughput mode:
 * the primary score is calls/s (time per call = its inverse) and {@code gbytes} is GB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class FusedKernelBench {
    static final int B = 128, L = 69, D = 96, HEADS = 3, F = 256;

    @Param({"rmsnorm", "rope", "swiglu", "softmax", "attention"})
    public String kernel;

    @Param({"primal", "dual_fused", "dual_unfused"})
    public String mode;

    private CpuBackend be;
    /** The inputs, alive for the whole run. */
    private Context inputs;
    private Tensor x, tx, y, ty, z, tz, w;
    private RopeTable rope;
    private double bytesPerCall;

    /** Compulsory bytes moved, reported as a rate (GB/s). */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Traffic {
        public double gbytes;

        @Setup(Level.Iteration) public void reset() { gbytes = 0; }
    }

    @Setup
    public void setup() {
        be = CpuBackend.create();
        inputs = Context.open(be, Context.Tape.OFF);
        Random r = new Random(1);
        Shape s = switch (kernel) {
            case "swiglu" -> Shape.of(B * L, F);
            case "softmax" -> Shape.of(B * HEADS * L, L);
            case "rmsnorm" -> Shape.of(B * L, D);
            default -> Shape.of(B, L, D);
        };
        x = random(r, s); tx = random(r, s); y = random(r, s); ty = random(r, s); z = random(r, s); tz = random(r, s);
        w = random(r, Shape.of(D));
        rope = RopeTable.of(be, L, D / HEADS);
        int inputs = switch (kernel) { case "swiglu" -> 2; case "attention" -> 3; default -> 1; };
        boolean dual = !mode.equals("primal");
        bytesPerCall = 4.0 * s.size() * (inputs + 1) * (dual ? 2 : 1);
    }

    @Benchmark
    public float run(Traffic traffic) {
        traffic.gbytes += bytesPerCall / 1e9;
        try (Context cx = inputs.child()) {
            boolean dual = !mode.equals("primal");
            Var a = dual ? cx.dual(x, tx) : cx.constant(x);
            Var b = dual ? cx.dual(y, ty) : cx.constant(y);
            Var c = dual ? cx.dual(z, tz) : cx.constant(z);
            Var wv = cx.constant(w);
            boolean unfused = mode.equals("dual_unfused");
            Var out = switch (kernel) {
                case "rmsnorm" -> unfused ? Unfused.rmsNorm(a, wv, 1e-6f) : RmsNorm.apply(a, wv, 1e-6f);
                case "rope" -> unfused ? Unfused.rope(a, rope, HEADS) : Rope.apply(a, rope, HEADS);
                case "swiglu" -> unfused ? Unfused.swiglu(a, b) : SwiGlu.gate(a, b);
                case "softmax" -> unfused ? Unfused.softmax(a) : Softmax.lastAxis(a);
                default -> unfused ? Unfused.attention(a, b, c, HEADS) : Attention.apply(a, b, c, HEADS);
            };
            return Host.floats(out.value().view(0, Shape.of(1)))[0];
        }
    }

    private Tensor random(Random r, Shape s) {
        float[] v = new float[s.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() * 2 - 1;
        return Host.upload(inputs, v, s);
    }
}
