package imfengine.backend.cpu;

import imfengine.backend.AttentionSpec;
import java.util.Random;

/**
 * One side of {@code tools/attention-ab.sh}: compiled against one jar and loaded with it in its own class
 * loader, so two builds of {@link AttentionSimd} run in one JVM, call after call, on the calling thread.
 */
public final class AttentionRun {
    private static AttentionSpec spec;
    private static float[][] t;
    private static float[] lse;

    private AttentionRun() {}

    /** Milliseconds per call of one kernel ({@code fwd}, {@code jvp} or {@code bwd}) over all (batch, head) pairs of {@code [B, L, 3·Dh]}. */
    public static double run(int length, int headDim, int batch, String kernel, int reps) {
        AttentionSpec s = new AttentionSpec(batch, length, 3, headDim, (float) (1 / Math.sqrt(headDim)));
        if (!s.equals(spec)) {
            spec = s;
            int n = (int) s.elements();
            Random r = new Random(1);
            t = new float[8][n];
            for (float[] x : t) for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
            lse = new float[batch * 3 * length];
            AttentionSimd.forward(s, t[0], t[1], t[2], t[3], lse, 0, batch * 3);
        }
        int pairs = batch * 3;
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++)
            switch (kernel) {
                case "fwd" -> AttentionSimd.forward(s, t[0], t[1], t[2], t[3], lse, 0, pairs);
                case "jvp" -> AttentionSimd.dual(s, t[0], t[4], t[1], t[5], t[2], t[6], t[3], t[7], lse, 0, pairs);
                case "bwd" -> AttentionSimd.backward(s, t[0], t[1], t[2], t[3], lse, t[4], t[5], t[6], t[7], 0, pairs);
                default -> throw new IllegalArgumentException("kernel fwd, jvp or bwd, got " + kernel);
            }
        return (System.nanoTime() - t0) / 1e6 / reps;
    }
}
