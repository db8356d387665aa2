package imfengine.imf;

import imfengine.autodiff.Autodiff;
import imfengine.backend.Backend;
import imfengine.data.BatchSampler;
import imfengine.data.Dataset;
import imfengine.io.SafetensorsFile;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.optim.AdamW;
import imfengine.optim.Ema;
import imfengine.optim.LrSchedule;
import imfengine.tensor.MemoryScope;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The training loop: batches from a seeded sampler, one {@link ImfObjective} step per batch,
 * AdamW, EMA, a live progress line, JSONL metrics, and atomic checkpoints every N steps and at
 * the end. A run resumed from a checkpoint continues bit for bit on the CPU with the same thread
 * count: draws depend only on (seed, step), the sampler state is saved, and the CPU kernels give
 * the same bits for the same inputs (README, "Reproducibility").
 */
public final class Trainer {
    /** One step's numbers. */
    public record StepMetrics(long step, double loss, double mseCompound, double mseV, double lr, double seconds) {
        /** {@code loss_u X  loss_v Y}, without {@code loss_v} for objectives that have no v-loss. */
        public String losses() {
            return Double.isNaN(mseV) ? String.format(Locale.ROOT, "loss_u %.4f", mseCompound)
                    : String.format(Locale.ROOT, "loss_u %.4f  loss_v %.4f", mseCompound, mseV);
        }
    }

    private final TrainConfig cfg;
    private final Dataset data;
    private final ImfDiT net;
    private final AdamW adam;
    private final Ema ema;
    private final BatchSampler sampler;
    private final ImfObjective objective;
    private final LrSchedule schedule;
    private final PrintStream progress;
    private long step;
    private final long seed;
    /** How the run was launched, beyond {@link TrainConfig}: saved with every checkpoint (see {@link #recordLaunchSettings}). */
    private final Map<String, String> launch = new LinkedHashMap<>();

    /** A new run, or a resumed one when {@code resume} is not null. */
    public Trainer(TrainConfig cfg, Dataset data, Backend be, Path resume, PrintStream progress) {
        this.cfg = cfg;
        this.data = data;
        this.progress = progress;
        SafetensorsFile ckpt = resume == null ? null : Checkpoint.open(resume);
        ModelConfig mc = ckpt == null ? cfg.model() : Checkpoint.config(ckpt);
        if (ckpt != null && !mc.equals(cfg.model()))
            throw new IllegalArgumentException("checkpoint " + resume + " is preset " + mc.name() + ", not " + cfg.model().name());
        checkData(mc, data);
        this.seed = ckpt == null ? cfg.seed() : Long.parseLong(ckpt.metadata().get("seed"));
        this.net = new ImfDiT(mc, be, seed, true);
        this.adam = new AdamW(net.parameters(), 0f);
        this.ema = new Ema(net.parameters(), cfg.emaDecay());
        this.sampler = new BatchSampler(data.count(), seed);
        if (ckpt != null) {
            Checkpoint.load(ckpt, "", net.parameters(), Checkpoint.values(net.parameters()));
            Checkpoint.load(ckpt, Checkpoint.EMA, net.parameters(), ema.weights());
            Checkpoint.load(ckpt, Checkpoint.ADAM_M, net.parameters(), adam.firstMoments());
            Checkpoint.load(ckpt, Checkpoint.ADAM_V, net.parameters(), adam.secondMoments());
            Map<String, String> m = ckpt.metadata();
            step = Long.parseLong(m.get("step"));
            adam.restore(Long.parseLong(m.get("adam_step")));
            ema.restore(Long.parseLong(m.get("ema_updates")));
            String[] st = m.get("sampler_state").split(",");
            long[] state = new long[st.length];
            for (int i = 0; i < st.length; i++) state[i] = Long.parseLong(st[i]);
            if (state.length > 1 && state[1] != data.count())
                throw new IllegalArgumentException("the run in " + resume + " drew its batches from " + state[1] + " examples; this dataset has "
                        + data.count() + " (resume with the run's own data)");
            sampler.restore(state);
        }
        this.objective = new ImfObjective(cfg.objective());
        this.schedule = new LrSchedule(cfg.lr(), cfg.warmup());
    }

    public ImfDiT model() { return net; }

    public Ema ema() { return ema; }

    public long step() { return step; }

    /** Runs until the step target or the time budget; returns the metrics of the last step. */
    public StepMetrics run() throws IOException {
        Files.createDirectories(cfg.outDir());
        Path metricsFile = cfg.outDir().resolve("metrics.jsonl");
        long startStep = step, target = cfg.steps();
        long t0 = System.nanoTime();
        StepMetrics last = null;
        int b = cfg.batch(), pixels = data.imageSize();
        float[] images = new float[b * pixels];
        int[] labels = new int[b], idx = new int[b];
        try (Writer metrics = Files.newBufferedWriter(metricsFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            while (step < target || target <= 0) {
                double elapsed = (System.nanoTime() - t0) / 1e9;
                if (cfg.timeBudgetSeconds() > 0 && elapsed >= cfg.timeBudgetSeconds()) break;
                long s0 = System.nanoTime();
                sampler.next(idx);
                data.fillBatch(idx, images, labels);
                last = trainStep(images, labels);
                double sec = (System.nanoTime() - s0) / 1e9;
                last = new StepMetrics(last.step(), last.loss(), last.mseCompound(), last.mseV(), last.lr(), sec);
                metrics.write(json(last));
                metrics.write('\n');
                metrics.flush(); // so a running job can be watched (tail -f)
                if (cfg.checkpointEvery() > 0 && step % cfg.checkpointEvery() == 0 && step < target) save(cfg.outDir().resolve("checkpoint.safetensors"));
                showProgress(last, startStep, target, t0);
            }
            metrics.flush();
        }
        progress.println();
        save(cfg.outDir().resolve("checkpoint.safetensors"));
        return last;
    }

    /** One optimisation step on a filled batch. */
    public StepMetrics trainStep(float[] images, int[] labels) {
        step++;
        StepDraws d = StepDraws.draw(cfg.objective(), labels.length, data.imageSize(), seed, step);
        double lr = schedule.at(step);
        try (MemoryScope scope = MemoryScope.open()) {
            ImfObjective.Result r = objective.loss(net, images, labels, d);
            Autodiff.backward(r.loss());
            adam.step(lr);
            adam.zeroGrad();
            ema.update();
            double loss = net.backend().toArray(r.loss().value())[0];
            if (!Double.isFinite(loss)) throw new IllegalStateException("loss became " + loss + " at step " + step + " (lower --lr?)");
            return new StepMetrics(step, loss, r.mseCompound(), r.mseV(), lr, 0);
        }
    }

    /**
     * Settings the trainer does not use itself but a resumed run needs to continue the same way (data
     * path, device, threads): written into every checkpoint's metadata.
     */
    public void recordLaunchSettings(Map<String, String> settings) { launch.putAll(settings); }

    public void save(Path file) {
        Map<String, String> meta = new LinkedHashMap<>(net.config().toMetadata());
        meta.put("step", "" + step);
        meta.put("adam_step", "" + adam.stepCount());
        meta.put("ema_updates", "" + ema.updates());
        meta.put("ema_decay", "" + ema.decay());
        meta.put("seed", "" + seed);
        long[] st = sampler.state();
        meta.put("sampler_state", st[0] + "," + st[1] + "," + st[2] + "," + st[3]);
        meta.put("lr", "" + cfg.lr());
        meta.put("warmup", "" + cfg.warmup());
        meta.put("batch", "" + cfg.batch());
        meta.put("checkpoint_every", "" + cfg.checkpointEvery());
        meta.put("sample_omega", "" + cfg.sampleOmega());
        meta.put("sample_interval", cfg.sampleTMin() + "," + cfg.sampleTMax());
        meta.putAll(cfg.objective().toMetadata());
        meta.putAll(launch);
        Map<String, Map<String, imfengine.tensor.Tensor>> groups = new LinkedHashMap<>();
        groups.put("", Checkpoint.values(net.parameters()));
        groups.put(Checkpoint.EMA, ema.weights());
        groups.put(Checkpoint.ADAM_M, adam.firstMoments());
        groups.put(Checkpoint.ADAM_V, adam.secondMoments());
        Checkpoint.save(file, groups, meta);
    }

    private void showProgress(StepMetrics m, long startStep, long target, long t0) {
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double rate = (m.step() - startStep) / Math.max(elapsed, 1e-9);
        double remaining = target > 0 ? (target - m.step()) / Math.max(rate, 1e-9) : Double.NaN;
        if (cfg.timeBudgetSeconds() > 0) {
            double left = cfg.timeBudgetSeconds() - elapsed;
            remaining = Double.isNaN(remaining) ? left : Math.min(remaining, left);
        }
        String of = target > 0 ? "/" + target : "";
        progress.printf(Locale.ROOT, "\rstep %d%s  %s  %.2f it/s  ETA %s   ", m.step(), of, m.losses(), rate, duration(remaining));
        progress.flush();
    }

    static String duration(double seconds) {
        if (Double.isNaN(seconds) || seconds < 0) return "--";
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%dm%02ds", s / 60, s % 60);
    }

    private static String json(StepMetrics m) {
        return String.format(Locale.ROOT, "{\"step\":%d,\"loss\":%.6g,\"mse_u\":%.6g,\"mse_v\":%s,\"lr\":%.6g,\"sec\":%.4f}",
                m.step(), m.loss(), m.mseCompound(), Double.isNaN(m.mseV()) ? "null" : String.format(Locale.ROOT, "%.6g", m.mseV()),
                m.lr(), m.seconds());
    }

    private static void checkData(ModelConfig mc, Dataset data) {
        if (data.height() != mc.imageSize() || data.width() != mc.imageSize() || data.channels() != mc.channels())
            throw new IllegalArgumentException("preset " + mc.name() + " expects " + mc.imageSize() + "x" + mc.imageSize() + "x" + mc.channels()
                    + " inputs, the dataset has " + data.height() + "x" + data.width() + "x" + data.channels());
        if (data.numClasses() > mc.classes())
            throw new IllegalArgumentException("dataset has " + data.numClasses() + " classes, preset " + mc.name() + " has " + mc.classes());
    }
}
