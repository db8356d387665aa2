package imfengine.backend.cpu;

import imfengine.backend.BinaryOp;
import imfengine.backend.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API versions of {@link CpuElementwise}'s loops (same offset conventions); tails fall back to the scalar code. */
final class ElementwiseSimd {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f),
            TWO = FloatVector.broadcast(S, 2f), MINUS_HALF = FloatVector.broadcast(S, -0.5f);

    private ElementwiseSimd() {}

    static void unary(UnaryOp op, float[] x, int xo, float[] out, int oo, int from, int to) {
        int end = from + S.loopBound(to - from), n = S.length();
        // one loop per op: a switch inside the loop merges vectors and can leave them boxed (see AttentionSimd.store4).
        // The exp-based loops are methods of their own: inlined all into this one, they took C2 past its node-count
        // cutoff, and VectorMath.exp, left a call, boxed its vectors. LOG stays scalar (Math.log gives the same bits
        // in every JIT tier; the vector LOG does not), and it only ever sees per-example tensors.
        int i = from;
        switch (op) {
            case EXP -> i = expLoop(x, xo, out, oo, from, end);
            case SILU -> i = siluLoop(x, xo, out, oo, from, end);
            case SIGMOID -> i = sigmoidLoop(x, xo, out, oo, from, end);
            case SQUARE -> { for (; i < end; i += n) { FloatVector v = FloatVector.fromArray(S, x, xo + i); v.mul(v).intoArray(out, oo + i); } }
            case RSQRT -> { for (; i < end; i += n) ONE.div(FloatVector.fromArray(S, x, xo + i).lanewise(VectorOperators.SQRT)).intoArray(out, oo + i); }
            case NEG -> { for (; i < end; i += n) FloatVector.fromArray(S, x, xo + i).neg().intoArray(out, oo + i); }
            case LOG -> { }
        }
        CpuElementwise.unaryScalar(op, x, xo, out, oo, i, to);
    }

    /** Each returns where it stopped (the scalar tail starts there). */
    private static int expLoop(float[] x, int xo, float[] out, int oo, int from, int end) {
        int i = from;
        for (; i < end; i += S.length()) VectorMath.exp(FloatVector.fromArray(S, x, xo + i)).intoArray(out, oo + i);
        return i;
    }

    private static int siluLoop(float[] x, int xo, float[] out, int oo, int from, int end) {
        int i = from;
        for (; i < end; i += S.length()) silu(FloatVector.fromArray(S, x, xo + i)).intoArray(out, oo + i);
        return i;
    }

    private static int sigmoidLoop(float[] x, int xo, float[] out, int oo, int from, int end) {
        int i = from;
        for (; i < end; i += S.length()) sigmoid(FloatVector.fromArray(S, x, xo + i)).intoArray(out, oo + i);
        return i;
    }

    /** {@code 1 / (1 + e^−v)}; SwigluSimd's gate uses it too. */
    static FloatVector sigmoid(FloatVector v) { return ONE.div(VectorMath.exp(v.neg()).add(ONE)); }

    private static FloatVector silu(FloatVector v) { return v.div(VectorMath.exp(v.neg()).add(ONE)); }

    static void unaryDerivative(UnaryOp op, float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int from, int to) {
        int i = from, end = from + S.loopBound(to - from), n = S.length();
        switch (op) {
            case EXP -> { for (; i < end; i += n) FloatVector.fromArray(S, g, go + i).mul(FloatVector.fromArray(S, y, yo + i)).intoArray(out, oo + i); }
            case SILU -> { for (; i < end; i += n) siluDerivative(FloatVector.fromArray(S, x, xo + i), FloatVector.fromArray(S, g, go + i)).intoArray(out, oo + i); }
            case SIGMOID -> { for (; i < end; i += n) sigmoidDerivative(FloatVector.fromArray(S, y, yo + i), FloatVector.fromArray(S, g, go + i)).intoArray(out, oo + i); }
            case SQUARE -> { for (; i < end; i += n) FloatVector.fromArray(S, g, go + i).mul(FloatVector.fromArray(S, x, xo + i)).mul(TWO).intoArray(out, oo + i); }
            case RSQRT -> { for (; i < end; i += n) rsqrtDerivative(FloatVector.fromArray(S, y, yo + i), FloatVector.fromArray(S, g, go + i)).intoArray(out, oo + i); }
            case NEG -> { for (; i < end; i += n) FloatVector.fromArray(S, g, go + i).neg().intoArray(out, oo + i); }
            case LOG -> { for (; i < end; i += n) FloatVector.fromArray(S, g, go + i).div(FloatVector.fromArray(S, x, xo + i)).intoArray(out, oo + i); }
        }
        CpuElementwise.unaryDerivativeScalar(op, x, xo, y, yo, g, go, out, oo, i, to);
    }

    /** {@code g·s·(1 + x·(1 − s))}, {@code s = σ(x)}. */
    private static FloatVector siluDerivative(FloatVector x, FloatVector g) {
        FloatVector s = sigmoid(x);
        return g.mul(s).mul(x.mul(ONE.sub(s)).add(ONE));
    }

    /** {@code g·y·(1 − y)}, {@code y = σ(x)}. */
    private static FloatVector sigmoidDerivative(FloatVector y, FloatVector g) { return g.mul(y).mul(ONE.sub(y)); }

    /** {@code −g·y³/2}, {@code y = 1/√x}. */
    private static FloatVector rsqrtDerivative(FloatVector y, FloatVector g) { return g.mul(MINUS_HALF).mul(y).mul(y).mul(y); }

    /** {@code out[oo + t] = a[ao + t] ∘ b[bo + t]} for {@code t < len}. */
    static void binaryVV(BinaryOp op, float[] a, int ao, float[] b, int bo, float[] out, int oo, int len) {
        int t = 0, end = S.loopBound(len), n = S.length();
        switch (op) {
            case ADD -> { for (; t < end; t += n) FloatVector.fromArray(S, a, ao + t).add(FloatVector.fromArray(S, b, bo + t)).intoArray(out, oo + t); }
            case SUB -> { for (; t < end; t += n) FloatVector.fromArray(S, a, ao + t).sub(FloatVector.fromArray(S, b, bo + t)).intoArray(out, oo + t); }
            case MUL -> { for (; t < end; t += n) FloatVector.fromArray(S, a, ao + t).mul(FloatVector.fromArray(S, b, bo + t)).intoArray(out, oo + t); }
            case DIV -> { for (; t < end; t += n) FloatVector.fromArray(S, a, ao + t).div(FloatVector.fromArray(S, b, bo + t)).intoArray(out, oo + t); }
            case MAX, MIN, LESS -> { } // masks and clamps of a few values per example: the scalar loop below
        }
        CpuElementwise.binaryVV(op, a, ao + t, b, bo + t, out, oo + t, len - t);
    }

    /** {@code out[oo + t] = a[ao + t] ∘ bs} for {@code t < len}. */
    static void binaryVS(BinaryOp op, float[] a, int ao, float bs, float[] out, int oo, int len) {
        FloatVector bv = FloatVector.broadcast(S, bs);
        int t = 0, end = S.loopBound(len), n = S.length();
        switch (op) {
            case ADD -> { for (; t < end; t += n) FloatVector.fromArray(S, a, ao + t).add(bv).intoArray(out, oo + t); }
            case SUB -> { for (; t < end; t += n) FloatVector.fromArray(S, a, ao + t).sub(bv).intoArray(out, oo + t); }
            case MUL -> { for (; t < end; t += n) FloatVector.fromArray(S, a, ao + t).mul(bv).intoArray(out, oo + t); }
            case DIV -> { for (; t < end; t += n) FloatVector.fromArray(S, a, ao + t).div(bv).intoArray(out, oo + t); }
            case MAX, MIN, LESS -> { }
        }
        CpuElementwise.binaryVS(op, a, ao + t, bs, out, oo + t, len - t);
    }

    static void axpby(float alpha, float[] x, int xo, float beta, float[] y, int yo, float[] out, int oo, int from, int to) {
        int i = from, end = from + S.loopBound(to - from);
        if (y == null || beta == 0f) {
            for (; i < end; i += S.length()) FloatVector.fromArray(S, x, xo + i).mul(alpha).intoArray(out, oo + i);
        } else {
            for (; i < end; i += S.length())
                FloatVector.fromArray(S, y, yo + i).mul(beta).add(FloatVector.fromArray(S, x, xo + i).mul(alpha)).intoArray(out, oo + i);
        }
        CpuElementwise.axpbyScalar(alpha, x, xo, beta, y, yo, out, oo, i, to);
    }
}
