package imfengine.ops;

import imfengine.autodiff.Backward;
import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.backend.AttentionSpec;
import imfengine.backend.Backend;
import imfengine.tensor.Arena;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * Fused multi-head softmax attention on {@code q, k, v [B, L, H·Dh]} (heads interleaved in the
 * channel axis, as Linear projections write them): {@code o = softmax(q·kᵀ/√Dh)·v} per (batch, head).
 * <ul>
 *   <li>Forward: one online-softmax kernel; saves the row log-sum-exp {@code lse [B, H, L]}.</li>
 *   <li>JVP: when any input has a tangent, primal and tangent come from ONE
 *       {@link Backend#attentionDual} pass (missing tangents are zeros):
 *       {@code to_i = Σ_j P_ij(ds_ij·v_j + tv_j) − μ_i·o_i}, {@code ds_ij = scale·(tq_i·k_j + q_i·tk_j)},
 *       {@code μ_i = Σ_j P_ij·ds_ij}.</li>
 *   <li>VJP: {@link Backend#attentionBackward} recomputes {@code P} from {@code lse}; the saved state is
 *       only {@code q, k, v, o, lse} ({@link Saved}), never an {@code L×L} probability tensor.</li>
 * </ul>
 */
public final class Attention {
    private Attention() {}

    public static Var apply(Var q, Var k, Var v, int heads) {
        AttentionSpec spec = spec(q.shape(), k.shape(), v.shape(), heads);
        Context cx = Var.contextOf(q, k, v);
        Backend be = cx.backend();
        Tensor o = cx.empty(q.shape());
        Tensor lse = cx.empty(Shape.of(spec.batch(), spec.heads(), spec.length()));
        Tensor to = null;
        if (q.hasTangent() || k.hasTangent() || v.hasTangent()) {
            Arena tangents = cx.tangents();
            to = tangents.empty(q.shape());
            be.attentionDual(spec, q.value(), tangentOrZeros(tangents, q), k.value(), tangentOrZeros(tangents, k), v.value(),
                    tangentOrZeros(tangents, v), o, to, lse);
        } else {
            be.attention(spec, q.value(), k.value(), v.value(), o, lse);
        }
        return Var.result(cx, Op.ATTENTION, o, to, new Saved(spec, q.value(), k.value(), v.value(), o, lse), q, k, v);
    }

    /** What the VJP needs from the forward, and the VJP itself. */
    record Saved(AttentionSpec spec, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse) implements Backward {
        @Override public Tensor[] apply(Arena arena, Tensor dO, boolean[] needs) {
            Backend be = q.backend();
            Tensor dq = arena.empty(q.shape()), dk = arena.empty(k.shape()), dv = arena.empty(v.shape());
            be.attentionBackward(spec, q, k, v, o, lse, dO, dq, dk, dv);
            return new Tensor[]{needs[0] ? dq : null, needs[1] ? dk : null, needs[2] ? dv : null};
        }
    }

    /** Validates {@code q, k, v [B, L, H·Dh]} and returns the kernel geometry with scale {@code 1/√Dh}. */
    static AttentionSpec spec(Shape q, Shape k, Shape v, int heads) {
        if (q.rank() != 3)
            throw new IllegalArgumentException("attention: q " + q + " must have rank 3 [batch, length, heads·headDim]");
        if (!k.equals(q)) throw new IllegalArgumentException("attention: q " + q + " and k " + k + " differ");
        if (!v.equals(q)) throw new IllegalArgumentException("attention: q " + q + " and v " + v + " differ");
        int channels = q.dim(2);
        if (heads < 1 || channels % heads != 0)
            throw new IllegalArgumentException("attention: " + channels + " channels of q " + q + " are not divisible by "
                    + heads + " heads");
        int dh = channels / heads;
        return new AttentionSpec(q.dim(0), q.dim(1), heads, dh, (float) (1.0 / Math.sqrt(dh)));
    }

    private static Tensor tangentOrZeros(Arena tangents, Var x) {
        return x.hasTangent() ? x.tangent() : tangents.zeros(x.shape());
    }
}
