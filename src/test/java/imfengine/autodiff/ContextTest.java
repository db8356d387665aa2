package imfengine.autodiff;

import imfengine.backend.cpu.CpuBackend;
import imfengine.ops.Activations;
import imfengine.ops.Arithmetic;
import imfengine.ops.Matmul;
import imfengine.ops.Reductions;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one lifetime mechanism: what a closing context releases, keeps and hands on, and the backward pass's early release. */
class ContextTest {
    final CpuBackend be = new CpuBackend(1, false);

    @Test void closingAChildReleasesTangentsButKeepsWhatWasKept() {
        try (Context root = Context.open(be, Context.Tape.RECORD)) {
            Var x = root.dual(Host.upload(root, new float[]{1, 2, 3}, 3), Host.upload(root, new float[]{1, 1, 1}, 3));
            Var a, b;
            try (Context child = root.child()) {
                a = Activations.square(child.dual(x.value(), x.tangent()));
                b = Activations.exp(a);
                assertSame(child, a.context(), "an op's result lives in the innermost context of its inputs");
                child.keep(b);
            }
            assertThrows(IllegalStateException.class, () -> a.tangent().storage(), "a tangent nobody kept is released");
            assertFalse(b.tangent().storage().isReleased(), "the kept tangent survives");
            assertFalse(x.tangent().storage().isReleased(), "input tangents are the parent's");
            assertFalse(a.value().storage().isReleased(), "a recording child hands its values to the tape's context");
            assertSame(root, b.context(), "a kept value belongs to the parent");
            assertThrows(IllegalStateException.class, () -> Activations.exp(a), "a value of a closed context cannot be used");
        }
    }

    @Test void aTapeFreeChildReleasesItsValuesExceptTheKeptOnes() {
        try (Context root = Context.open(be, Context.Tape.RECORD)) {
            Var x = root.constant(Host.upload(root, new float[]{1, 2, 3}, 3));
            Var a, b;
            try (Context child = root.child(Context.Tape.OFF)) {
                a = Activations.square(x);
                a = Activations.square(child.constant(a.value()));
                b = Activations.exp(a);
                child.keep(b);
            }
            Var gone = a;
            assertThrows(IllegalStateException.class, () -> gone.value().storage());
            assertArrayEquals(new float[]{(float) Math.exp(1), (float) Math.exp(16), (float) Math.exp(81)}, Host.floats(b.value()), 1e-2f);
            assertThrows(IllegalStateException.class, () -> root.child(Context.Tape.OFF).child(Context.Tape.RECORD),
                    "a tape-free context cannot open one that records");
        }
    }

    @Test void keepValueDropsTheTangentAndKeepsTheTapeNode() {
        try (Context root = Context.open(be, Context.Tape.RECORD)) {
            Var w = root.input(Host.upload(root, new float[]{2}, 1));
            Var u;
            Tensor du;
            try (Context dual = root.child()) {
                Var out = Arithmetic.mul(dual.dual(Host.upload(dual, new float[]{3}, 1), Host.upload(dual, new float[]{1}, 1)), w);
                du = out.tangent();
                u = dual.keepValue(out);
                assertFalse(u.hasTangent());
            }
            assertThrows(IllegalStateException.class, du::storage, "the tangent went with the dual forward's context");
            Autodiff.backward(u);
            assertArrayEquals(new float[]{3}, Host.floats(w.grad()), "the gradient still flows through the kept value");
        }
    }

    @Test void backwardAddsIntoGradientSinksAndReleasesIntermediateCotangents() {
        try (Context root = Context.open(be, Context.Tape.RECORD)) {
            Tensor buffer = root.zeros(Shape.of(2, 3));
            Tensor wv = Host.upload(root, new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
            Var x = root.constant(Host.upload(root, new float[]{1, -1, 2, 0.5f, 3, 1}, 2, 3));
            for (int pass = 1; pass <= 2; pass++) {
                try (Context step = root.child()) {
                    Var w = step.parameter(wv, () -> buffer);
                    Var h = Matmul.matmul(x, false, w, true);           // [2, 2]
                    Var y = Activations.silu(Arithmetic.add(h, h));      // h's cotangent is summed from two uses
                    Var loss = Reductions.sumAll(y);
                    Tensor seed = step.full(Shape.of(1), 1);
                    int before = step.ownedCount();
                    Autodiff.backward(loss, seed);
                    assertEquals(before, step.ownedCount(), "the backward pass leaves no cotangent behind");
                }
            }
            float[] twice = Host.floats(buffer);
            try (Context once = root.child()) {
                Tensor single = once.zeros(Shape.of(2, 3));
                Var w = once.parameter(wv, () -> single);
                Autodiff.backward(Reductions.sumAll(Activations.silu(Arithmetic.add(Matmul.matmul(x, false, w, true), Matmul.matmul(x, false, w, true)))));
                float[] one = Host.floats(single);
                for (int i = 0; i < one.length; i++) assertTrue(Math.abs(twice[i] - 2 * one[i]) <= 1e-5f * Math.abs(one[i]) + 1e-6f,
                        "two passes accumulate (+=) into the sink: " + twice[i] + " vs 2·" + one[i]);
            }
        }
    }

    @Test void aProductAddsItsWeightGradientToWhatTheBufferHeld() {
        try (Context root = Context.open(be, Context.Tape.RECORD)) {
            Tensor buffer = Host.upload(root, new float[]{10, 11, 12, 13, 14, 15}, 2, 3);
            Var x = root.constant(Host.upload(root, new float[]{1, -1, 2, 0.5f, 3, 1}, 2, 3));
            Var w = root.parameter(Host.upload(root, new float[]{1, 2, 3, 4, 5, 6}, 2, 3), () -> buffer);
            Autodiff.backward(Reductions.sumAll(Matmul.matmul(x, false, w, true)));
            // d/dW[j][k] of sum(x·Wᵀ) is column k's sum of x: 1.5, 2, 3 for both rows of W
            assertArrayEquals(new float[]{11.5f, 13, 15, 14.5f, 16, 18}, Host.floats(buffer), 1e-6f);
        }
    }
}
