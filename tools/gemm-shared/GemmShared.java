package imfengine.backend.cpu;

import imfengine.backend.GemmSpec;
import java.util.Arrays;
import java.util.Random;

/**
 * {@code tools/gemm-shared.sh}: products that share A ({@code C_i = A·B_iᵀ}, the q, k, v projections of one input)
 * as one {@link CpuGemm#gemmSharedA} call against one {@link CpuGemm#gemm} call each, alternating in one JVM, A and
 * the C_i rotating over {@code -Dcopies} sets (8: out of cache, as a step's activations are).
 */
public final class GemmShared {
    private GemmShared() {}

    /** Arguments {@code m,k,n1+n2+...}; prints GFLOP/s medians of {@code -Drounds} rounds and shared / separate. */
    public static void main(String[] args) {
        int copies = Integer.getInteger("copies", 8), rounds = Integer.getInteger("rounds", 9), reps = 4;
        CpuGemm gemm = new CpuGemm(new WorkerPool(Integer.getInteger("threads", 1)), true);
        Random r = new Random(1);
        System.out.println("m,k,widths               shared GFLOP/s  separate GFLOP/s  shared/separate");
        for (String shape : args) {
            String[] p = shape.split(",");
            int m = Integer.parseInt(p[0]), k = Integer.parseInt(p[1]);
            int[] widths = Arrays.stream(p[2].split("\\+")).mapToInt(Integer::parseInt).toArray();
            int count = widths.length;
            GemmSpec[] specs = new GemmSpec[count];
            float[][] b = new float[count][];
            float[][][] c = new float[copies][count][];
            float[][] a = new float[copies][m * k];
            double flops = 0;
            for (int i = 0; i < count; i++) {
                specs[i] = GemmSpec.of(m, widths[i], k, false, true, 1f, 0f);
                b[i] = random(r, widths[i] * k);
                for (int cp = 0; cp < copies; cp++) c[cp][i] = new float[m * widths[i]];
                flops += 2.0 * m * widths[i] * k;
            }
            for (int cp = 0; cp < copies; cp++) a[cp] = random(r, m * k);
            double[] shared = new double[rounds], separate = new double[rounds];
            for (int round = -3; round < rounds; round++) { // three rounds of warm-up
                long t0 = System.nanoTime();
                for (int rep = 0; rep < reps; rep++) for (int cp = 0; cp < copies; cp++) gemm.gemmSharedA(specs, a[cp], b, c[cp]);
                long t1 = System.nanoTime();
                for (int rep = 0; rep < reps; rep++)
                    for (int cp = 0; cp < copies; cp++) for (int i = 0; i < count; i++) gemm.gemm(specs[i], a[cp], b[i], c[cp][i]);
                long t2 = System.nanoTime();
                if (round >= 0) {
                    shared[round] = reps * copies * flops / (t1 - t0);
                    separate[round] = reps * copies * flops / (t2 - t1);
                }
            }
            Arrays.sort(shared);
            Arrays.sort(separate);
            double s = shared[rounds / 2], q = separate[rounds / 2];
            System.out.printf("%-24s %14.1f  %16.1f  %15.3f%n", shape, s, q, s / q);
        }
    }

    private static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = r.nextFloat() - 0.5f;
        return x;
    }
}
