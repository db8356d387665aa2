package imfengine.nn;

import imfengine.tensor.Host;
import imfengine.testing.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12 item 6: the patch embedding starts as the authors' Linear(p²·C → D), Xavier-uniform with
 * {@code fan_in = p²·C}, {@code fan_out = D} (their port's {@code models/embedder.py}), not with a
 * convolution's {@code fan_out = D·p²}, whose bound is 3.7× smaller for xs and about 2× smaller for the …/2
 * presets. The draws must fill {@code U(−b, b)} for the authors' {@code b}: none outside, the largest
 * near it, and the variance {@code b²/3}.
 */
class PatchEmbedderInitTest {
    @Test void xsPatchEmbeddingFillsTheAuthorsXavierBound() {
        check(ModelConfig.preset("xs")); // p = 4, C = 1, D = 96: b = √(6/112) = 0.231 (the conv-style bound was 0.062)
    }

    @Test void latentPatchEmbeddingFillsTheAuthorsXavierBound() {
        // the 2/… presets' p = 2, C = 4 at a small width, so the test stays fast: b = √(6/(16 + 64))
        check(new ModelConfig("p2c4", 8, 4, 3, 64, 2, 2, 1, 2));
    }

    private static void check(ModelConfig c) {
        ImfDiT net = new ImfDiT(c, Backends.SIMD, 3, false);
        Parameter w = net.namedParameters().get("net.x_embedder.proj.weight");
        float[] v = Host.floats(w.value());
        int fanIn = c.patch() * c.patch() * c.channels(), fanOut = c.hidden();
        double bound = Math.sqrt(6.0 / (fanIn + fanOut));
        double max = 0, sumSq = 0;
        for (float x : v) {
            max = Math.max(max, Math.abs(x));
            sumSq += (double) x * x;
        }
        assertEquals(fanOut * fanIn, v.length);
        assertTrue(max <= bound, c.name() + ": |w| reaches " + max + " beyond the bound " + bound);
        // n ≥ 1024 uniform draws: P(max < 0.98·b) = 0.98^n < 1e-9, while the conv-style bound is ≤ 0.55·b
        assertTrue(max >= 0.98 * bound, c.name() + ": largest |w| " + max + " well inside the bound " + bound);
        double var = sumSq / v.length, want = bound * bound / 3;
        // the sample variance of n uniform draws has relative sd √(0.8/n) ≤ 2.8 % here: allow 5 sd
        assertEquals(want, var, 5 * Math.sqrt(0.8 / v.length) * want, c.name() + ": variance of the patch weights");
    }
}
