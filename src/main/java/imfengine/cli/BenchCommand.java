package imfengine.cli;

import imfengine.backend.Backend;
import imfengine.imf.ImfObjective;
import imfengine.imf.ObjectiveConfig;
import imfengine.imf.Sampler;
import imfengine.imf.StepDraws;
import imfengine.autodiff.Autodiff;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.optim.AdamW;
import imfengine.tensor.MemoryScope;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code bench}: the real training step (guidance forwards, dual forward, backward, AdamW) and
 * 1-NFE sampling on random data, timed after warm-up; reports the median and range, and the
 * GFLOP/s of the GEMM and attention work the kernels actually issued.
 */
final class BenchCommand implements Command {
    @Override public String name() { return "bench"; }

    @Override public String summary() { return "time the training step and 1-NFE sampling (median and range)"; }

    @Override public String help() {
        return """
                usage: imf-engine bench [options]

                Times the full iMF training step (tape-free v-head guidance calls, one dual forward,
                backward, AdamW) and 1-NFE sampling of a preset on random inputs: median and range of
                --repeats runs after --warmup runs. GFLOP/s counts the GEMM and attention operations the
                kernels issued; % of peak uses --peak-gflops (default: this machine's measured peak, see
                docs/PERF.md).

                  --preset NAME      xs (default), s, B/2, M/2, L/2, XL/2
                  --batch N          examples per step (default 128 for xs, 64 otherwise)
                  --repeats N        timed runs (default 10)
                  --warmup N         untimed runs first (default 3)
                  --what W           step, sample or both (default both)
                  --peak-gflops X    fp32 peak of this machine for the % column
                  --threads N        CPU worker threads (default: all cores)
                """ + Devices.help(17);
    }

    @Override public int run(List<String> argv) {
        Args a = Args.parse("bench", argv, Set.of("preset", "batch", "repeats", "warmup", "what", "peak-gflops", "threads", "device"), Set.of());
        ModelConfig mc;
        try {
            mc = ModelConfig.preset(a.string("preset", "xs"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("bench: " + e.getMessage());
        }
        int batch = a.integer("batch", mc.name().equals("xs") ? 128 : 64);
        int repeats = a.integer("repeats", 10), warmup = a.integer("warmup", 3);
        if (batch < 1 || repeats < 1 || warmup < 0) throw new UsageException("bench: --batch and --repeats must be >= 1, --warmup >= 0");
        String what = a.string("what", "both");
        if (!Set.of("step", "sample", "both").contains(what)) throw new UsageException("bench: --what must be step, sample or both");
        double peak = a.number("peak-gflops", Double.NaN);
        int threads = a.integer("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) throw new UsageException("bench: --threads must be >= 1, got " + threads);
        Backend be = Devices.open("bench", a.string("device", "cpu"), threads);
        ImfDiT net = new ImfDiT(mc, be, 1, true);
        int pixels = mc.imageSize() * mc.imageSize() * mc.channels();
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[batch * pixels];
        for (int i = 0; i < x.length; i++) x[i] = (float) (2 * r.nextDouble() - 1);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = i % mc.classes();
        System.out.printf(Locale.ROOT, "bench: preset %s, batch %d, backend %s, %d warm-up + %d timed runs%n", mc.name(), batch, be.name(), warmup, repeats);
        System.out.printf(Locale.ROOT, "%-14s %10s %10s %10s %12s %10s %8s%n", "what", "median_ms", "min_ms", "max_ms", "samples/s", "GFLOP/s", "%peak");
        if (!what.equals("sample")) {
            ImfObjective objective = new ImfObjective(ObjectiveConfig.paper());
            AdamW adam = new AdamW(net.parameters(), 0f);
            long[] step = {0};
            report("train_step", batch, peak, be, measure(warmup, repeats, be, () -> {
                step[0]++;
                StepDraws d = StepDraws.draw(objective.config(), batch, pixels, 7, step[0]);
                try (MemoryScope s = MemoryScope.open()) {
                    ImfObjective.Result res = objective.loss(net, x, labels, d);
                    Autodiff.backward(res.loss());
                    adam.step(1e-4);
                    adam.zeroGrad();
                }
            }));
        }
        if (!what.equals("step")) {
            ImfDiT sampler = new ImfDiT(mc, be, 1, false);
            report("sample_1nfe", batch, peak, be, measure(warmup, repeats, be,
                    () -> Sampler.sample(sampler, labels, new Sampler.Guidance(2f, 0f, 1f), 1, 5)));
        }
        System.out.printf(Locale.ROOT, "peak tensor memory: %.0f MiB%n", be.peakTensorBytes() / 1048576.0);
        return 0;
    }

    private record Timing(double[] ms, double flopsPerRun) {}

    private static Timing measure(int warmup, int repeats, Backend be, Runnable run) {
        for (int i = 0; i < warmup; i++) run.run();
        be.synchronize();
        double[] ms = new double[repeats];
        long f0 = be.matrixFlops();
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            run.run();
            be.synchronize();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return new Timing(ms, (double) (be.matrixFlops() - f0) / repeats);
    }

    private static void report(String what, int batch, double peak, Backend be, Timing t) {
        double[] s = t.ms().clone();
        Arrays.sort(s);
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        double gflops = t.flopsPerRun() / (median * 1e6);
        System.out.printf(Locale.ROOT, "%-14s %10.1f %10.1f %10.1f %12.1f %10.1f %8s%n", what, median, s[0], s[s.length - 1],
                batch / (median / 1000), gflops, Double.isNaN(peak) ? "-" : String.format(Locale.ROOT, "%.1f", 100 * gflops / peak));
    }
}
