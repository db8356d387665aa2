package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.tensor.Arena;
import imfengine.tensor.Tensor;

/**
 * The gated residual of a pre-norm block, {@code y = x + branch ⊙ gate} with {@code gate [n]} along the rows,
 * fused: one pass forward and one backward where {@code add(x, mul(branch, gate))} takes two each way and a
 * column sum. The values are those of the unfused ops (the product is rounded before the add).
 * <pre>
 *   JVP  ty = tx + tbranch ⊙ gate + branch ⊙ tgate
 *   VJP  dx = g,   dbranch = g ⊙ gate,   dgate = Σ_rows g ⊙ branch
 * </pre>
 */
public final class GatedResidual {
    private GatedResidual() {}

    public static Var apply(Var x, Var branch, Var gate) {
        if (!x.shape().equals(branch.shape()))
            throw new IllegalArgumentException("gated residual: x " + x.shape() + " and branch " + branch.shape() + " must have the same shape");
        if (gate.shape().rank() != 1 || gate.shape().last() != x.shape().last())
            throw new IllegalArgumentException("gated residual: gate " + gate.shape() + " must be a vector as long as the last axis of " + x.shape());
        Context cx = Var.contextOf(x, branch, gate);
        Backend be = cx.backend();
        Tensor y = cx.empty(x.shape());
        be.gatedResidual(x.value(), branch.value(), gate.value(), y);
        return Var.result(cx, Op.GATED_RESIDUAL, y, tangent(cx.tangents(), be, x, branch, gate), (arena, g, needs) -> {
            if (!needs[1] && !needs[2]) return new Tensor[]{needs[0] ? g : null, null, null};
            Tensor dBranch = arena.empty(branch.shape()), dGate = arena.empty(gate.shape());
            be.gatedResidualBackward(g, branch.value(), gate.value(), dBranch, dGate);
            return new Tensor[]{needs[0] ? g : null, needs[1] ? dBranch : null, needs[2] ? dGate : null};
        }, x, branch, gate);
    }

    /** {@code tx + tbranch ⊙ gate + branch ⊙ tgate}, absent tangents counting as zero; null when all are. */
    private static Tensor tangent(Arena tangents, Backend be, Var x, Var branch, Var gate) {
        Tensor ty;
        if (x.hasTangent() && branch.hasTangent()) {
            ty = tangents.empty(x.shape());
            be.gatedResidual(x.tangent(), branch.tangent(), gate.value(), ty);
        } else if (branch.hasTangent()) {
            ty = Untaped.mul(tangents, branch.tangent(), gate.value());
        } else {
            ty = x.tangent();
        }
        if (!gate.hasTangent()) return ty;
        Tensor fromGate = Untaped.mul(tangents, branch.value(), gate.tangent());
        return ty == null ? fromGate : Untaped.add(tangents, ty, fromGate);
    }
}
