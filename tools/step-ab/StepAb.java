import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Two builds' training steps in one JVM, alternating step by step (which side goes first alternates too), so
 * that a shared host's drifting speed hits both alike. Arguments: JAR_A DIR_A JAR_B DIR_B with DIR_x holding
 * {@code StepRun} compiled against JAR_x. Properties: preset (xs), batch (128 for xs, else 64), threads (all
 * cores), replicas (as bench: one per thread at xs and s; see StepRun), warmup (3 steps per side), rounds (10, made even), and a.props / b.props (system properties each side's
 * classes initialise with, e.g. {@code imf.pool.spinMicros=1000}: one jar twice compares settings). B/A is the geometric mean of the rounds' own ratios:
 * half the rounds run A first, half B first, and the step run second in a round was often the faster one (up to
 * 20 % in a same-jar control), an order effect the mean over both orders cancels. A side that reads ~2× slower in
 * every round (3 of 18 runs on 2026-12-01, each time the jar loaded second) is a JVM whose JIT compiled that side badly
 * (caught once with JFR: its GEMM micro-kernel ran the Vector API's allocating fallback), not the change: run twice, the second time with the jars swapped. The class loaders are named A and B, so a JFR
 * recording (-XX:StartFlightRecording in JAVA_OPTS) tells the sides' samples apart.
 */
public final class StepAb {
    public static void main(String[] args) throws Exception {
        String preset = System.getProperty("preset", "xs");
        int batch = Integer.getInteger("batch", preset.equals("xs") ? 128 : 64);
        int threads = Integer.getInteger("threads", Runtime.getRuntime().availableProcessors());
        int warmup = Integer.getInteger("warmup", 3), rounds = (Integer.getInteger("rounds", 10) + 1) / 2 * 2;
        Runnable[] step = new Runnable[2];
        for (int i = 0; i < 2; i++) {
            URLClassLoader loader = new URLClassLoader(i == 0 ? "A" : "B", new URL[]{Path.of(args[2 * i]).toUri().toURL(), Path.of(args[2 * i + 1]).toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            step[i] = SideProperties.with(System.getProperty(i == 0 ? "a.props" : "b.props", ""), // prepare initialises the side's classes
                    () -> (Runnable) loader.loadClass("imfengine.cli.StepRun").getMethod("prepare", String.class, int.class, int.class)
                            .invoke(null, preset, batch, threads));
        }
        System.out.printf("A: %s%nB: %s%n", System.getProperty("a.props", "defaults"), System.getProperty("b.props", "defaults"));
        for (int w = 0; w < warmup; w++) for (Runnable s : step) s.run();
        List<List<Double>> ms = List.of(new ArrayList<>(), new ArrayList<>());
        List<Double> ratios = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            double[] t = new double[2];
            for (int i = 0; i < 2; i++) {
                int side = round % 2 == 0 ? i : 1 - i;
                long t0 = System.nanoTime();
                step[side].run();
                t[side] = (System.nanoTime() - t0) / 1e6;
                ms.get(side).add(t[side]);
            }
            ratios.add(t[1] / t[0]);
            System.out.printf("round %2d: A %8.1f ms  B %8.1f ms  B/A %.3f%n", round + 1, t[0], t[1], t[1] / t[0]);
        }
        double logSum = 0;
        for (double r : ratios) logSum += Math.log(r);
        Collections.sort(ratios);
        for (int i = 0; i < 2; i++) Collections.sort(ms.get(i));
        System.out.printf("preset %s, batch %d, %d threads, %d rounds: A median %.1f ms (%.1f-%.1f), B median %.1f ms (%.1f-%.1f), "
                        + "B/A geometric mean of rounds %.3f (rounds %.3f-%.3f)%n", preset, batch, threads, rounds,
                ms.get(0).get(rounds / 2), ms.get(0).get(0), ms.get(0).get(rounds - 1),
                ms.get(1).get(rounds / 2), ms.get(1).get(0), ms.get(1).get(rounds - 1),
                Math.exp(logSum / rounds), ratios.get(0), ratios.get(rounds - 1));
        System.exit(0);
    }
}
