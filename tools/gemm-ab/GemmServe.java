package imfengine.backend.cpu;

import imfengine.backend.GemmSpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * The Java side of {@code tools/gemm-vs-openblas.py}: reads {@code m n k N|T N|T reps} lines on stdin, runs
 * that many calls of the engine's CPU GEMM (2 threads unless {@code -Dthreads}) and prints their GFLOP/s, so
 * that a driver can alternate it with OpenBLAS call by call. Operands are made once per shape. The GEMM is
 * {@link CpuGemm}'s, the backend's: AMX for the products it takes where the machine has it, else the Vector API
 * kernel ({@code -Dimf.gemm.amx=off} for that one everywhere).
 */
public final class GemmServe {
    private GemmServe() {}

    public static void main(String[] args) throws Exception {
        WorkerPool pool = new WorkerPool(Integer.getInteger("threads", 2));
        CpuGemm gemm = new CpuGemm(pool, true);
        Map<String, float[][]> operands = new HashMap<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            String[] f = line.trim().split("\\s+");
            if (f.length != 6) {
                System.out.println("error: expected m n k N|T N|T reps, got '" + line + "'");
                System.out.flush();
                continue;
            }
            int m = Integer.parseInt(f[0]), n = Integer.parseInt(f[1]), k = Integer.parseInt(f[2]), reps = Integer.parseInt(f[5]);
            boolean ta = f[3].equals("T"), tb = f[4].equals("T");
            float[][] abc = operands.computeIfAbsent(m + "," + n + "," + k, key -> {
                Random r = new Random(1);
                float[] a = new float[m * k], b = new float[k * n];
                for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
                for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() - 0.5f;
                return new float[][] {a, b, new float[m * n]};
            });
            GemmSpec s = GemmSpec.of(m, n, k, ta, tb, 1f, 0f);
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) gemm.gemm(s, abc[0], abc[1], abc[2]);
            System.out.println(2.0 * m * n * k * reps / ((System.nanoTime() - t0) / 1e9) / 1e9);
            System.out.flush();
        }
    }
}
