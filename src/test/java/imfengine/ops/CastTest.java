package imfengine.ops;

import imfengine.autodiff.Autodiff;
import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.tensor.Bf16;
import imfengine.tensor.DType;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.testing.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cast op: F32 → BF16 rounds to nearest even (checked bit for bit against hand-made cases), BF16 →
 * F32 is exact, and both derivatives are the identity carried in the other dtype: the JVP casts the
 * tangent, the VJP casts the cotangent back.
 */
class CastTest {
    /** bf16 keeps 8 significand bits (7 stored): round to nearest errs by at most 2⁻⁸ relative (the unit roundoff). */
    static final double BF16_ROUNDING = 0x1p-8;

    @Test void roundsToNearestEvenByHand() {
        assertEquals((short) 0x3F80, Bf16.fromFloat(1f));
        assertEquals((short) 0x3F80, Bf16.fromFloat(1f + 0x1p-8f), "a tie goes to the even neighbour (down)");
        assertEquals((short) 0x3F82, Bf16.fromFloat(1f + 3 * 0x1p-8f), "a tie goes to the even neighbour (up)");
        assertEquals((short) 0x3F81, Bf16.fromFloat(1f + 0x1p-8f + 0x1p-20f), "above the tie rounds up");
        assertTrue(Float.isNaN(Bf16.toFloat(Bf16.fromFloat(Float.NaN))), "NaN stays NaN");
        assertEquals(Float.POSITIVE_INFINITY, Bf16.toFloat(Bf16.fromFloat(Float.POSITIVE_INFINITY)));
        assertEquals(Float.POSITIVE_INFINITY, Bf16.toFloat(Bf16.fromFloat(Float.MAX_VALUE)), "overflow rounds to infinity");
    }

    @Test void valuesTangentsAndGradientsOnEveryBackend() {
        float[] x = {1f, -2.5f, 3.14159f, 1e-3f, 65504f, 1f + 0x1p-8f, -0f};
        float[] t = {0.5f, 1f, -1f, 2f, 0.25f, 1f, 3f};
        float[] g = {1f, 2f, 3f, 4f, 5f, 6f, 7f};
        for (Backend be : Backends.all()) {
            try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                Var in = cx.dualInput(Host.upload(cx, x, x.length), Host.upload(cx, t, t.length));
                Var half = Cast.to(in, DType.BF16);
                assertEquals(DType.BF16, half.value().dtype());
                assertEquals(DType.BF16, half.tangent().dtype(), "the tangent travels in the result's dtype");
                float[] y = Host.floats(half.value()), ty = Host.floats(half.tangent());
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Bf16.toFloat(Bf16.fromFloat(x[i])), y[i], 0f, "value " + x[i] + " on " + be.name());
                    assertTrue(Math.abs(y[i] - x[i]) <= BF16_ROUNDING * Math.abs(x[i]), "rounding error of " + x[i]);
                    assertEquals(Bf16.toFloat(Bf16.fromFloat(t[i])), ty[i], 0f, "tangent " + t[i]);
                }
                Var back = Cast.to(half, DType.F32);
                assertArrayEquals(y, Host.floats(back.value()), "BF16 → F32 is exact");
                Autodiff.backward(back, Host.upload(cx, g, g.length));
                assertArrayEquals(g, Host.floats(in.grad()), "the cotangent comes back in F32 (small integers are exact in bf16)");
                assertThrows(IllegalArgumentException.class, () -> Cast.to(cx.constant(cx.zeros(Shape.of(2), DType.I32)), DType.F32));
            }
        }
    }
}
