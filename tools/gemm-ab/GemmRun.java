package imfengine.backend.cpu;

import imfengine.backend.GemmSpec;
import java.util.Random;

/**
 * One side of {@code tools/gemm-ab.sh}: compiled against one jar and loaded with it in its own class
 * loader, so two builds of {@link GemmPacked} run in one JVM, call after call. The Vector API kernel alone: not the AMX
 * kernel that the backend uses for most products where the CPU has AMX.
 */
public final class GemmRun {
    private static final WorkerPool POOL = new WorkerPool(Integer.getInteger("threads", 2));

    private GemmRun() {}

    /** GFLOP/s of {@code reps} calls of {@code C = op(A)·op(B) + beta·C}, rotating over {@code copies} operand sets (copies > 1: operands out of cache). */
    public static double run(int m, int n, int k, boolean transA, boolean transB, float beta, int reps, int copies) {
        float[][] a = new float[copies][m * k], b = new float[copies][k * n], c = new float[copies][m * n];
        Random r = new Random(1);
        for (int i = 0; i < copies; i++) {
            for (int j = 0; j < m * k; j++) a[i][j] = r.nextFloat() - 0.5f;
            for (int j = 0; j < k * n; j++) b[i][j] = r.nextFloat() - 0.5f;
        }
        GemmSpec s = GemmSpec.of(m, n, k, transA, transB, 1f, beta);
        for (int w = 0; w < 3; w++) GemmPacked.gemm(POOL, s, a[w % copies], b[w % copies], c[w % copies]);
        long t0 = System.nanoTime();
        for (int w = 0; w < reps; w++) GemmPacked.gemm(POOL, s, a[w % copies], b[w % copies], c[w % copies]);
        return 2.0 * m * n * k * reps / ((System.nanoTime() - t0) / 1e9) / 1e9;
    }
}
