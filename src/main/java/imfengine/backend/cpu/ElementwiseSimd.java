package imfengine.backend.cpu;

import imfengine.backend.BinaryOp;
import imfengine.backend.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API versions of {@link CpuElementwise}'s loops; the tails fall back to the scalar code. */
final class ElementwiseSimd {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    private ElementwiseSimd() {}

    static void unary(UnaryOp op, float[] x, float[] out, int from, int to) {
        int i = from, end = from + S.loopBound(to - from);
        for (; i < end; i += S.length()) unary(op, FloatVector.fromArray(S, x, i)).intoArray(out, i);
        CpuElementwise.unaryScalar(op, x, out, i, to);
    }

    static FloatVector unary(UnaryOp op, FloatVector v) {
        return switch (op) {
            case EXP -> v.lanewise(VectorOperators.EXP);
            case SILU -> v.div(v.neg().lanewise(VectorOperators.EXP).add(1f));
            case SIGMOID -> ONE.div(v.neg().lanewise(VectorOperators.EXP).add(1f));
            case SQUARE -> v.mul(v);
            case RSQRT -> ONE.div(v.lanewise(VectorOperators.SQRT));
            case NEG -> v.neg();
        };
    }

    static void unaryDerivative(UnaryOp op, float[] x, float[] y, float[] g, float[] out, int from, int to) {
        int i = from, end = from + S.loopBound(to - from);
        for (; i < end; i += S.length()) {
            FloatVector gv = FloatVector.fromArray(S, g, i);
            FloatVector r = switch (op) {
                case EXP -> gv.mul(FloatVector.fromArray(S, y, i));
                case SILU -> {
                    FloatVector xv = FloatVector.fromArray(S, x, i);
                    FloatVector s = ONE.div(xv.neg().lanewise(VectorOperators.EXP).add(1f));
                    yield gv.mul(s).mul(xv.mul(s.neg().add(1f)).add(1f));
                }
                case SIGMOID -> {
                    FloatVector yv = FloatVector.fromArray(S, y, i);
                    yield gv.mul(yv).mul(yv.neg().add(1f));
                }
                case SQUARE -> gv.mul(FloatVector.fromArray(S, x, i)).mul(2f);
                case RSQRT -> {
                    FloatVector yv = FloatVector.fromArray(S, y, i);
                    yield gv.mul(-0.5f).mul(yv).mul(yv).mul(yv);
                }
                case NEG -> gv.neg();
            };
            r.intoArray(out, i);
        }
        CpuElementwise.unaryDerivativeScalar(op, x, y, g, out, i, to);
    }

    static void binaryVV(BinaryOp op, float[] a, float[] b, int bOff, float[] out, int off, int len) {
        int t = 0, end = S.loopBound(len);
        for (; t < end; t += S.length()) {
            FloatVector av = FloatVector.fromArray(S, a, off + t), bv = FloatVector.fromArray(S, b, bOff + t);
            apply(op, av, bv).intoArray(out, off + t);
        }
        CpuElementwise.binaryVV(op, a, b, bOff + t, out, off + t, len - t);
    }

    static void binaryVS(BinaryOp op, float[] a, float bs, float[] out, int off, int len) {
        FloatVector bv = FloatVector.broadcast(S, bs);
        int t = 0, end = S.loopBound(len);
        for (; t < end; t += S.length()) apply(op, FloatVector.fromArray(S, a, off + t), bv).intoArray(out, off + t);
        CpuElementwise.binaryVS(op, a, bs, out, off + t, len - t);
    }

    private static FloatVector apply(BinaryOp op, FloatVector a, FloatVector b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
        };
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
