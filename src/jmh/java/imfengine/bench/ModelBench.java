package imfengine.bench;

import imfengine.autodiff.Context;
import imfengine.backend.cpu.CpuBackend;
import imfengine.imf.DualForward;
import imfengine.imf.ImfObjective;
import imfengine.imf.ObjectiveConfig;
import imfengine.imf.TrainingStep;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.optim.AdamW;
import imfengine.optim.Ema;
import imfengine.tensor.Host;
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

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Whole-model costs of the xs preset (batch 128): the plain forward of the full network (u and v
 * heads, no tape), the dual forward (the same with tangents on z and h: the JVP overhead factor is
 * the ratio of the two), the dual forward as the training step runs it (tangents only where
 * {@code h = t − r ≠ 0}), and one full iMF training step as the trainer runs it (batch upload,
 * guidance forwards, dual forward with tape, backward, AdamW, EMA).
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
    private TrainingStep trainingStep;
    private float[] x;
    private int[] labels;
    /** Inputs of the forward benchmarks, on the device for the whole run. */
    private Context inputs;
    private Tensor images, tangents, stepGaps;
    private ImfDiT.Conditions conditions;
    private int flowMatching;
    private long step;

    @Setup
    public void setup() {
        be = CpuBackend.create();
        ModelConfig mc = ModelConfig.preset(preset);
        net = new ImfDiT(mc, be, 1, true);
        trainingStep = new TrainingStep(net, new ImfObjective(ObjectiveConfig.paper()), new AdamW(net.store(), 0f),
                new Ema(net.store(), 0.999), 7);
        int pixels = mc.imageSize() * mc.imageSize() * mc.channels();
        Random r = new Random(2);
        x = new float[batch * pixels];
        float[] tangent = new float[batch * pixels];
        for (int i = 0; i < x.length; i++) { x[i] = r.nextFloat() * 2 - 1; tangent[i] = (float) r.nextGaussian(); }
        labels = new int[batch];
        float[] omega = new float[batch], lo = new float[batch], hi = new float[batch], gaps = new float[batch];
        for (int i = 0; i < batch; i++) { labels[i] = i % mc.classes(); omega[i] = 1 + i % 7; lo[i] = 0.1f; hi[i] = 0.9f; }
        flowMatching = (int) Math.floor(batch * ObjectiveConfig.paper().dataProportion());
        for (int i = flowMatching; i < batch; i++) gaps[i] = 0.5f;
        inputs = Context.open(be, Context.Tape.OFF);
        Shape img = net.imageShape(batch);
        images = Host.upload(inputs, x, img);
        tangents = Host.upload(inputs, tangent, img);
        stepGaps = Host.upload(inputs, gaps, batch);
        conditions = new ImfDiT.Conditions(Host.upload(inputs, omega, batch), Host.upload(inputs, lo, batch),
                Host.upload(inputs, hi, batch), Host.upload(inputs, labels));
    }

    @Benchmark
    public float plainForward() {
        try (Context cx = inputs.child()) {
            ImfDiT.Output out = net.forward(cx, cx.constant(images), cx.constant(cx.full(Shape.of(batch), 0.5)), conditions, ImfDiT.Heads.BOTH);
            return Host.floats(out.u().value())[0];
        }
    }

    @Benchmark
    public float dualForward() {
        try (Context cx = inputs.child()) {
            ImfDiT.Output out = net.forward(cx, cx.dual(images, tangents),
                    cx.dual(cx.full(Shape.of(batch), 0.5), cx.full(Shape.of(batch), 1)), conditions, ImfDiT.Heads.BOTH);
            return Host.floats(out.u().tangent())[0];
        }
    }

    /**
     * The dual forward as a training step issues it ({@link DualForward}): the paper's leading half of
     * flow-matching examples ({@code h = 0}, where {@code du} is multiplied by zero) primal only, the
     * other half with tangents. Compare with {@link #plainForward()} for the step's JVP overhead.
     */
    @Benchmark
    public float stepDualForward() {
        try (Context cx = inputs.child()) {
            ImfDiT.Output out = DualForward.run(cx, net, images, tangents, stepGaps, conditions, ImfDiT.Heads.BOTH, flowMatching);
            return Host.floats(out.u().tangent())[batch - 1];
        }
    }

    @Benchmark
    public float trainStep() {
        step++;
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            Shape img = net.imageShape(batch);
            TrainingStep.Losses res = trainingStep.run(cx, Host.upload(cx, x, img), Host.upload(cx, labels), step, 1e-4);
            return Host.floats(res.mseU())[0];
        }
    }
}
