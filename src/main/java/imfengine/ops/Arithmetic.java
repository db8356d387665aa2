package imfengine.ops;

import imfengine.autodiff.Var;
import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.tensor.Tensor;

/**
 * add, sub, mul, div with {@code b} broadcast over {@code a} (a vector along rows, a per-example
 * scalar, or equal shapes; see {@link Broadcast}), and scale. Forward, JVP and VJP side by side.
 */
public final class Arithmetic {
    private Arithmetic() {}

    /** {@code a + b}. JVP {@code ta + tb}; VJP {@code da = g, db = Σ_bcast g}. */
    public static Var add(Var a, Var b) {
        Tensor y = Calc.add(a.value(), b.value());
        Tensor ty = Calc.addNullable(a.tangent(), expandTangent(b, a));
        return Var.result("add", y, ty, (g, needs) -> new Tensor[]{
                needs[0] ? g : null,
                needs[1] ? Calc.reduceTo(g, b.shape()) : null}, a, b);
    }

    /** {@code a − b}. JVP {@code ta − tb}; VJP {@code da = g, db = −Σ_bcast g}. */
    public static Var sub(Var a, Var b) {
        Tensor y = Calc.sub(a.value(), b.value());
        Tensor tb = expandTangent(b, a);
        Tensor ty = a.tangent() == null ? (tb == null ? null : Calc.scale(tb, -1f))
                : (tb == null ? a.tangent() : Calc.sub(a.tangent(), tb));
        return Var.result("sub", y, ty, (g, needs) -> new Tensor[]{
                needs[0] ? g : null,
                needs[1] ? Calc.scale(Calc.reduceTo(g, b.shape()), -1f) : null}, a, b);
    }

    /** {@code a ⊙ b}. JVP {@code ta·b + a·tb}; VJP {@code da = g·b, db = Σ_bcast g·a}. */
    public static Var mul(Var a, Var b) {
        Tensor y = Calc.mul(a.value(), b.value());
        Tensor ty = Calc.addNullable(
                a.tangent() == null ? null : Calc.mul(a.tangent(), b.value()),
                b.tangent() == null ? null : Calc.mul(a.value(), Calc.expand(b.tangent(), a.shape())));
        return Var.result("mul", y, ty, (g, needs) -> new Tensor[]{
                needs[0] ? Calc.mul(g, b.value()) : null,
                needs[1] ? Calc.reduceTo(Calc.mul(g, a.value()), b.shape()) : null}, a, b);
    }

    /** {@code a / b}. JVP {@code (ta − y·tb)/b}; VJP {@code da = g/b, db = −Σ_bcast g·y/b}. */
    public static Var div(Var a, Var b) {
        Tensor y = Calc.div(a.value(), b.value());
        Tensor ty = null;
        if (a.hasTangent() || b.hasTangent()) {
            Tensor num = a.tangent();
            if (b.hasTangent()) {
                Tensor ytb = Calc.mul(y, Calc.expand(b.tangent(), a.shape()));
                num = num == null ? Calc.scale(ytb, -1f) : Calc.sub(num, ytb);
            }
            ty = Calc.div(num, b.value());
        }
        return Var.result("div", y, ty, (g, needs) -> {
            Tensor ga = Calc.div(g, b.value());
            return new Tensor[]{
                    needs[0] ? ga : null,
                    needs[1] ? Calc.scale(Calc.reduceTo(Calc.mul(ga, y), b.shape()), -1f) : null};
        }, a, b);
    }

    /** {@code alpha·x}. */
    public static Var scale(Var x, float alpha) {
        Tensor y = Calc.scale(x.value(), alpha);
        Tensor ty = x.hasTangent() ? Calc.scale(x.tangent(), alpha) : null;
        return Var.result("scale", y, ty, (g, needs) -> new Tensor[]{Calc.scale(g, alpha)}, x);
    }

    /** {@code b}'s tangent broadcast to {@code a}'s shape, or null. */
    private static Tensor expandTangent(Var b, Var a) {
        return b.hasTangent() ? Calc.expand(b.tangent(), a.shape()) : null;
    }
}
