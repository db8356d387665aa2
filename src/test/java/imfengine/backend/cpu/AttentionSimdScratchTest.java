package imfengine.backend.cpu;

import imfengine.backend.AttentionSpec;
import imfengine.testing.FreshThread;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AttentionSimd}'s kernels reuse a thread's scratch from call to call: after a larger call and with every
 * scratch float set to NaN, a call gives exactly the bits it gives on a thread with fresh scratch. The sizes have
 * padded keys (L = 7, 21) and a {@code Dh} that the register transposes do not cover (5, 20), where the keys'
 * padding is written by the scalar packing.
 */
class AttentionSimdScratchTest {
    @BeforeEach void needsVectors() {
        Assumptions.assumeTrue(VectorSupport.present(), "jdk.incubator.vector not present");
    }

    @Test void reusedPoisonedScratchGivesTheBitsOfFreshScratch() throws InterruptedException {
        int[][] cases = {{2, 7, 2, 5}, {1, 21, 3, 32}, {2, 21, 1, 20}};
        for (int[] c : cases) {
            AttentionSpec s = new AttentionSpec(c[0], c[1], c[2], c[3], (float) (1 / Math.sqrt(c[3])));
            float[][] fresh = FreshThread.run(() -> allKernels(s));
            allKernels(new AttentionSpec(2, 150, 2, 48, 0.2f)); // grows this thread's scratch past what s needs
            AttentionSimd.scratch().poison();
            float[][] reused = allKernels(s);
            for (int i = 0; i < fresh.length; i++) {
                String what = "output " + i + " of " + s;
                for (float x : reused[i]) assertTrue(Float.isFinite(x), what + " not finite");
                assertArrayEquals(fresh[i], reused[i], what);
            }
        }
    }

    /** Forward, dual and backward of {@code s} on fixed inputs: o, lse, the dual's o, to, lse, and dq, dk, dv. */
    private static float[][] allKernels(AttentionSpec s) {
        int n = (int) s.elements(), pairs = s.batch() * s.heads(), rows = pairs * s.length();
        Random r = new Random(n);
        float[][] in = new float[7][n];
        for (float[] x : in) for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        float[] o = new float[n], lse = new float[rows], od = new float[n], to = new float[n], lsed = new float[rows];
        float[] dq = new float[n], dk = new float[n], dv = new float[n];
        AttentionSimd.forward(s, in[0], in[1], in[2], o, lse, 0, pairs);
        AttentionSimd.dual(s, in[0], in[3], in[1], in[4], in[2], in[5], od, to, lsed, 0, pairs);
        AttentionSimd.backward(s, in[0], in[1], in[2], o, lse, in[6], dq, dk, dv, 0, pairs);
        return new float[][] {o, lse, od, to, lsed, dq, dk, dv};
    }
}
