package imfengine.cli;

import imfengine.autodiff.Context;
import imfengine.backend.AttentionSpec;
import imfengine.backend.Backend;
import imfengine.backend.DeviceProfile;
import imfengine.backend.GemmSpec;
import imfengine.backend.ProfileRecorder;
import imfengine.backend.TimedBackend;
import imfengine.backend.TransferCounts;
import imfengine.backend.cpu.CpuBackend;
import imfengine.backend.cpu.FmaPeak;
import imfengine.backend.cpu.HeapAllocation;
import imfengine.backend.cuda.CudaBackend;
import imfengine.backend.cuda.Device;
import imfengine.backend.cuda.DriverDevice;
import imfengine.backend.cuda.MeteredDevice;
import imfengine.backend.cuda.TimedDevice;
import imfengine.imf.BatchShard;
import imfengine.imf.MemoryPlan;
import imfengine.imf.Sampler;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * {@code bench}: the real training step (batch upload, guidance forwards, dual forward, backward,
 * AdamW, EMA) and 1-NFE sampling on random data, timed after warm-up; reports the median and range,
 * the TFLOP/s of the GEMM and attention work the kernels actually issued and its share of the device's
 * peak (MFU), the host↔device transfers and device memory of a step; {@code --json} writes the same as
 * JSON, {@code --profile} adds the device time of one step per kernel family (CUDA events on a GPU; on the CPU
 * the host time of each backend call, {@link TimedBackend}).
 * A measurement that fails (out of device memory, say) is reported and the next one still runs.
 */
final class BenchCommand implements Command {
    private static final double GIB = 1024.0 * 1024 * 1024;
    /** The tests' tiny model (8×8×1 images, 3 classes, D = 16): for dry runs of the device check under the emulator. */

    @Override public String name() { return "bench"; }

    @Override public String summary() { return "time the training step and 1-NFE sampling (median and range)"; }

    @Override public String help() {
        return """
                usage: imf-engine bench [options]

                Times the full iMF training step (batch upload, tape-free v-head guidance calls, one dual
                forward, backward, AdamW, EMA) and 1-NFE sampling of a preset on random inputs: median
                and range of --repeats runs after --warmup runs. GFLOP/s counts the GEMM and attention
                operations the kernels issued; %peak (MFU) divides it by --peak-gflops, by default on the
                CPU this machine's fp32 peak (register-only FMAs on every thread, ~1 s first; when the
                last warm-up run took 1 s or more, also ~0.4 s before and after every timed run, and
                %peak is then the median over runs of each run's GFLOP/s over the higher of the readings
                before and after it, so a host whose speed drifts does not skew it) and on a GPU the
                card's dense peak for --precision (bf16, tf32 or fp32) where the card is known (H100,
                H200, A100).
                "transfers" counts the host<->device copies of one run and their bytes. On CUDA it also
                reports the device memory of the step: peak live (tensors) and peak reserved (held from
                the driver). A row whose runs allocated more than 4 MiB of Java heap per GFLOP (and
                256 MiB per run) gets a warning: in that JVM the JIT left a Vector API kernel without
                its intrinsics (it then allocates per vector operation and runs slower than the code
                can); run it again.

                  --preset NAME      xs (default), s, B/2, M/2, L/2, XL/2, or tiny (8x8x1 images, D=16:
                                     the tests' model, for dry runs under --device emulated)
                  --batch N          examples per step (default 128 for xs, 64 otherwise)
                  --repeats N        timed runs (default 10)
                  --warmup N         untimed runs first (default 3)
                  --max-time S       at most S seconds per measurement: a run starts only if it would
                                     end in time, judged by the last one (the first warm-up, if any,
                                     and the first timed run are always made)
                  --what W           step, sample, both (default), gemm (the preset's Linear GEMMs and
                                     1024³, as bench/pytorch/imf_step_bench.py --what gemm times them) or
                                     attention (attention alone at the preset's shapes: forward,
                                     with tangent, backward; bf16 kernels on CUDA with --precision bf16).
                                     Both first run each kernel ~1-2 s so the JIT has compiled it
                  --profile          after the timed steps, one more step with every kernel launch, GEMM
                                     and copy timed (CUDA events on a GPU, the host clock under
                                     --device emulated), summed per kernel family and per kernel;
                                     on the CPU every backend call, timed by the host clock, summed
                                     per method and per method at one shape. A line says when the JVM
                                     collected garbage meanwhile (its pauses inflate the calls they hit;
                                     after 1-2 warm-up steps the heap is often still growing). With
                                     replicas, the profile is replica 0's calls, and a line gives how
                                     long the replica first at the gradient sum waited for the others
                  --profile-steps N  profile N steps and report per kernel the median over them (default
                                     1): a step the host preempted then does not make one kernel look slow
                  --profile-kernels N
                                     list the N slowest kernels of the profile (default 15)
                  --json FILE        also write the results as JSON (rewritten after each measurement)
                  --peak-gflops X    peak for the %peak column instead of the measured / known one
                  --threads N        CPU worker threads (default: all cores)
                """ + MemoryOptions.help(19) + ReplicaOptions.help(19) + Devices.help(19);
    }

    /** What one measurement made of the backend: the decorators bench put on the CUDA device, if any. */
    private record Meters(Device raw, MeteredDevice metered, TimedDevice timed) {}

    @Override public int run(List<String> argv) {
        Args a = Args.parse("bench", argv, Set.of("preset", "batch", "repeats", "warmup", "what", "peak-gflops", "threads", "device",
                Devices.PRECISION, ReplicaOptions.REPLICAS, "max-time", "json", MemoryOptions.RECOMPUTE, MemoryOptions.MICRO_BATCH, "profile-steps",
                "profile-kernels"), Set.of("profile"));
        ModelConfig mc;
        try {
            mc = ModelConfig.preset(a.string("preset", "xs"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("bench: " + e.getMessage());
        }
        int batch = a.integer("batch", mc.name().equals("xs") ? 128 : 64);
        int repeats = a.integer("repeats", 10), warmup = a.integer("warmup", 3);
        if (batch < 1 || repeats < 1 || warmup < 0) throw new UsageException("bench: --batch and --repeats must be >= 1, --warmup >= 0");
        MemoryPlan memory = MemoryOptions.parse("bench", a, mc, batch);
        String what = a.string("what", "both");
        if (!Set.of("step", "sample", "both", "gemm", "attention").contains(what))
            throw new UsageException("bench: --what must be step, sample, both, gemm or attention");
        double givenPeak = a.number("peak-gflops", Double.NaN);
        double maxTime = a.has("max-time") ? TrainCommand.parseDuration("max-time", a.string("max-time", "")) : Double.POSITIVE_INFINITY;
        boolean profile = a.flag("profile");
        if (profile && !(what.equals("step") || what.equals("both")))
            throw new UsageException("bench: --profile times a training step: use it with --what step or both");
        int profileSteps = a.integer("profile-steps", 1);
        if (a.has("profile-steps") && !profile) throw new UsageException("bench: --profile-steps needs --profile");
        if (profileSteps < 1) throw new UsageException("bench: --profile-steps must be >= 1, got " + profileSteps);
        int profileKernels = a.integer("profile-kernels", 15);
        if (a.has("profile-kernels") && !profile) throw new UsageException("bench: --profile-kernels needs --profile");
        if (profileKernels < 0) throw new UsageException("bench: --profile-kernels must be >= 0, got " + profileKernels);
        Path json = a.has("json") ? Path.of(a.string("json", "")) : null;
        int threads = a.integer("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) throw new UsageException("bench: --threads must be >= 1, got " + threads);
        int replicas = ReplicaOptions.parse("bench", a, a.string("device", "cpu"), mc, batch, threads);
        Meters[] meters = {null};
        Backend opened = Devices.open("bench", a, threads, d -> {
            MeteredDevice m = new MeteredDevice(d);
            TimedDevice t = profile ? TimedDevice.of(m) : null;
            meters[0] = new Meters(d, m, t);
            return t != null ? t : m;
        });
        // CUDA times at its device seam; the CPU's kernels finish before they return, so its calls are timed as made
        TimedBackend timedCpu = profile && meters[0] == null ? TimedBackend.wrap(opened) : null;
        Backend be = timedCpu != null ? timedCpu.backend() : opened;
        awaitKernelWarmup(opened);
        System.out.printf(Locale.ROOT, "bench: preset %s, batch %d (%s%s), backend %s, %d warm-up + %d timed runs%n", mc.name(), batch,
                memory.describe(), replicas == 1 ? "" : ", step as " + replicas + " replicas", be.name(), warmup, repeats);
        if (what.equals("gemm")) {
            gemms(be, mc, batch, repeats, warmup);
            return 0;
        }
        String precision = Devices.precision(be).label();
        Peak peak = peak(givenPeak, opened, meters[0], precision, threads);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("preset", mc.name());
        settings.put("batch", (long) batch);
        settings.put("backend", be.name());
        settings.put("device", be instanceof CudaBackend ? (meters[0].raw() instanceof DriverDevice ? "cuda" : "emulated") : "cpu");
        settings.put("precision", precision);
        settings.put("recompute", memory.recompute());
        settings.put("micro_batch", (long) memory.microBatch());
        settings.put("replicas", (long) replicas);
        settings.put("peak_tflops", BenchReport.number(peak.gflops() / 1000));
        settings.put("peak_source", peak.source());
        settings.put("warmup", (long) warmup);
        settings.put("repeats", (long) repeats);
        settings.put("max_time_s", BenchReport.number(maxTime));
        BenchReport report = new BenchReport(json, settings);
        AttentionSpec attention = attentionShapes(mc, batch);
        if (what.equals("attention"))
            System.out.printf(Locale.ROOT, "attention of preset %s: B %d, L %d, %d heads, Dh %d%n", mc.name(), batch, attention.length(),
                    attention.heads(), attention.headDim());
        System.out.printf(Locale.ROOT, "%-14s %10s %10s %10s %12s %10s %8s %22s%n", "what", "median_ms", "min_ms", "max_ms",
                "samples/s", "GFLOP/s", "%peak", "transfers");
        Limits lim = new Limits(warmup, repeats, maxTime);
        int failed = 0;
        if (what.equals("attention")) return attention(be, attention, batch, peak, meters[0], lim, report);
        // the model and its batch only for the rows that run it (gemm and attention time kernels alone)
        int pixels = mc.imageSize() * mc.imageSize() * mc.channels();
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[batch * pixels];
        for (int i = 0; i < x.length; i++) x[i] = (float) (2 * r.nextDouble() - 1);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = i % mc.classes();
        List<Backend> used = new ArrayList<>(List.of(be));
        if (!what.equals("sample")) {
            // one copy on the opened backend, or replicas on CPU backends of their own (replica 0's calls are the profile's)
            List<Backend> own = new ArrayList<>();
            ProfileRecorder recorder = timedCpu != null ? timedCpu : meters[0] == null ? null : meters[0].timed();
            if (replicas == 1) own.add(be);
            else for (int rank = 0; rank < replicas; rank++) {
                Backend cpu = Devices.cpu(ReplicaOptions.threadsOf(rank, replicas, threads));
                if (rank == 0 && profile) {
                    TimedBackend timed = TimedBackend.wrap(cpu);
                    recorder = timed;
                    cpu = timed.backend();
                }
                own.add(cpu);
                used.add(cpu);
            }
            try (ReplicatedBenchStep step = new ReplicatedBenchStep(mc, memory, batch, x, labels, own)) {
                failed += row("train_step", batch, peak, new BackendMeter(own), replicas == 1 ? meters[0] : null, lim, step::run, report);
                if (profile) {
                    int first = ReplicaOptions.threadsOf(0, replicas, threads);
                    if (replicas > 1) System.out.printf(Locale.ROOT, "profile: the backend calls of replica 0 of %d (%d examples, %d thread%s); the others"
                            + " run alongside%n", replicas, new BatchShard(batch, 0, replicas).rows(), first, first == 1 ? "" : "s");
                    ReplicaWaits waits = replicas > 1 ? new ReplicaWaits(step) : null;
                    failed += profileSteps(recorder, timedCpu != null || replicas > 1, profileSteps, profileKernels,
                            waits != null ? waits::run : step::run, report);
                    if (waits != null) System.out.println(waits.summary());
                }
            }
        }
        if (!what.equals("step")) {
            ImfDiT sampler = new ImfDiT(mc, be, 1, false);
            failed += row("sample_1nfe", batch, peak, BackendMeter.of(be), meters[0], lim,
                    () -> HostSampling.sample(sampler, labels, new Sampler.Guidance(2f, 0f, 1f), 1, 5), report);
        }
        System.out.printf(Locale.ROOT, "peak tensor memory: %.0f MiB%n", new BackendMeter(used).peakTensorBytes() / 1048576.0);
        return failed == 0 ? 0 : 1;
    }

    /**
     * The denominator of %peak (MFU) in GFLOP/s, NaN where there is none, and where it comes from; {@code around},
     * where not null, measures it again (GFLOP/s) around timed runs of a second or more ({@link PeakShare}).
     */
    private record Peak(double gflops, String source, DoubleSupplier around) {}

    /**
     * {@code --peak-gflops} if given; on the CPU this machine's measured fp32 peak; on a GPU the card's dense
     * data-sheet peak for {@code precision} ({@link GpuPeaks}); else none (the emulator, unknown cards).
     */
    private static Peak peak(double given, Backend be, Meters meters, String precision, int threads) {
        if (!Double.isNaN(given)) return new Peak(given, "--peak-gflops", null);
        if (be instanceof CpuBackend) {
            double g = measurePeak(threads, 1200);
            System.out.printf(Locale.ROOT, "peak: %.0f GFLOP/s fp32 (register-only FMA loop on %d threads), measured again around"
                    + " timed runs of 1 s or more for %%peak; --peak-gflops overrides%n", g, threads);
            return new Peak(g, "measured: register-only FMA loop on " + threads + " threads, and around timed runs of 1 s or more",
                    () -> measurePeak(threads, AROUND_RUN_MILLIS));
        }
        if (meters != null && meters.raw() instanceof DriverDevice d) {
            String card = d.context().deviceName();
            var known = GpuPeaks.tflops(card, precision);
            if (known.isEmpty()) {
                System.out.printf(Locale.ROOT, "peak: unknown for %s (--peak-gflops gives one; %%peak is left out)%n", card);
                return new Peak(Double.NaN, "unknown card " + card + ": pass --peak-gflops", null);
            }
            System.out.printf(Locale.ROOT, "peak: %.1f TFLOP/s dense %s (%s; --peak-gflops overrides)%n", known.getAsDouble(), precision, card);
            return new Peak(1000 * known.getAsDouble(), card + ", dense " + precision + " (data sheet)", null);
        }
        return new Peak(Double.NaN, "none", null);
    }

    /** Lets the CPU backend's start-up kernel compilation end first: its thread would take a core from the peak loop and the runs. */
    private static void awaitKernelWarmup(Backend be) {
        if (!(be instanceof CpuBackend cpu)) return;
        try {
            if (!cpu.awaitKernelWarmup(60_000)) System.out.println("bench: the kernels' start-up compilation is still running after 60 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How many runs a measurement makes, and for how long at most. */
    private record Limits(int warmup, int repeats, double maxSeconds) {}

    /** Measures one row and reports it (text and JSON); a failure is reported instead. Returns 1 if it failed. */
    private static int row(String what, int batch, Peak peak, BackendMeter on, Meters meters, Limits lim, Runnable run, BenchReport report) {
        Backend be = on.first();
        if (meters != null) meters.metered().resetPeak();
        if (be instanceof CudaBackend cb) cb.allocator().resetPeaks(); // peak live per row, not since the backend opened
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("what", what);
        try {
            Timing t = measure(lim, on, run, peak.around());
            m.put("status", "ok");
            describe(what, batch, peak, on, meters, t, m);
            report.row(m);
            return 0;
        } catch (RuntimeException e) {
            String why = Devices.oneLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            System.out.printf(Locale.ROOT, "%-14s failed: %s%n", what, why);
            System.err.println("bench: " + what + " failed: " + why);
            m.put("status", "error");
            m.put("error", e.getClass().getSimpleName() + ": " + why);
            report.row(m);
            return 1;
        }
    }

    /**
     * {@code n} more steps with every device call timed, one recording each; prints the median step's families and
     * slowest kernels ({@link DeviceProfile#medianOf}). Returns 1 if it failed.
     */
    private static int profileSteps(ProfileRecorder recorder, boolean cpu, int n, int kernels, Runnable step, BenchReport report) {
        try {
            List<DeviceProfile> runs = new ArrayList<>();
            GcPauses before = GcPauses.now();
            for (int i = 0; i < n; i++) {
                recorder.start();
                step.run();
                runs.add(recorder.stop());
            }
            String gc = GcPauses.now().since(before).warning(n == 1 ? "the profiled step" : "the " + n + " profiled steps");
            DeviceProfile p = DeviceProfile.medianOf(runs);
            printProfile(p, cpu, n, kernels);
            if (gc != null) System.out.println(gc);
            report.profile(p);
            return 0;
        } catch (RuntimeException e) {
            String why = Devices.oneLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            System.err.println("bench: profile failed: " + why);
            report.error("profile", e.getClass().getSimpleName() + ": " + why);
            return 1;
        } finally {
            recorder.closeTimer();
        }
    }

    private static void printProfile(DeviceProfile p, boolean cpu, int steps, int kernels) {
        String of = steps == 1 ? "one step" : "a step, medians of " + steps;
        if (cpu) // no device: "busy" is time inside backend calls, the rest is host work between them (autodiff, arenas)
            System.out.printf(Locale.ROOT, "profile of %s (%s): %.1f ms wall, %.1f ms in %d backend calls, %d tensors allocated%n",
                    of, p.clock(), p.wallMs(), p.busyMs(), p.calls(), p.allocations());
        else
            System.out.printf(Locale.ROOT, "profile of %s (%s): %.1f ms wall, %.1f ms device busy in %d calls, %d device allocations%n",
                    of, p.clock(), p.wallMs(), p.busyMs(), p.calls(), p.allocations());
        System.out.printf(Locale.ROOT, "  %-36s %8s %10s %7s %9s%n", "family", "calls", "ms", "share", "TFLOP/s");
        for (DeviceProfile.Entry e : p.families()) printEntry(e, p.busyMs());
        System.out.printf(Locale.ROOT, "  %-36s %8s %10s %7s %9s%n", "kernel (" + kernels + " slowest)", "calls", "ms", "share", "TFLOP/s");
        for (DeviceProfile.Entry e : p.kernels().subList(0, Math.min(kernels, p.kernels().size()))) printEntry(e, p.busyMs());
    }

    private static void printEntry(DeviceProfile.Entry e, double busy) {
        System.out.printf(Locale.ROOT, "  %-36s %8d %10.2f %6.1f%% %9s%n", e.name(), e.calls(), e.ms(), busy > 0 ? 100 * e.ms() / busy : 0,
                Double.isNaN(e.tflops()) ? "-" : String.format(Locale.ROOT, "%.3f", e.tflops()));
    }

    /**
     * The step's Linear-layer GEMMs for this preset, as {@code bench/pytorch/imf_step_bench.py --what gemm}
     * times them (M = B·L tokens): forward {@code [M×D]·[D×D]}, {@code [M×D]·[D×F]}, {@code [M×F]·[F×D]}
     * and the weight gradients {@code Aᵀ·B} with {@code k = M}; then the square 1024³ of the GEMM goal.
     */
    private static void gemms(Backend be, ModelConfig mc, int batch, int repeats, int warmup) {
        int m = batch * mc.sequenceLength(), d = mc.hidden(), f = mc.mlpHidden();
        int[][] shapes = {{m, d, d, 0}, {m, d, f, 0}, {m, f, d, 0}, {m, d, d, 1}, {m, f, d, 1}, {m, d, f, 1}, {1024, 1024, 1024, 0}}; // rows, k|cols of A, n, transA
        SplittableRandom r = new SplittableRandom(4);
        for (int[] sh : shapes) {
            boolean transA = sh[3] == 1;
            int mm = transA ? sh[1] : sh[0], k = transA ? sh[0] : sh[1], n = sh[2];
            try (Context scope = Context.open(be, Context.Tape.OFF)) {
                Tensor a = random(scope, r, sh[0] * sh[1]), b = random(scope, r, k * n), c = scope.empty(Shape.of(mm * n));
                GemmSpec spec = GemmSpec.of(mm, n, k, transA, false, 1f, 0f);
                int calls = warmJit(be, () -> be.gemm(spec, a, b, c), 1.0, Integer.MAX_VALUE); // then ~0.1 s per timed run
                int inner = Math.max(1, calls / 10);
                Timing t = measure(warmup, repeats, BackendMeter.of(be), () -> { for (int i = 0; i < inner; i++) be.gemm(spec, a, b, c); });
                double median = Median.of(t.ms()) / inner;
                String label = transA ? "[" + sh[0] + "x" + sh[1] + "]^T*[" + k + "x" + n + "]" : "[" + sh[0] + "x" + sh[1] + "]*[" + k + "x" + n + "]";
                System.out.printf(Locale.ROOT, "gemm %-24s %10.3f ms %8.1f GFLOP/s%n", label, median, spec.flops() / (median * 1e6));
            }
        }
    }

    /**
     * Attention alone at the preset's shapes ({@code [batch, L, heads·Dh]}, scale 1/√Dh): the forward, and the
     * forward with its tangent as the training step's JVP runs it. On CUDA, {@code --precision bf16}
     * times the bf16 tensor-core kernels instead of the fp32 ones.
     */
    /** The shapes of the preset's attention: batch, sequence (image tokens and in-context tokens), heads, head dim. */
    private static AttentionSpec attentionShapes(ModelConfig mc, int batch) {
        int dh = mc.headDim();
        return new AttentionSpec(batch, mc.sequenceLength(), mc.heads(), dh, (float) (1 / Math.sqrt(dh)));
    }

    /** Attention alone at the preset's shapes: forward, forward with tangent, backward (from the forward's o and lse). Returns 1 if a row failed. */
    private static int attention(Backend be, AttentionSpec s, int batch, Peak peak, Meters meters, Limits lim, BenchReport report) {
        SplittableRandom r = new SplittableRandom(5);
        int n = Math.toIntExact(s.elements());
        try (Context cx = Context.open(be, Context.Tape.OFF)) {
            Tensor q = random(cx, r, n), k = random(cx, r, n), v = random(cx, r, n), tq = random(cx, r, n), tk = random(cx, r, n),
                    tv = random(cx, r, n), o = cx.empty(Shape.of(n)), to = cx.empty(Shape.of(n)),
                    lse = cx.empty(Shape.of(batch * s.heads() * s.length())), dq = cx.empty(Shape.of(n)), dk = cx.empty(Shape.of(n)),
                    dv = cx.empty(Shape.of(n));
            Runnable fwd = () -> be.attention(s, q, k, v, o, lse), jvp = () -> be.attentionDual(s, q, tq, k, tk, v, tv, o, to, lse),
                    bwd = () -> be.attentionBackward(s, q, k, v, o, lse, tq, dq, dk, dv);
            // The CPU kernels reach C2 only after a few seconds of calls (before, their vectors are boxed and the
            // forward ran at a third to a half of its speed), far more than a few warm-up runs: warm each up to 2 s first.
            for (Runnable kernel : new Runnable[] {fwd, jvp, bwd}) warmJit(be, kernel, 2.0, 200);
            BackendMeter on = BackendMeter.of(be);
            return row("attention_fwd", batch, peak, on, meters, lim, fwd, report)
                    + row("attention_jvp", batch, peak, on, meters, lim, jvp, report)
                    + row("attention_bwd", batch, peak, on, meters, lim, bwd, report);
        }
    }

    /** Calls {@code run} for about {@code seconds} (at most {@code maxCalls} times) so the JIT compiles it; returns the calls made. */
    private static int warmJit(Backend be, Runnable run, double seconds, int maxCalls) {
        long w0 = System.nanoTime();
        int calls = 0;
        while (calls < maxCalls && System.nanoTime() - w0 < seconds * 1e9) {
            run.run();
            calls++;
        }
        be.synchronize();
        return calls;
    }

    private static Tensor random(Context cx, SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return Host.upload(cx, v, Shape.of(n));
    }

    /** The timed runs; {@code peaks}: the peak (GFLOP/s) measured before the first run and after each (empty if not measured). */
    private record Timing(int warmups, double[] ms, double flopsPerRun, TransferCounts transfersPerRun, double[] peaks,
                          long heapBytesPerRun) {}

    /** Milliseconds of one peak reading around the timed runs (a quarter warm-up, then the best of three slices). */
    private static final long AROUND_RUN_MILLIS = 400;
    /**
     * Only runs whose last warm-up took at least this long get peak readings around them. Shorter rows keep the
     * first reading: right after a reading the runs were slower (xs attention rows of 5–20 ms read 5–25 % slower
     * with readings only before the first and after the last run; xs steps of ~2 s, with a reading between every
     * two, within 1 %).
     */
    private static final long READING_EACH_RUN_MIN_NANOS = 1_000_000_000L;

    private static Timing measure(int warmup, int repeats, BackendMeter on, Runnable run) {
        return measure(new Limits(warmup, repeats, Double.POSITIVE_INFINITY), on, run, null);
    }

    /**
     * Warm-up runs, then timed runs, each synchronised; with a {@code peakAround} and a last warm-up run of at least
     * {@link #READING_EACH_RUN_MIN_NANOS} (so none without warm-up), the peak is measured before the first timed run
     * and after each (outside the runs' times). Under a time limit the first warm-up (if any) and the first timed
     * run are always made; any other run starts only if it would end inside the limit, judged by the last run.
     */
    private static Timing measure(Limits lim, BackendMeter be, Runnable run, DoubleSupplier peakAround) {
        long start = System.nanoTime();
        double limitNanos = lim.maxSeconds() * 1e9;
        long last = 0;
        int warmups = 0;
        while (warmups < lim.warmup() && (warmups == 0 || System.nanoTime() - start + last < limitNanos)) {
            long t0 = System.nanoTime();
            run.run();
            be.synchronize();
            last = System.nanoTime() - t0;
            warmups++;
        }
        double[] ms = new double[lim.repeats()], peaks = new double[lim.repeats() + 1];
        boolean readingEachRun = peakAround != null && last >= READING_EACH_RUN_MIN_NANOS;
        int readings = 0;
        if (readingEachRun) peaks[readings++] = peakAround.getAsDouble();
        long f0 = be.matrixFlops();
        TransferCounts x0 = be.transfers();
        int runs = 0;
        long heapBytes = 0;
        while (runs < lim.repeats() && (runs == 0 || System.nanoTime() - start + last < limitNanos)) {
            long a0 = HeapAllocation.totalBytes(), t0 = System.nanoTime();
            run.run();
            be.synchronize();
            last = System.nanoTime() - t0;
            long a1 = HeapAllocation.totalBytes();
            heapBytes = a0 < 0 || a1 < 0 || heapBytes < 0 ? -1 : heapBytes + (a1 - a0);
            ms[runs++] = last / 1e6;
            if (readingEachRun) peaks[readings++] = peakAround.getAsDouble(); // FmaPeak's FMAs are not counted as the backend's flops
        }
        TransferCounts x = be.transfers().minus(x0);
        return new Timing(warmups, Arrays.copyOf(ms, runs), (double) (be.matrixFlops() - f0) / runs,
                new TransferCounts(x.uploads() / runs, x.downloads() / runs, x.bytesUp() / runs, x.bytesDown() / runs),
                Arrays.copyOf(peaks, readings), heapBytes < 0 ? -1 : heapBytes / runs);
    }

    private static double measurePeak(int threads, long millis) {
        try {
            return FmaPeak.measureGflops(threads, millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    /** Prints one row and puts its numbers into {@code m} (the JSON row). */
    private static void describe(String what, int batch, Peak peak, BackendMeter on, Meters meters, Timing t, Map<String, Object> m) {
        Backend be = on.first();
        double[] ms = t.ms();
        double median = Median.of(ms), min = Arrays.stream(ms).min().orElseThrow(), max = Arrays.stream(ms).max().orElseThrow();
        double gflops = t.flopsPerRun() / (median * 1e6);
        boolean paired = t.peaks().length > 0;
        double share = paired ? PeakShare.median(t.flopsPerRun(), ms, t.peaks()) : gflops / peak.gflops();
        TransferCounts x = t.transfersPerRun();
        System.out.printf(Locale.ROOT, "%-14s %10.1f %10.1f %10.1f %12.1f %10.1f %8s %22s%n", what, median, min, max,
                batch / (median / 1000), gflops, Double.isNaN(share) ? "-" : String.format(Locale.ROOT, "%.1f", 100 * share),
                x.uploads() + " up " + x.downloads() + " down " + bytes(x.bytesUp() + x.bytesDown()));
        double peakAround = paired ? Median.of(t.peaks()) : Double.NaN;
        if (paired) {
            System.out.printf(Locale.ROOT, "%-14s peak around the runs: median %.0f GFLOP/s (%.0f to %.0f), %%peak pairs each run with it%n", "",
                    peakAround, Arrays.stream(t.peaks()).min().orElseThrow(), Arrays.stream(t.peaks()).max().orElseThrow());
        }
        m.put("warmups", (long) t.warmups());
        m.put("runs", (long) ms.length);
        m.put("median_ms", BenchReport.number(median));
        m.put("min_ms", BenchReport.number(min));
        m.put("max_ms", BenchReport.number(max));
        m.put("run_ms", Arrays.stream(ms).mapToObj(BenchReport::number).toList()); // in order: shows a drift or a slow start
        m.put("samples_per_s", BenchReport.number(batch / (median / 1000)));
        m.put("flops_per_run", BenchReport.number(t.flopsPerRun()));
        m.put("tflops", BenchReport.number(gflops / 1000));
        m.put("mfu", BenchReport.number(share));
        if (paired) m.put("peak_gflops_around_runs", BenchReport.number(peakAround));
        m.put("uploads", x.uploads());
        m.put("downloads", x.downloads());
        m.put("bytes_up", x.bytesUp());
        m.put("bytes_down", x.bytesDown());
        m.put("peak_live_gib", BenchReport.number(on.peakTensorBytes() / GIB));
        if (t.heapBytesPerRun() >= 0) {
            double mib = t.heapBytesPerRun() / 1048576.0;
            m.put("heap_allocated_mib_per_run", BenchReport.number(mib));
            boolean boxed = HeapAllocation.looksBoxed(t.heapBytesPerRun(), t.flopsPerRun());
            m.put("boxed_kernel_suspected", boxed);
            if (boxed) System.out.printf(Locale.ROOT, "%-14s warning: %.0f MiB of heap allocated per run (%.1f MiB per GFLOP): a Vector API kernel "
                    + "ran without its intrinsics (the JIT's choice in this JVM), so these times are slower than the code; run again%n", "", mib,
                    HeapAllocation.mibPerGflop(t.heapBytesPerRun(), t.flopsPerRun()));
        }
        if (meters == null) return;
        m.put("peak_reserved_gib", BenchReport.number(meters.metered().peakReservedBytes() / GIB));
        m.put("device_allocations", meters.metered().allocations());
        if (be instanceof CudaBackend cb) m.put("allocator_flushes", cb.allocator().stats().flushes()); // each waits for the device
        String line = String.format(Locale.ROOT, "%-14s device memory: peak live %.2f GiB, peak reserved %.2f GiB", "",
                be.peakTensorBytes() / GIB, meters.metered().peakReservedBytes() / GIB);
        if (meters.raw() instanceof DriverDevice d) {
            long[] mem = d.context().memory(); // {free, total}: what the whole process holds now (context, cuBLAS, cache)
            m.put("device_used_gib", BenchReport.number((mem[1] - mem[0]) / GIB));
            m.put("device_total_gib", BenchReport.number(mem[1] / GIB));
            line += String.format(Locale.ROOT, ", in use on the device %.2f of %.2f GiB", (mem[1] - mem[0]) / GIB, mem[1] / GIB);
        }
        System.out.println(line);
    }

    /** Bytes as B, KiB, MiB or GiB. */
    static String bytes(long b) {
        if (b < 1024) return b + " B";
        if (b < 1 << 20) return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        if (b < 1 << 30) return String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
        return String.format(Locale.ROOT, "%.2f GiB", b / GIB);
    }
}
