package imfengine.bench;

import imfengine.autodiff.Autodiff;
import imfengine.autodiff.GradMode;
import imfengine.autodiff.Var;
import imfengine.backend.cpu.CpuBackend;
import imfengine.imf.DualForward;
import imfengine.imf.ImfObjective;
import imfengine.imf.ObjectiveConfig;
import imfengine.imf.StepDraws;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.optim.AdamW;
import imfengine.tensor.MemoryScope;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
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

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Whole-model costs of the xs preset (batch 128): the plain forward of the full network (u and v
 * heads, no tape), the dual forward (the same with tangents on z and h: the JVP overhead factor is
 * the ratio of the two), the dual forward as the training step runs it (tangents only where
 * {@code h = t − r ≠ 0}), and one full iMF training step (guidance forwards, dual forward with
 * tape, backward, AdamW).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ModelBench {
    @Param({"xs"})
    public String preset;

    @Param({"128"})
    public int batch;

    private CpuBackend be;
    private ImfDiT net;
    private AdamW adam;
    private ImfObjective objective;
    private float[] x, tangent, stepGaps;
    private int[] labels;
    private ImfDiT.Conditions conditions;
    private long step;

    @Setup
    public void setup() {
        be = CpuBackend.create();
        ModelConfig mc = ModelConfig.preset(preset);
        net = new ImfDiT(mc, be, 1, true);
        adam = new AdamW(net.parameters(), 0f);
        objective = new ImfObjective(ObjectiveConfig.paper());
        int pixels = mc.imageSize() * mc.imageSize() * mc.channels();
        Random r = new Random(2);
        x = new float[batch * pixels];
        tangent = new float[batch * pixels];
        for (int i = 0; i < x.length; i++) { x[i] = r.nextFloat() * 2 - 1; tangent[i] = (float) r.nextGaussian(); }
        labels = new int[batch];
        float[] omega = new float[batch], lo = new float[batch], hi = new float[batch];
        for (int i = 0; i < batch; i++) { labels[i] = i % mc.classes(); omega[i] = 1 + i % 7; lo[i] = 0.1f; hi[i] = 0.9f; }
        conditions = new ImfDiT.Conditions(omega, lo, hi, labels);
        stepGaps = new float[batch];
        int flowMatching = (int) Math.floor(batch * ObjectiveConfig.paper().dataProportion());
        for (int i = flowMatching; i < batch; i++) stepGaps[i] = 0.5f;
    }

    @Benchmark
    public float plainForward() {
        try (GradMode off = GradMode.off(); MemoryScope s = MemoryScope.open()) {
            ImfDiT.Output out = net.forward(Var.constant(images(x)), Var.constant(hs(0.5f)), conditions, ImfDiT.Heads.BOTH);
            return be.toArray(out.u().value())[0];
        }
    }

    @Benchmark
    public float dualForward() {
        try (GradMode off = GradMode.off(); MemoryScope s = MemoryScope.open()) {
            ImfDiT.Output out = net.forward(Var.dual(images(x), images(tangent)), Var.dual(hs(0.5f), hs(1f)), conditions, ImfDiT.Heads.BOTH);
            return be.toArray(out.u().tangent())[0];
        }
    }

    /**
     * The dual forward as a training step issues it ({@link DualForward}): the paper's leading half of
     * flow-matching examples ({@code h = 0}, where {@code du} is multiplied by zero) primal only, the
     * other half with tangents. Compare with {@link #plainForward()} for the step's JVP overhead.
     */
    @Benchmark
    public float stepDualForward() {
        try (GradMode off = GradMode.off(); MemoryScope s = MemoryScope.open()) {
            ImfDiT.Output out = DualForward.run(net, x, tangent, stepGaps, conditions, ImfDiT.Heads.BOTH);
            return be.toArray(out.u().tangent())[batch - 1];
        }
    }

    @Benchmark
    public float trainStep() {
        step++;
        StepDraws d = StepDraws.draw(objective.config(), batch, x.length / batch, 7, step);
        try (MemoryScope s = MemoryScope.open()) {
            ImfObjective.Result res = objective.loss(net, x, labels, d);
            Autodiff.backward(res.loss());
            adam.step(1e-4);
            adam.zeroGrad();
            return (float) res.mseCompound();
        }
    }

    private Tensor images(float[] v) {
        ModelConfig mc = net.config();
        return be.fromArray(v, Shape.of(batch, mc.imageSize(), mc.imageSize(), mc.channels()));
    }

    private Tensor hs(float v) {
        float[] a = new float[batch];
        Arrays.fill(a, v);
        return be.fromArray(a, Shape.of(batch));
    }
}
