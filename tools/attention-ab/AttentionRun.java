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
    /**
     * With {@code -Dcold=true} every call finds its operands out of the caches, as the step's attention does (the
     * projections that wrote them ran in between): 64 MiB are written before each call, outside the timing.
     */
    private static final float[] FLUSH = Boolean.getBoolean("cold") ? new float[16 << 20] : null;

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
        long ns = 0;
        for (int i = 0; i < reps; i++) {
            if (FLUSH != null) java.util.Arrays.fill(FLUSH, i);
            long t0 = System.nanoTime();
            switch (kernel) {
                case "fwd" -> AttentionSimd.forward(s, t[0], t[1], t[2], t[3], lse, 0, pairs);
                case "jvp" -> AttentionSimd.dual(s, t[0], t[4], t[1], t[5], t[2], t[6], t[3], t[7], lse, 0, pairs);
                case "bwd" -> AttentionSimd.backward(s, t[0], t[1], t[2], t[3], lse, t[4], t[5], t[6], t[7], 0, pairs);
                default -> throw new IllegalArgumentException("kernel fwd, jvp or bwd, got " + kernel);
            }
            ns += System.nanoTime() - t0;
        }
        return ns / 1e6 / reps;
    }
}
