package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.tensor.Host;
import imfengine.autodiff.Var;
import imfengine.tensor.Shape;
import imfengine.testing.Backends;
import imfengine.testing.OpCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sinusoidal timestep features {@code [cos(s·f_k) | sin(s·f_k)]}. There is no cos/sin primitive to
 * build an unfused twin from, so the float64 reference in {@link OpCheck} is the comparison.
 */
class TimestepFeaturesTest {
    private static final OpCheck.Gen UNIT = r -> (float) r.nextDouble(); // h, t_min, t_max, 1 − 1/ω live in [0, 1)
    private static final OpCheck.Gen WIDE = r -> (float) (4 * r.nextDouble() - 2);

    @Test void matchesReferenceAndDerivatives() {
        OpCheck.op("timestep dim 256").input(UNIT, 5).engine(in -> TimestepFeatures.of(in[0], 256))
                .reference(in -> reference(in[0], 256)).check();
        OpCheck.op("timestep dim 18").input(WIDE, 3).engine(in -> TimestepFeatures.of(in[0], 18))
                .reference(in -> reference(in[0], 18)).check();
        OpCheck.op("timestep [B,1] dim 38").input(WIDE, 4, 1).engine(in -> TimestepFeatures.of(in[0], 38))
                .reference(in -> reference(in[0], 38)).check();
    }

    /** Hand-computed: s = 0 gives [1…1 | 0…0]; s = 1, dim 4 has f = (1, 0.01) so [cos 1, cos .01, sin 1, sin .01]. */
    @Test void knownValuesCosFirst() {
        for (var be : Backends.BOTH)
            try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                Var s = cx.constant(Host.upload(cx, new float[]{0f, 1f}, Shape.of(2)));
                float[] y = Host.floats(TimestepFeatures.of(s, 4).value());
                float[] want = {1, 1, 0, 0, (float) Math.cos(1), (float) Math.cos(0.01), (float) Math.sin(1), (float) Math.sin(0.01)};
                for (int i = 0; i < want.length; i++) assertEquals(want[i], y[i], 1e-7f, "feature " + i + " on " + be.name());
                var e = assertThrows(IllegalArgumentException.class, () -> TimestepFeatures.of(s, 5));
                assertTrue(e.getMessage().contains("timestepFeatures") && e.getMessage().contains("5"), e.getMessage());
            }
    }

    static double[] reference(double[] s, int dim) {
        int half = dim / 2;
        double[] y = new double[s.length * dim];
        for (int b = 0; b < s.length; b++)
            for (int k = 0; k < half; k++) {
                double f = Math.exp(-Math.log(10000) * k / half);
                y[b * dim + k] = Math.cos(s[b] * f);
                y[b * dim + half + k] = Math.sin(s[b] * f);
            }
        return y;
    }
}
