package imfengine.bench;

import imfengine.autodiff.Autodiff;
import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.cpu.CpuBackend;
import imfengine.ops.GatedResidual;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Unfused;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The transformer block's gated residual {@code x + branch ⊙ gate} at the xs preset's activations
 * ([128·69, 96]), fused ({@link GatedResidual}) against {@link Unfused#gatedResidual} (mul then add):
 * {@code forward} (no tangents, no tape), {@code dual} (primal and tangent) and {@code train} (forward on a
 * tape, then the backward pass to x, branch and gate). Calls/s, higher is better.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GatedResidualBench {
    static final int ROWS = 128 * 69, D = 96;

    @Param({"forward", "dual", "train"})
    public String pass;

    @Param({"fused", "unfused"})
    public String mode;

    private CpuBackend be;
    private Context inputs;
    private Tensor x, tx, branch, tbranch, gate, dy;

    @Setup
    public void setup() {
        be = CpuBackend.create();
        inputs = Context.open(be, Context.Tape.OFF);
        Random r = new Random(1);
        Shape s = Shape.of(ROWS, D);
        x = random(r, s); tx = random(r, s); branch = random(r, s); tbranch = random(r, s); dy = random(r, s);
        gate = random(r, Shape.of(D));
    }

    @TearDown
    public void close() { inputs.close(); }

    @Benchmark
    public float run() {
        boolean train = pass.equals("train"), dual = pass.equals("dual");
        try (Context cx = train ? Context.open(be, Context.Tape.RECORD) : inputs.child()) {
            Var xv = train ? cx.input(x) : dual ? cx.dual(x, tx) : cx.constant(x);
            Var bv = train ? cx.input(branch) : dual ? cx.dual(branch, tbranch) : cx.constant(branch);
            Var gv = train ? cx.input(gate) : cx.constant(gate);
            Var y = mode.equals("fused") ? GatedResidual.apply(xv, bv, gv) : Unfused.gatedResidual(xv, bv, gv);
            if (train) {
                Autodiff.backward(y, dy);
                return Host.floats(gv.grad().view(0, Shape.of(1)))[0];
            }
            return Host.floats(y.value().view(0, Shape.of(1)))[0];
        }
    }

    private Tensor random(Random r, Shape s) {
        float[] v = new float[s.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() * 2 - 1;
        return Host.upload(inputs, v, s);
    }
}
