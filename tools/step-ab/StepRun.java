package imfengine.cli;

import imfengine.autodiff.Context;
import imfengine.backend.Backend;
import imfengine.backend.cpu.CpuBackend;
import imfengine.imf.ImfObjective;
import imfengine.imf.MemoryPlan;
import imfengine.imf.ObjectiveConfig;
import imfengine.imf.TrainingStep;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.optim.AdamW;
import imfengine.optim.Ema;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One side of tools/step-ab.sh, compiled against each jar: the training step that {@code bench --what step} times
 * (same model seed, batch, objective, AdamW and EMA; whole batch, no recomputation), on CPU backends of its own: as
 * {@code bench} runs it, replicas by default ({@link ReplicaOptions#defaultFor}: one per thread at xs and s), or
 * {@code -Dreplicas=N} (1: one copy of the model on all the threads).
 */
public final class StepRun {
    private StepRun() {}

    /** A runnable that makes one training step of {@code preset} at {@code batch} examples on {@code threads} threads. */
    public static Runnable prepare(String preset, int batch, int threads) {
        ModelConfig mc = ModelConfig.preset(preset);
        int pixels = mc.imageSize() * mc.imageSize() * mc.channels();
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[batch * pixels];
        for (int i = 0; i < x.length; i++) x[i] = (float) (2 * r.nextDouble() - 1);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = i % mc.classes();
        int replicas = Integer.getInteger("replicas", ReplicaOptions.defaultFor(mc, batch, threads));
        if (replicas > 1) {
            List<Backend> backends = new ArrayList<>();
            for (int rank = 0; rank < replicas; rank++) backends.add(new CpuBackend(ReplicaOptions.threadsOf(rank, replicas, threads), true));
            return new ReplicatedBenchStep(mc, MemoryPlan.NONE, batch, x, labels, backends)::run;
        }
        CpuBackend be = new CpuBackend(threads, true);
        ImfDiT net = new ImfDiT(mc, be, 1, true);
        TrainingStep step = new TrainingStep(net, new ImfObjective(ObjectiveConfig.paper()), new AdamW(net.store(), 0f),
                new Ema(net.store(), 0.999), 7);
        Shape img = net.imageShape(batch);
        long[] n = {0};
        return () -> {
            n[0]++;
            try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                step.run(cx, Host.upload(cx, x, img), Host.upload(cx, labels), n[0], 1e-4);
            }
        };
    }
}
