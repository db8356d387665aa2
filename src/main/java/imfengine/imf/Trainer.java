package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.backend.Backend;
import imfengine.backend.cpu.CpuBackend;
import imfengine.backend.cpu.HeapAllocation;
import imfengine.data.BatchLoader;
import imfengine.data.BatchSampler;
import imfengine.data.Dataset;
import imfengine.distributed.ProcessGroup;
import imfengine.distributed.SyncCheck;
import imfengine.io.SafetensorsFile;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.optim.AdamW;
import imfengine.optim.Ema;
import imfengine.optim.LrSchedule;
import imfengine.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The training loop: batches from a seeded sampler, one {@link ImfObjective} step per batch in one
 * {@link Context} (everything the step allocates goes when it ends), AdamW, EMA, a {@link ProgressLog},
 * JSONL metrics, and atomic checkpoints every N steps and at the end, which comes early when a stop is
 * asked for between steps (a signal). The step stays on the device: the batch goes up, nothing comes
 * back within a step, and the metrics come back every
 * {@link #METRICS_EVERY} steps. A run resumed from a checkpoint continues bit for bit on the CPU with the
 * same thread count and memory plan: draws depend only on (seed, step), the sampler state is saved, and
 * the CPU kernels give the same bits for the same inputs (README, "Reproducibility").
 *
 * <p>In a data-parallel run ({@link ProcessGroup} of several ranks) each rank trains on its {@link BatchShard}
 * of every batch; rank 0 alone writes the metrics and checkpoints (whose state is the whole run's, so a
 * resume may use another number of ranks), whether to stop is decided by all ranks together, and after the
 * first step {@link SyncCheck} compares the ranks' parameters.
 */
public final class Trainer {
    /** Steps between read-backs of the metrics (and updates of the progress line). */
    static final int METRICS_EVERY = 10;

    /**
     * One step's numbers: the weighted loss, and the plain mean-squared errors of the compound velocity
     * ({@code mse_u}) and of the v-head ({@code mse_v}, NaN without one), as the progress line and
     * {@code metrics.jsonl} name them.
     */
    public record StepMetrics(long step, double loss, double mseU, double mseV, double lr, double seconds) {
        /** {@code mse_u X  mse_v Y}, without {@code mse_v} for objectives that have no v-loss. */
        public String losses() {
            return Double.isNaN(mseV) ? String.format(Locale.ROOT, "mse_u %.4f", mseU)
                    : String.format(Locale.ROOT, "mse_u %.4f  mse_v %.4f", mseU, mseV);
        }

        StepMetrics withSeconds(double s) { return new StepMetrics(step, loss, mseU, mseV, lr, s); }
    }

    private final TrainConfig cfg;
    private final Dataset data;
    private final ImfDiT net;
    private final AdamW adam;
    private final Ema ema;
    private final BatchSampler sampler;
    private final BatchLoader loader;
    private final MetricsBuffer metrics;
    private final TrainingStep trainingStep;
    private final LrSchedule schedule;
    private final ProgressLog progress;
    private final Backend backend;
    private long step;
    private final long seed;
    private final ProcessGroup group;
    /** How the run was launched, beyond {@link TrainConfig}: saved with every checkpoint (see {@link #recordLaunchSettings}). */
    private final Map<String, String> launch = new LinkedHashMap<>();

    /** A new run, or a resumed one when {@code resume} is not null, with a live progress line on {@code progress}. */
    public Trainer(TrainConfig cfg, Dataset data, Backend be, Path resume, PrintStream progress) {
        this(cfg, data, be, resume, ProgressLog.live(progress));
    }

    /** A new run, or a resumed one when {@code resume} is not null. */
    public Trainer(TrainConfig cfg, Dataset data, Backend be, Path resume, ProgressLog progress) {
        this(cfg, data, be, resume, progress, ProcessGroup.single());
    }

    /** As above, as one rank of {@code group}. */
    public Trainer(TrainConfig cfg, Dataset data, Backend be, Path resume, ProgressLog progress, ProcessGroup group) {
        this.cfg = cfg;
        this.group = group;
        this.data = data;
        this.progress = progress;
        this.backend = be;
        SafetensorsFile ckpt = resume == null ? null : Checkpoint.open(resume);
        ModelConfig mc = ckpt == null ? cfg.model() : Checkpoint.config(ckpt);
        if (ckpt != null && !mc.equals(cfg.model()))
            throw new IllegalArgumentException("checkpoint " + resume + " is preset " + mc.name() + ", not " + cfg.model().name());
        checkData(mc, data);
        this.seed = ckpt == null ? cfg.seed() : Long.parseLong(ckpt.metadata().get("seed"));
        this.net = new ImfDiT(mc, be, seed, true, cfg.memory().blockRunner());
        this.adam = new AdamW(net.store(), 0f);
        this.ema = new Ema(net.store(), cfg.emaDecay());
        this.sampler = new BatchSampler(data.count(), seed);
        BatchShard shard = new BatchShard(cfg.batch(), group.rank(), group.size());
        this.loader = new BatchLoader(data, cfg.batch(), shard.positions().toArray());
        this.metrics = new MetricsBuffer(be, METRICS_EVERY, group);
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
        this.trainingStep = new TrainingStep(net, new ImfObjective(cfg.objective()), adam, ema, seed, cfg.memory().examplesPerPass(),
                shard, group);
        this.schedule = new LrSchedule(cfg.lr(), cfg.warmup());
    }

    public ImfDiT model() { return net; }

    public Ema ema() { return ema; }

    public long step() { return step; }

    /** Runs until the step target or the time budget; returns the metrics of the last step. */
    public StepMetrics run() throws IOException { return run(() -> false); }

    /**
     * Runs until the step target, the time budget, or {@code stop} says so (it is asked before each step);
     * then writes the checkpoint. Returns the metrics of the last step (null when none ran). In a
     * data-parallel run the ranks stop together when any rank's {@code stop} or clock says so.
     */
    public StepMetrics run(BooleanSupplier stop) throws IOException {
        boolean writes = group.leads();
        if (writes) Files.createDirectories(cfg.outDir());
        Path metricsFile = cfg.outDir().resolve("metrics.jsonl");
        long startStep = step, target = cfg.steps();
        long t0 = System.nanoTime();
        StepMetrics last = null;
        List<StepTime> times = new ArrayList<>();
        progress.begin(startStep, target, cfg.timeBudgetSeconds());
        // ranks that share this heap allocate against all their flops: equal shares, so this rank's times the ranks
        LongSupplier flops = group.sharesHeap() ? () -> backend.matrixFlops() * group.size() : backend::matrixFlops;
        BoxedKernelWatch watch = backend instanceof CpuBackend && writes
                ? new BoxedKernelWatch(HeapAllocation::totalBytes, flops, System::nanoTime, startStep) : null;
        try (Writer out = writes ? Files.newBufferedWriter(metricsFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND) : Writer.nullWriter()) {
            while (step < target || target <= 0) {
                double elapsed = (System.nanoTime() - t0) / 1e9;
                boolean timeUp = cfg.timeBudgetSeconds() > 0 && elapsed >= cfg.timeBudgetSeconds();
                if (group.anyRank(stop.getAsBoolean() || timeUp)) break;
                long s0 = System.nanoTime();
                trainStep();
                if (step == startStep + 1) SyncCheck.parametersAgree(group, net.store().values(), step);
                long s1 = System.nanoTime();
                times.add(new StepTime(s1, (s1 - s0) / 1e9));
                boolean checkpoint = cfg.checkpointEvery() > 0 && step % cfg.checkpointEvery() == 0 && step < target;
                if (metrics.isFull() || checkpoint) {
                    last = flushMetrics(out, times, last);
                    if (watch != null) watch.check(step).ifPresent(progress::warn);
                    if (checkpoint && writes) save(cfg.outDir().resolve("checkpoint.safetensors"));
                }
            }
            last = flushMetrics(out, times, last);
        }
        progress.end();
        if (writes) save(cfg.outDir().resolve("checkpoint.safetensors"));
        return last;
    }

    /** When the host had finished a step ({@link System#nanoTime}) and how long it took, kept until its metrics are read back. */
    private record StepTime(long endNanos, double seconds) {}

    /** Reads back the buffered metrics, writes their JSONL lines, shows progress; fails on a non-finite loss. */
    private StepMetrics flushMetrics(Writer out, List<StepTime> times, StepMetrics last) throws IOException {
        List<StepMetrics> done = metrics.drain();
        long drained = System.nanoTime(); // the read-back waited for the device: every step of the batch has ended
        for (int i = 0; i < done.size(); i++) {
            StepMetrics m = done.get(i).withSeconds(times.get(i).seconds());
            if (!Double.isFinite(m.loss())) throw new IllegalStateException("loss became " + m.loss() + " at step " + m.step() + " (lower --lr?)");
            out.write(json(m));
            out.write('\n');
            // a GPU may still have run the last step when the host had queued it, so that step ends at the read-back
            progress.step(m, i == done.size() - 1 ? drained : times.get(i).endNanos());
            last = m;
        }
        times.clear();
        out.flush(); // so a running job can be watched (tail -f)
        return last;
    }

    /** One optimisation step on the sampler's next batch; its metrics wait in the buffer. */
    public void trainStep() {
        step++;
        double lr = schedule.at(step);
        try (Context cx = Context.open(net.backend(), Context.Tape.RECORD)) {
            BatchLoader.Batch batch = loader.load(cx, sampler);
            TrainingStep.Losses r = trainingStep.run(cx, batch.images(), batch.labels(), step, lr);
            metrics.record(step, lr, r.loss(), r.mseU(), r.mseV());
        }
    }

    /** The metrics of the steps since the last read-back (one download). */
    public List<StepMetrics> drainMetrics() { return metrics.drain(); }

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
        meta.putAll(cfg.memory().toMetadata());
        meta.putAll(launch);
        Map<String, Map<String, Tensor>> groups = new LinkedHashMap<>();
        groups.put("", Checkpoint.values(net.parameters()));
        groups.put(Checkpoint.EMA, ema.weights());
        groups.put(Checkpoint.ADAM_M, adam.firstMoments());
        groups.put(Checkpoint.ADAM_V, adam.secondMoments());
        Checkpoint.save(file, groups, meta);
    }

    private static String json(StepMetrics m) {
        return String.format(Locale.ROOT, "{\"step\":%d,\"loss\":%.6g,\"mse_u\":%.6g,\"mse_v\":%s,\"lr\":%.6g,\"sec\":%.4f}",
                m.step(), m.loss(), m.mseU(), Double.isNaN(m.mseV()) ? "null" : String.format(Locale.ROOT, "%.6g", m.mseV()),
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
