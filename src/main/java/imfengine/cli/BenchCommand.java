package imfengine.cli;

import imfengine.autodiff.Context;
import imfengine.backend.AttentionSpec;
import imfengine.backend.Backend;
import imfengine.backend.GemmSpec;
import imfengine.backend.TransferCounts;
import imfengine.backend.cpu.CpuBackend;
import imfengine.backend.cpu.FmaPeak;
import imfengine.imf.ImfObjective;
import imfengine.imf.MemoryPlan;
import imfengine.imf.ObjectiveConfig;
import imfengine.imf.Sampler;
import imfengine.imf.TrainingStep;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.optim.AdamW;
import imfengine.optim.Ema;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code bench}: the real training step (batch upload, guidance forwards, dual forward, backward,
 * AdamW, EMA) and 1-NFE sampling on random data, timed after warm-up; reports the median and range,
 * the GFLOP/s of the GEMM and attention work the kernels actually issued, and the host↔device
 * transfers each run made.
 */
final class BenchCommand implements Command {
    @Override public String name() { return "bench"; }

    @Override public String summary() { return "time the training step and 1-NFE sampling (median and range)"; }

    @Override public String help() {
        return """
                usage: imf-engine bench [options]

                Times the full iMF training step (batch upload, tape-free v-head guidance calls, one dual
                forward, backward, AdamW, EMA) and 1-NFE sampling of a preset on random inputs: median
                and range of --repeats runs after --warmup runs. GFLOP/s counts the GEMM and attention
                operations the kernels issued; % of peak divides it by --peak-gflops, by default (on the
                CPU) this machine's fp32 peak measured first: ~1 s of register-only FMAs on every thread.
                "transfers" counts the host<->device copies (uploads, downloads) of one run.

                  --preset NAME      xs (default), s, B/2, M/2, L/2, XL/2
                  --batch N          examples per step (default 128 for xs, 64 otherwise)
                  --repeats N        timed runs (default 10)
                  --warmup N         untimed runs first (default 3)
                  --what W           step, sample, both (default), gemm (the preset's Linear GEMMs,
                                     as bench/pytorch/imf_step_bench.py --what gemm times them) or
                                     attention (attention alone at the preset's shapes, forward and
                                     forward with tangent; bf16 kernels on CUDA: -Dimf.cuda.attention=bf16)
                  --peak-gflops X    fp32 peak for the %peak column instead of measuring it
                  --threads N        CPU worker threads (default: all cores)
                """ + MemoryOptions.help(19) + Devices.help(19);
    }

    @Override public int run(List<String> argv) {
        Args a = Args.parse("bench", argv, Set.of("preset", "batch", "repeats", "warmup", "what", "peak-gflops", "threads", "device",
                MemoryOptions.RECOMPUTE, MemoryOptions.MICRO_BATCH), Set.of());
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
        double peak = a.number("peak-gflops", Double.NaN);
        int threads = a.integer("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) throw new UsageException("bench: --threads must be >= 1, got " + threads);
        Backend be = Devices.open("bench", a.string("device", "cpu"), threads);
        if (what.equals("attention")) {
            attention(be, mc, batch, peak, repeats, warmup);
            return 0;
        }
        ImfDiT net = new ImfDiT(mc, be, 1, true, memory.blockRunner());
        int pixels = mc.imageSize() * mc.imageSize() * mc.channels();
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[batch * pixels];
        for (int i = 0; i < x.length; i++) x[i] = (float) (2 * r.nextDouble() - 1);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = i % mc.classes();
        System.out.printf(Locale.ROOT, "bench: preset %s, batch %d (%s), backend %s, %d warm-up + %d timed runs%n", mc.name(), batch,
                memory.describe(), be.name(), warmup, repeats);
        if (what.equals("gemm")) {
            gemms(be, mc, batch, repeats, warmup);
            return 0;
        }
        if (Double.isNaN(peak) && be instanceof CpuBackend) {
            peak = measurePeak(threads);
            System.out.printf(Locale.ROOT, "peak: %.0f GFLOP/s fp32 (register-only FMA loop on %d threads; --peak-gflops overrides)%n", peak, threads);
        }
        header();
        if (!what.equals("sample")) {
            AdamW adam = new AdamW(net.store(), 0f);
            TrainingStep step = new TrainingStep(net, new ImfObjective(ObjectiveConfig.paper()), adam, new Ema(net.store(), 0.999), 7,
                    memory.examplesPerPass());
            Shape img = net.imageShape(batch);
            long[] n = {0};
            report("train_step", batch, peak, be, measure(warmup, repeats, be, () -> {
                n[0]++;
                try (Context cx = Context.open(be, Context.Tape.RECORD)) { // as the trainer: the batch goes up each step
                    step.run(cx, Host.upload(cx, x, img), Host.upload(cx, labels), n[0], 1e-4);
                }
            }));
        }
        if (!what.equals("step")) {
            ImfDiT sampler = new ImfDiT(mc, be, 1, false);
            report("sample_1nfe", batch, peak, be, measure(warmup, repeats, be,
                    () -> HostSampling.sample(sampler, labels, new Sampler.Guidance(2f, 0f, 1f), 1, 5)));
        }
        System.out.printf(Locale.ROOT, "peak tensor memory: %.0f MiB%n", be.peakTensorBytes() / 1048576.0);
        return 0;
    }

    /**
     * The step's Linear-layer GEMMs for this preset, as {@code bench/pytorch/imf_step_bench.py --what gemm}
     * times them (M = B·L tokens): forward {@code [M×D]·[D×D]}, {@code [M×D]·[D×F]}, {@code [M×F]·[F×D]}
     * and the weight gradients {@code Aᵀ·B} with {@code k = M}.
     */
    private static void gemms(Backend be, ModelConfig mc, int batch, int repeats, int warmup) {
        int m = batch * mc.sequenceLength(), d = mc.hidden(), f = mc.mlpHidden();
        int[][] shapes = {{m, d, d, 0}, {m, d, f, 0}, {m, f, d, 0}, {m, d, d, 1}, {m, f, d, 1}, {m, d, f, 1}}; // rows, k|cols of A, n, transA
        SplittableRandom r = new SplittableRandom(4);
        for (int[] sh : shapes) {
            boolean transA = sh[3] == 1;
            int mm = transA ? sh[1] : sh[0], k = transA ? sh[0] : sh[1], n = sh[2];
            try (Context scope = Context.open(be, Context.Tape.OFF)) {
                Tensor a = random(scope, r, sh[0] * sh[1]), b = random(scope, r, k * n), c = scope.empty(Shape.of(mm * n));
                GemmSpec spec = GemmSpec.of(mm, n, k, transA, false, 1f, 0f);
                long w0 = System.nanoTime(); // warm the JIT for about a second, then ~0.1 s per timed run
                int calls = 0;
                while (System.nanoTime() - w0 < 1_000_000_000L) { be.gemm(spec, a, b, c); calls++; }
                be.synchronize();
                int inner = Math.max(1, calls / 10);
                Timing t = measure(warmup, repeats, be, () -> { for (int i = 0; i < inner; i++) be.gemm(spec, a, b, c); });
                double[] ms = t.ms().clone();
                Arrays.sort(ms);
                double median = (ms[(ms.length - 1) / 2] + ms[ms.length / 2]) / 2 / inner;
                String label = transA ? "[" + sh[0] + "x" + sh[1] + "]^T*[" + k + "x" + n + "]" : "[" + sh[0] + "x" + sh[1] + "]*[" + k + "x" + n + "]";
                System.out.printf(Locale.ROOT, "gemm %-24s %10.3f ms %8.1f GFLOP/s%n", label, median, spec.flops() / (median * 1e6));
            }
        }
    }

    /**
     * Attention alone at the preset's shapes ({@code [batch, L, heads·Dh]}, scale 1/√Dh): the forward, and the
     * forward with its tangent as the training step's JVP runs it. On CUDA, {@code -Dimf.cuda.attention=bf16}
     * times the bf16 tensor-core kernels instead of the fp32 ones.
     */
    private static void attention(Backend be, ModelConfig mc, int batch, double peak, int repeats, int warmup) {
        int dh = mc.headDim();
        AttentionSpec s = new AttentionSpec(batch, mc.sequenceLength(), mc.heads(), dh, (float) (1 / Math.sqrt(dh)));
        System.out.printf(Locale.ROOT, "bench: attention of preset %s: B %d, L %d, %d heads, Dh %d, backend %s, %d warm-up + %d timed runs%n",
                mc.name(), batch, s.length(), s.heads(), dh, be.name(), warmup, repeats);
        header();
        SplittableRandom r = new SplittableRandom(5);
        int n = Math.toIntExact(s.elements());
        try (Context cx = Context.open(be, Context.Tape.OFF)) {
            Tensor q = random(cx, r, n), k = random(cx, r, n), v = random(cx, r, n), tq = random(cx, r, n), tk = random(cx, r, n),
                    tv = random(cx, r, n), o = cx.empty(Shape.of(n)), to = cx.empty(Shape.of(n)),
                    lse = cx.empty(Shape.of(batch * s.heads() * s.length()));
            report("attention_fwd", batch, peak, be, measure(warmup, repeats, be, () -> be.attention(s, q, k, v, o, lse)));
            report("attention_jvp", batch, peak, be, measure(warmup, repeats, be,
                    () -> be.attentionDual(s, q, tq, k, tk, v, tv, o, to, lse)));
        }
    }

    private static void header() {
        System.out.printf(Locale.ROOT, "%-14s %10s %10s %10s %12s %10s %8s %12s%n", "what", "median_ms", "min_ms", "max_ms",
                "samples/s", "GFLOP/s", "%peak", "transfers");
    }

    private static Tensor random(Context cx, SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return Host.upload(cx, v, Shape.of(n));
    }

    private record Timing(double[] ms, double flopsPerRun, TransferCounts transfersPerRun) {}

    private static Timing measure(int warmup, int repeats, Backend be, Runnable run) {
        for (int i = 0; i < warmup; i++) run.run();
        be.synchronize();
        double[] ms = new double[repeats];
        long f0 = be.matrixFlops();
        TransferCounts x0 = be.transfers();
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            run.run();
            be.synchronize();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        TransferCounts x = be.transfers().minus(x0);
        return new Timing(ms, (double) (be.matrixFlops() - f0) / repeats,
                new TransferCounts(x.uploads() / repeats, x.downloads() / repeats, x.bytesUp() / repeats, x.bytesDown() / repeats));
    }

    private static double measurePeak(int threads) {
        try {
            return FmaPeak.measureGflops(threads, 1200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    private static void report(String what, int batch, double peak, Backend be, Timing t) {
        double[] s = t.ms().clone();
        Arrays.sort(s);
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        double gflops = t.flopsPerRun() / (median * 1e6);
        TransferCounts x = t.transfersPerRun();
        System.out.printf(Locale.ROOT, "%-14s %10.1f %10.1f %10.1f %12.1f %10.1f %8s %12s%n", what, median, s[0], s[s.length - 1],
                batch / (median / 1000), gflops, Double.isNaN(peak) ? "-" : String.format(Locale.ROOT, "%.1f", 100 * gflops / peak),
                x.uploads() + " up " + x.downloads() + " down");
    }
}
