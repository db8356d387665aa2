package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.backend.Broadcast;
import imfengine.tensor.Arena;
import imfengine.tensor.Tensor;

/**
 * add, sub, mul, div with {@code b} broadcast over {@code a} (a vector along rows, a per-example
 * scalar, or equal shapes; see {@link Broadcast}), and scale. Forward, JVP and VJP side by side.
 */
public final class Arithmetic {
    private Arithmetic() {}

    /** {@code a + b}. JVP {@code ta + tb}; VJP {@code da = g, db = Σ_bcast g}. */
    public static Var add(Var a, Var b) {
        Context cx = Var.contextOf(a, b);
        Tensor y = Untaped.add(cx, a.value(), b.value());
        Tensor ty = Untaped.addNullable(cx.tangents(), a.tangent(), expandTangent(cx.tangents(), b, a));
        return Var.result(cx, Op.ADD, y, ty, (arena, g, needs) -> new Tensor[]{
                needs[0] ? g : null,
                needs[1] ? Untaped.reduceTo(arena, g, b.shape()) : null}, a, b);
    }

    /** {@code a − b}. JVP {@code ta − tb}; VJP {@code da = g, db = −Σ_bcast g}. */
    public static Var sub(Var a, Var b) {
        Context cx = Var.contextOf(a, b);
        Arena tangents = cx.tangents();
        Tensor y = Untaped.sub(cx, a.value(), b.value());
        Tensor tb = expandTangent(tangents, b, a);
        Tensor ty = a.tangent() == null ? (tb == null ? null : Untaped.scale(tangents, tb, -1f))
                : (tb == null ? a.tangent() : Untaped.sub(tangents, a.tangent(), tb));
        return Var.result(cx, Op.SUB, y, ty, (arena, g, needs) -> new Tensor[]{
                needs[0] ? g : null,
                needs[1] ? Untaped.scale(arena, Untaped.reduceTo(arena, g, b.shape()), -1f) : null}, a, b);
    }

    /** {@code a ⊙ b}. JVP {@code ta·b + a·tb}; VJP {@code da = g·b, db = Σ_bcast g·a}. */
    public static Var mul(Var a, Var b) {
        Context cx = Var.contextOf(a, b);
        Arena tangents = cx.tangents();
        Tensor y = Untaped.mul(cx, a.value(), b.value());
        Tensor ty = Untaped.addNullable(tangents,
                a.tangent() == null ? null : Untaped.mul(tangents, a.tangent(), b.value()),
                b.tangent() == null ? null : Untaped.mul(tangents, a.value(), Untaped.expand(tangents, b.tangent(), a.shape())));
        return Var.result(cx, Op.MUL, y, ty, (arena, g, needs) -> new Tensor[]{
                needs[0] ? Untaped.mul(arena, g, b.value()) : null,
                needs[1] ? Untaped.reduceTo(arena, Untaped.mul(arena, g, a.value()), b.shape()) : null}, a, b);
    }

    /** {@code a / b}. JVP {@code (ta − y·tb)/b}; VJP {@code da = g/b, db = −Σ_bcast g·y/b}. */
    public static Var div(Var a, Var b) {
        Context cx = Var.contextOf(a, b);
        Arena tangents = cx.tangents();
        Tensor y = Untaped.div(cx, a.value(), b.value());
        Tensor ty = null;
        if (a.hasTangent() || b.hasTangent()) {
            Tensor num = a.tangent();
            if (b.hasTangent()) {
                Tensor ytb = Untaped.mul(tangents, y, Untaped.expand(tangents, b.tangent(), a.shape()));
                num = num == null ? Untaped.scale(tangents, ytb, -1f) : Untaped.sub(tangents, num, ytb);
            }
            ty = Untaped.div(tangents, num, b.value());
        }
        return Var.result(cx, Op.DIV, y, ty, (arena, g, needs) -> {
            Tensor ga = Untaped.div(arena, g, b.value());
            return new Tensor[]{
                    needs[0] ? ga : null,
                    needs[1] ? Untaped.scale(arena, Untaped.reduceTo(arena, Untaped.mul(arena, ga, y), b.shape()), -1f) : null};
        }, a, b);
    }

    /** {@code alpha·x}. */
    public static Var scale(Var x, float alpha) {
        Context cx = Var.contextOf(x);
        Tensor y = Untaped.scale(cx, x.value(), alpha);
        Tensor ty = x.hasTangent() ? Untaped.scale(cx.tangents(), x.tangent(), alpha) : null;
        return Var.result(cx, Op.SCALE, y, ty, (arena, g, needs) -> new Tensor[]{Untaped.scale(arena, g, alpha)}, x);
    }

    /** {@code b}'s tangent broadcast to {@code a}'s shape, or null. */
    private static Tensor expandTangent(Arena tangents, Var b, Var a) {
        return b.hasTangent() ? Untaped.expand(tangents, b.tangent(), a.shape()) : null;
    }
}
