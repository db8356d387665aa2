package imfengine.backend.cpu;

import imfengine.backend.BinaryOp;
import imfengine.backend.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API versions of {@link CpuElementwise}'s loops; the tails fall back to the scalar code. */
final class ElementwiseSimd {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f), TWO = FloatVector.broadcast(S, 2f),
            MINUS_HALF = FloatVector.broadcast(S, -0.5f);

    private ElementwiseSimd() {}

    static void unary(UnaryOp op, float[] x, float[] out, int from, int to) {
        int end = from + S.loopBound(to - from);
        // one loop per op: a switch inside the loop merges vectors and can leave them boxed (see AttentionSimd.store4).
        // The exp-based loops are methods of their own: inlined all into this one, they took C2 past its node-count
        // cutoff, and VectorMath.exp, left a call, boxed its vectors.
        switch (op) {
            case EXP -> expLoop(x, out, from, end);
            case SILU -> siluLoop(x, out, from, end);
            case SIGMOID -> sigmoidLoop(x, out, from, end);
            case SQUARE -> { for (int i = from; i < end; i += S.length()) { FloatVector v = FloatVector.fromArray(S, x, i); v.mul(v).intoArray(out, i); } }
            case RSQRT -> { for (int i = from; i < end; i += S.length()) ONE.div(FloatVector.fromArray(S, x, i).lanewise(VectorOperators.SQRT)).intoArray(out, i); }
            case NEG -> { for (int i = from; i < end; i += S.length()) FloatVector.fromArray(S, x, i).neg().intoArray(out, i); }
        }
        CpuElementwise.unaryScalar(op, x, out, end, to);
    }

    private static void expLoop(float[] x, float[] out, int from, int end) {
        for (int i = from; i < end; i += S.length()) VectorMath.exp(FloatVector.fromArray(S, x, i)).intoArray(out, i);
    }

    private static void siluLoop(float[] x, float[] out, int from, int end) {
        for (int i = from; i < end; i += S.length()) silu(FloatVector.fromArray(S, x, i)).intoArray(out, i);
    }

    private static void sigmoidLoop(float[] x, float[] out, int from, int end) {
        for (int i = from; i < end; i += S.length()) sigmoid(FloatVector.fromArray(S, x, i)).intoArray(out, i);
    }

    /** {@code 1 / (1 + e^−v)}; SwigluSimd's gate uses it too. */
    static FloatVector sigmoid(FloatVector v) { return ONE.div(VectorMath.exp(v.neg()).add(ONE)); }

    private static FloatVector silu(FloatVector v) { return v.div(VectorMath.exp(v.neg()).add(ONE)); }

    static void unaryDerivative(UnaryOp op, float[] x, float[] y, float[] g, float[] out, int from, int to) {
        int i = from, end = from + S.loopBound(to - from), n = S.length();
        switch (op) {
            case EXP -> { for (; i < end; i += n) FloatVector.fromArray(S, g, i).mul(FloatVector.fromArray(S, y, i)).intoArray(out, i); }
            case SILU -> { for (; i < end; i += n) siluDerivative(FloatVector.fromArray(S, x, i), FloatVector.fromArray(S, g, i)).intoArray(out, i); }
            case SIGMOID -> { for (; i < end; i += n) sigmoidDerivative(FloatVector.fromArray(S, y, i), FloatVector.fromArray(S, g, i)).intoArray(out, i); }
            case SQUARE -> { for (; i < end; i += n) FloatVector.fromArray(S, g, i).mul(FloatVector.fromArray(S, x, i)).mul(TWO).intoArray(out, i); }
            case RSQRT -> { for (; i < end; i += n) rsqrtDerivative(FloatVector.fromArray(S, y, i), FloatVector.fromArray(S, g, i)).intoArray(out, i); }
            case NEG -> { for (; i < end; i += n) FloatVector.fromArray(S, g, i).neg().intoArray(out, i); }
        }
        CpuElementwise.unaryDerivativeScalar(op, x, y, g, out, i, to);
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

    static void binaryVV(BinaryOp op, float[] a, float[] b, int bOff, float[] out, int off, int len) {
        int t = 0, end = S.loopBound(len), n = S.length();
        switch (op) {
            case ADD -> { for (; t < end; t += n) FloatVector.fromArray(S, a, off + t).add(FloatVector.fromArray(S, b, bOff + t)).intoArray(out, off + t); }
            case SUB -> { for (; t < end; t += n) FloatVector.fromArray(S, a, off + t).sub(FloatVector.fromArray(S, b, bOff + t)).intoArray(out, off + t); }
            case MUL -> { for (; t < end; t += n) FloatVector.fromArray(S, a, off + t).mul(FloatVector.fromArray(S, b, bOff + t)).intoArray(out, off + t); }
            case DIV -> { for (; t < end; t += n) FloatVector.fromArray(S, a, off + t).div(FloatVector.fromArray(S, b, bOff + t)).intoArray(out, off + t); }
        }
        CpuElementwise.binaryVV(op, a, b, bOff + t, out, off + t, len - t);
    }

    static void binaryVS(BinaryOp op, float[] a, float bs, float[] out, int off, int len) {
        FloatVector bv = FloatVector.broadcast(S, bs);
        int t = 0, end = S.loopBound(len), n = S.length();
        switch (op) {
            case ADD -> { for (; t < end; t += n) FloatVector.fromArray(S, a, off + t).add(bv).intoArray(out, off + t); }
            case SUB -> { for (; t < end; t += n) FloatVector.fromArray(S, a, off + t).sub(bv).intoArray(out, off + t); }
            case MUL -> { for (; t < end; t += n) FloatVector.fromArray(S, a, off + t).mul(bv).intoArray(out, off + t); }
            case DIV -> { for (; t < end; t += n) FloatVector.fromArray(S, a, off + t).div(bv).intoArray(out, off + t); }
        }
        CpuElementwise.binaryVS(op, a, bs, out, off + t, len - t);
    }

    static void axpby(float alpha, float[] x, float beta, float[] y, float[] out, int from, int to) {
        int i = from, end = from + S.loopBound(to - from);
        if (y == null || beta == 0f) {
            for (; i < end; i += S.length()) FloatVector.fromArray(S, x, i).mul(alpha).intoArray(out, i);
        } else {
            for (; i < end; i += S.length())
                FloatVector.fromArray(S, y, i).mul(beta).add(FloatVector.fromArray(S, x, i).mul(alpha)).intoArray(out, i);
        }
        CpuElementwise.axpbyScalar(alpha, x, beta, y, out, i, to);
    }
}
