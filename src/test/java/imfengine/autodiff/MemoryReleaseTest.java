package imfengine.autodiff;

import imfengine.backend.cpu.CpuBackend;
import imfengine.ops.Activations;
import imfengine.ops.Arithmetic;
import imfengine.ops.Matmul;
import imfengine.ops.Reductions;
import imfengine.tensor.MemoryScope;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Early release of memory a step no longer needs: tangents after a dual forward, cotangents during backward. */
class MemoryReleaseTest {
    final CpuBackend be = new CpuBackend(1, false);

    @Test void tangentLogReleasesAllButKeptTangents() {
        try (MemoryScope s = MemoryScope.open()) {
            Var x = Var.dual(be.fromArray(new float[]{1, 2, 3}, Shape.of(3)), be.fromArray(new float[]{1, 1, 1}, Shape.of(3)));
            Var a, b;
            try (TangentLog log = TangentLog.open()) {
                a = Activations.square(x);
                b = Activations.exp(a);
                log.releaseExcept(b.tangent());
            }
            assertThrows(IllegalStateException.class, () -> a.tangent().storage());
            assertFalse(b.tangent().storage().isReleased(), "kept tangent survives");
            assertFalse(x.tangent().storage().isReleased(), "input tangents are the caller's");
            assertFalse(a.value().storage().isReleased(), "primal values are untouched");
        }
    }

    @Test void backwardReleasesIntermediateCotangentsButNotParameterGradients() {
        try (MemoryScope s = MemoryScope.open()) {
            Var w = Var.parameter(be.fromArray(new float[]{1, 2, 3, 4, 5, 6}, Shape.of(2, 3)));
            Var x = Var.constant(be.fromArray(new float[]{1, -1, 2, 0.5f, 3, 1}, Shape.of(2, 3)));
            Var h = Matmul.matmul(x, false, w, true);           // [2, 2]
            Var y = Activations.silu(Arithmetic.add(h, h));      // h's cotangent is summed from two uses
            Var loss = Reductions.sumAll(y);
            Autodiff.backward(loss);
            Tensor g = w.grad();
            assertFalse(g.storage().isReleased(), "parameter gradients stay for the optimizer");
            assertTrue(g.size() == 6);
        }
    }
}
