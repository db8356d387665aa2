package imfengine.backend.cpu;

import imfengine.backend.GemmSpec;
import java.util.Random;

/**
 * {@code tools/gemm-cores.sh}: an n³ product (default 1024) on one thread alone, two such one-thread products on two
 * threads at once, and one product on a two-thread pool, in turn: how much a core slows while the other works,
 * against what the two-thread call loses to its split.
 */
public final class GemmCores {
    private GemmCores() {}

    public static void main(String[] args) throws InterruptedException {
        int n = Integer.getInteger("n", 1024), rounds = Integer.getInteger("rounds", 6), reps = 10;
        GemmSpec s = GemmSpec.of(n, n, n, false, false, 1f, 0f);
        float[][] a = new float[2][], b = new float[2][], c = new float[2][];
        Random r = new Random(1);
        for (int i = 0; i < 2; i++) {
            a[i] = random(r, n * n);
            b[i] = random(r, n * n);
            c[i] = new float[n * n];
        }
        CpuGemm first = new CpuGemm(new WorkerPool(1), true), second = new CpuGemm(new WorkerPool(1), true);
        CpuGemm both = new CpuGemm(new WorkerPool(2), true);
        double flops = 2.0 * n * n * n * reps;
        System.out.println("GFLOP/s: one thread alone | two one-thread products at once (sum) | one two-thread call");
        for (int round = -1; round < rounds; round++) { // one round of warm-up
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) first.gemm(s, a[0], b[0], c[0]);
            long t1 = System.nanoTime();
            Thread other = new Thread(() -> { for (int i = 0; i < reps; i++) second.gemm(s, a[1], b[1], c[1]); });
            other.start();
            for (int i = 0; i < reps; i++) first.gemm(s, a[0], b[0], c[0]);
            other.join();
            long t2 = System.nanoTime();
            for (int i = 0; i < reps; i++) both.gemm(s, a[0], b[0], c[0]);
            long t3 = System.nanoTime();
            if (round >= 0) System.out.printf("%6.1f | %6.1f | %6.1f%n", flops / (t1 - t0), 2 * flops / (t2 - t1), flops / (t3 - t2));
        }
    }

    private static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = r.nextFloat() - 0.5f;
        return x;
    }
}
