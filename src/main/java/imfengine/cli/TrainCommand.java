package imfengine.cli;

import imfengine.backend.Backend;
import imfengine.backend.Precision;
import imfengine.backend.cuda.CudaBackend;
import imfengine.backend.cuda.CudaException;
import imfengine.backend.cuda.Nccl;
import imfengine.data.Dataset;
import imfengine.data.Split;
import imfengine.distributed.Launch;
import imfengine.distributed.NcclProcessGroup;
import imfengine.distributed.ProcessGroup;
import imfengine.distributed.ThreadRanks;
import imfengine.imf.Checkpoint;
import imfengine.imf.MemoryPlan;
import imfengine.imf.ObjectiveConfig;
import imfengine.imf.ProgressLog;
import imfengine.imf.Sampler;
import imfengine.imf.TrainConfig;
import imfengine.imf.Trainer;
import imfengine.io.FileFormatException;
import imfengine.io.StaleTemporaries;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code train}: trains an imfDiT with the iMF objective. */
final class TrainCommand implements Command {
    private static final String CHECKPOINT = "checkpoint.safetensors", SAMPLES = "samples.png";

    @Override public String name() { return "train"; }

    @Override public String summary() { return "train a model (iMF objective) and write checkpoints, metrics and a sample grid"; }

    @Override public String help() {
        return """
                usage: imf-engine train [options]

                Trains an imfDiT on MNIST (default) or your latents, on the CPU or a CUDA GPU. Writes to --out:
                checkpoint.safetensors (every --checkpoint-every steps and at the end, atomically),
                metrics.jsonl (one line per step), and samples.png (1-NFE, EMA weights, 10 per class).

                  --preset NAME        xs (default), s, B/2, M/2, L/2, XL/2, or tiny (8x8x1 images, 3
                                       classes, D=16: the tests' model, for dry runs under --device emulated)
                  --steps N            total steps to reach (default 1000); with --resume, the run
                                       continues from the checkpoint's step up to N
                  --time DURATION      stop after a wall-clock budget instead (e.g. 90s, 10m, 1h)
                  --batch N            examples per step (default 128). On a 2-core CPU a budget of
                                       minutes learns more at 32: 12 minutes of xs gave 88 % eval
                                       accuracy at 32, 35 % at 128 (README, make run)
                  --lr X               peak learning rate (default 1e-3; the paper's 1e-4 is for
                                       ImageNet-size models and batches)
                  --warmup N           linear warmup steps (default 100)
                  --ema X              EMA decay (default 0.999 with a (1+n)/(10+n) ramp; the paper's
                                       0.9999 needs far longer runs than a CPU allows)
                  --seed N             fixes initialisation, data order, noise and times (default 0)
                  --checkpoint-every N steps between checkpoints (default 500; 0 = only at the end)
                  --resume FILE        continue the run of a checkpoint: its batch, lr, warmup, EMA,
                                       checkpoint interval, data, device, precision, threads, replicas and sample
                                       settings are the defaults (a flag that changes one says
                                       so); preset, objective, v-source and seed cannot change.
                                       On the CPU, N steps + resume + M steps = N + M steps,
                                       byte for byte (README, "Reproducibility")
                  --out DIR            output folder (default runs/<preset>; with --resume, the
                                       checkpoint's folder)
                  --v-source S         head (default: auxiliary v-head) or boundary (u at h = 0)
                  --objective O        imf (default) or mf (original MeanFlow, for the ablation)
                  --omega X            ω of the final sample grid (default {OMEGA})
                  --interval A,B       guidance interval of the final sample grid (default {INTERVAL})
                  --threads N          CPU worker threads (default: all cores)
                """.replace("{OMEGA}", SampleCommand.DEFAULT_OMEGA).replace("{INTERVAL}", SampleCommand.DEFAULT_INTERVAL)
                + MemoryOptions.help(21) + ReplicaOptions.help(21) + ProgressOption.help(21) + Devices.help(21) + DataOptions.help(21) + """

                SIGTERM, SIGINT (Ctrl-C) or SIGHUP: the step in flight finishes, the checkpoint is written,
                one line says so, and the exit code is 143, 130 or 129; --resume continues the run as if it
                had not stopped. Stale temporaries of an interrupted write in --out are removed at the start.

                Data-parallel on several processes or machines: start it with Open MPI,
                  mpirun -np N imf-engine train ...   (docs/DISTRIBUTED.md)
                Each rank trains on its N-th of every --batch (the global batch, drawn as on one process),
                the gradients are summed with MPI_Allreduce (--device cpu) or NCCL on the GPUs (--device cuda:
                libnccl.so.2, found like cuBLAS or named by IMF_NCCL; one GPU per rank of a machine), rank 0
                alone writes --out, and --resume may use another N. Multi-GPU NCCL has not been run yet.
                """;
    }

    @Override public int run(List<String> argv) throws Exception {
        Args a = Args.parse("train", argv,
                Set.of("preset", "steps", "time", "batch", "lr", "warmup", "ema", "seed", "checkpoint-every", "resume", "out",
                        "v-source", "objective", "omega", "interval", "threads", "data", "labels", "device", Devices.PRECISION, "log-every",
                        MemoryOptions.RECOMPUTE, MemoryOptions.MICRO_BATCH, ReplicaOptions.REPLICAS),
                Set.of());
        Path resume = a.has("resume") ? Path.of(a.string("resume", "")) : null;
        Map<String, String> resumed = null;
        if (resume != null) {
            if (!java.nio.file.Files.isRegularFile(resume)) throw new UsageException("train: checkpoint not found: " + resume);
            try {
                resumed = Checkpoint.metadata(resume);
            } catch (FileFormatException | IllegalArgumentException e) {
                throw new UsageException("train: " + e.getMessage());
            }
            a = ResumeOptions.apply("train", a, resumed, System.err);
        }
        String preset = a.string("preset", "xs");
        imfengine.nn.ModelConfig model;
        try {
            model = imfengine.nn.ModelConfig.preset(preset);
        } catch (IllegalArgumentException e) {
            throw new UsageException("train: " + e.getMessage());
        }
        long steps = a.longValue("steps", a.has("time") ? 0 : 1000);
        if (a.has("steps") && steps < 1) throw new UsageException("train: --steps must be >= 1, got " + steps);
        double time = a.has("time") ? parseDuration("time", a.string("time", "")) : 0;
        int batch = a.integer("batch", 128);
        if (batch < 1) throw new UsageException("train: --batch must be >= 1, got " + batch);
        MemoryPlan memory = MemoryOptions.parse("train", a, model, batch);
        double lr = a.number("lr", 1e-3);
        if (!(lr > 0)) throw new UsageException("train: --lr must be > 0, got " + lr);
        double emaDecay = a.number("ema", 0.999);
        if (!(emaDecay >= 0 && emaDecay < 1)) throw new UsageException("train: --ema must be in [0, 1), got " + emaDecay);
        float omega = (float) a.number("omega", Sampler.Guidance.DEFAULT.omega());
        float[] interval = SampleCommand.parseInterval("train", a.string("interval", SampleCommand.DEFAULT_INTERVAL));
        SampleCommand.checkOmega("train", omega);
        ObjectiveConfig objective;
        try { // a resumed run keeps its objective's constants
            objective = (resumed == null ? ObjectiveConfig.paper() : ObjectiveConfig.fromMetadata(resumed)).with(
                enumValue("v-source", a.string("v-source", "head"), ObjectiveConfig.VSource.class),
                    enumValue("objective", a.string("objective", "imf"), ObjectiveConfig.Objective.class));
        } catch (IllegalArgumentException e) {
            throw new UsageException("train: " + resume + ": " + e.getMessage());
        }
        Path out = Path.of(a.string("out", resume != null ? runFolder(resume) : "runs/" + preset.replace('/', '_')));
        int threads = a.integer("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) throw new UsageException("train: --threads must be >= 1, got " + threads);
        ProgressLog progress = ProgressOption.open(a.string("log-every", "auto"), System.err);
        String device = a.string("device", "cpu");
        ProcessGroup launched = Launch.processGroup(); // one process unless mpirun started this one
        if (launched.size() > batch) throw new UsageException("train: --batch " + batch + " cannot be split over " + launched.size()
                + " ranks (each needs at least one example)");
        int replicas = ReplicaOptions.parse("train", a, device, model, batch, threads);
        // with replicas, replica 0's CPU backend (the others open theirs)
        Backend be = Devices.open("train", a, ReplicaOptions.threadsOf(0, replicas, threads));
        ProcessGroup group = launched.size() > 1 && be instanceof CudaBackend cuda ? overNccl(launched, cuda, device) : launched;
        Precision precision = Devices.precision(be);
        Dataset data = DataOptions.open(a, Split.TRAIN);
        TrainConfig cfg = new TrainConfig(model, batch, steps, time, lr, a.longValue("warmup", 100), emaDecay,
                a.longValue("seed", 0), a.longValue("checkpoint-every", 500), out, objective, omega, interval[0], interval[1], memory);
        Map<String, String> launch = ResumeOptions.launchSettings(DataOptions.path(a), a.has("labels") ? Path.of(a.string("labels", "")) : null,
                device, threads, replicas, precision);
        // from here on a signal ends the run with a checkpoint (the loop asks between steps)
        try (StopSignal stop = StopSignal.install()) {
            Run run;
            if (replicas == 1) {
                run = trainRank(cfg, data, be, group, resume, progress, launch, stop, a);
            } else { // one copy of the model per replica, each on its share of the threads, as ranks of this process
                try (ThreadRanks ranks = new ThreadRanks(replicas)) {
                    ProgressLog lead = progress;
                    Path from = resume;
                    Args options = a;
                    run = ranks.call(r -> {
                        try {
                            Backend own = r == 0 ? be : Devices.cpu(ReplicaOptions.threadsOf(r, replicas, threads));
                            return trainRank(cfg, data, own, ranks.group(r), from, lead, launch, stop, options);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }).get(0);
                }
            }
            if (run.stopCode() != 0 || !run.group().leads()) return run.stopCode();
            Trainer trainer = run.trainer();
            Path grid = out.resolve(SAMPLES);
            SampleCommand.writeClassGrid(trainer.model(), trainer.ema().weights(), new Sampler.Guidance(omega, interval[0], interval[1]),
                    1, 10, cfg.seed(), grid);
            System.out.printf(Locale.ROOT, "trained to step %d%s; wrote %s, %s, %s%n", trainer.step(), run.last() == null ? "" : ": " + run.last().losses(),
                    out.resolve(CHECKPOINT), out.resolve("metrics.jsonl"), grid);
            return 0;
        }
    }

    /** A rank's training: its trainer, the metrics of its last step, the group, and the exit code of a stop by signal (0: none). */
    private record Run(Trainer trainer, Trainer.StepMetrics last, ProcessGroup group, int stopCode) {}

    /**
     * Trains as rank {@code group.rank()} on {@code be} until the run ends or a signal stops it; the leading rank
     * writes the checkpoints, the progress and the lines below. The group is closed on return.
     */
    private static Run trainRank(TrainConfig cfg, Dataset data, Backend be, ProcessGroup group, Path resume, ProgressLog progress,
                                 Map<String, String> launch, StopSignal stop, Args a) throws IOException {
        if (!group.leads()) progress = ProgressLog.quiet();
        Trainer trainer;
        try {
            trainer = new Trainer(cfg, data, be, resume, progress, group);
        } catch (FileFormatException | IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        trainer.recordLaunchSettings(launch);
        Path out = cfg.outDir();
        List<Path> stale = group.leads() ? StaleTemporaries.remove(out, CHECKPOINT, SAMPLES, "samples.npy", "samples.labels.npy") : List.of();
        if (!stale.isEmpty()) System.err.println("train: removed " + stale.size() + " temporary file(s) left by an interrupted write: "
                + String.join(", ", stale.stream().map(Path::toString).toList()));
        if (group.leads()) System.err.printf(Locale.ROOT, "train: preset %s (%,d parameters), %d examples, batch %d%s (%s), %s, precision %s, backend %s%n",
                cfg.model().name(), trainer.model().parameterCount(), data.count(), cfg.batch(), over(group), cfg.memory().describe(),
                cfg.timeBudgetSeconds() > 0 ? "time budget " + a.string("time", "") : cfg.steps() + " steps", Devices.precision(be).label(), be.name());
        Trainer.StepMetrics last = trainer.run(stop);
        // the ranks stopped together; a rank the signal did not reach exits as the one it reached
        int stopCode = group.maxOverRanks(stop.getAsBoolean() ? stop.exitCode() : 0);
        if (stopCode != 0 && group.leads()) {
            Path ckpt = out.resolve(CHECKPOINT);
            System.out.printf(Locale.ROOT, "train: stopped by %s after step %d; wrote %s (continue with --resume %s)%n",
                    stop.getAsBoolean() ? stop.name() : "a signal to another rank", trainer.step(), ckpt, ckpt);
        }
        group.close(); // rank 0's sampling after this needs no other rank
        return new Run(trainer, last, group, stopCode);
    }

    /** {@code " over N ranks"} / {@code " over N replicas"} (threads of this process), or nothing for one. */
    private static String over(ProcessGroup group) {
        if (group.size() == 1) return "";
        return " over " + group.size() + (Launch.underMpirun(System.getenv()) ? " ranks" : " replicas (one copy each, in this process)");
    }

    /**
     * The ranks of a run on the CUDA backend, their gradients summed by NCCL on the device; one line naming
     * {@code libnccl.so.2} and {@code IMF_NCCL} when NCCL does not load (every rank fails alike: each looks for it).
     */
    private static ProcessGroup overNccl(ProcessGroup group, CudaBackend cuda, String device) {
        Nccl nccl;
        try {
            nccl = Nccl.open();
        } catch (CudaException e) {
            throw new UsageException("train: " + group.size() + " ranks on --device " + device + " sum their gradients with NCCL, but " + e.getMessage());
        }
        return NcclProcessGroup.open(group, cuda, nccl);
    }

    /** The folder a checkpoint is in: where a resumed run goes on writing by default. */
    private static String runFolder(Path checkpoint) {
        Path parent = checkpoint.toAbsolutePath().normalize().getParent();
        return parent == null ? "." : parent.toString();
    }

    /** A duration like 90s, 10m, 1h, 500ms or plain seconds; {@code option} names it in the error. */
    static double parseDuration(String option, String s) {
        try {
            double v;
            if (s.endsWith("ms")) v = Double.parseDouble(s.substring(0, s.length() - 2)) / 1000;
            else if (s.endsWith("s")) v = Double.parseDouble(s.substring(0, s.length() - 1));
            else if (s.endsWith("m")) v = Double.parseDouble(s.substring(0, s.length() - 1)) * 60;
            else if (s.endsWith("h")) v = Double.parseDouble(s.substring(0, s.length() - 1)) * 3600;
            else v = Double.parseDouble(s);
            if (v > 0 && Double.isFinite(v)) return v;
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new UsageException("train: --" + option + " must be a positive duration like 90s, 10m or 1h, got '" + s + "'");
    }

    static <E extends Enum<E>> E enumValue(String option, String value, Class<E> type) {
        for (E e : type.getEnumConstants()) if (e.name().equalsIgnoreCase(value)) return e;
        StringBuilder known = new StringBuilder();
        for (E e : type.getEnumConstants()) known.append(known.isEmpty() ? "" : ", ").append(e.name().toLowerCase());
        throw new UsageException("--" + option + " must be one of " + known + ", got '" + value + "'");
    }
}
