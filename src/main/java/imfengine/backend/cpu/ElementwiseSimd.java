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
        // one loop per op: a switch inside the loop merges vectors in a phi, which C2 can leave boxed.
        // LOG stays scalar (Math.log gives the same bits in every JIT tier; the vector LOG does not), and it
        // only ever sees per-example tensors.
        int i = from;
        switch (op) {
            case EXP -> { VectorMath.exp(x, xo + from, 1f, out, oo + from, end - from); i = end; }
            case SILU -> i = siluLoop(x, xo, out, oo, from, end);
            case SIGMOID -> i = sigmoidLoop(x, xo, out, oo, from, end);
            case SQUARE -> { for (; i < end; i += n) { FloatVector v = FloatVector.fromArray(S, x, xo + i); v.mul(v).intoArray(out, oo + i); } }
            case RSQRT -> { for (; i < end; i += n) ONE.div(FloatVector.fromArray(S, x, xo + i).lanewise(VectorOperators.SQRT)).intoArray(out, oo + i); }
            case NEG -> { for (; i < end; i += n) FloatVector.fromArray(S, x, xo + i).neg().intoArray(out, oo + i); }
            case LOG -> { }
        }
        if (i < to && (op == UnaryOp.EXP || op == UnaryOp.SILU || op == UnaryOp.SIGMOID)) expTail(op, x, xo, out, oo, i, to);
        else CpuElementwise.unaryScalar(op, x, xo, out, oo, i, to);
    }

    /** Per thread: six one-vector arrays for a tail's operands and results ({@link #tailArrays}). */
    private static final ThreadLocal<float[][]> TAIL = ThreadLocal.withInitial(() -> new float[6][S.length()]);

    /**
     * This thread's six one-vector arrays for a range's last values (fewer than a vector) of an exp-based loop: they run
     * through the same vector code on zero-padded copies ({@link #pad}). Math.exp's bits differ from
     * {@link VectorMath#exp}'s in the last place for some values, and where a range ends depends on the tensor's size,
     * so a scalar tail made an element's bits depend on the batch. SwiGLU's loops use them too.
     */
    static float[][] tailArrays() { return TAIL.get(); }

    /** {@code dst} holding {@code src[from, from + len)} and zeros after it. */
    static float[] pad(float[] dst, float[] src, int from, int len) {
        java.util.Arrays.fill(dst, len, dst.length, 0f);
        System.arraycopy(src, from, dst, 0, len);
        return dst;
    }

    /** The last {@code to − from} values of an exp-based op through the vector code ({@link #tailArrays}). */
    private static void expTail(UnaryOp op, float[] x, int xo, float[] out, int oo, int from, int to) {
        float[][] t = tailArrays();
        unary(op, pad(t[0], x, xo + from, to - from), 0, t[1], 0, 0, S.length());
        System.arraycopy(t[1], 0, out, oo + from, to - from);
    }

    /**
     * The exp-based loops work in chunks of {@code CHUNK} values: {@code e^−x} of a chunk into a scratch array
     * ({@link VectorMath#exp}), then the op's arithmetic. A vector-taking exp inlined into every loop was left
     * out of line by C2 in some JVMs and boxed its vectors (see {@link VectorMath}). Each returns where it
     * stopped (the scalar tail starts there); {@code out} may be {@code x}.
     */
    static final int CHUNK = 256;
    /** Each thread's chunk of {@code e^−x} (a new array per call added ~12 MiB of garbage per xs step). */
    private static final ThreadLocal<float[]> CHUNK_SCRATCH = ThreadLocal.withInitial(() -> new float[CHUNK]);

    /** This thread's {@link #CHUNK}-float scratch; a loop uses it only between its own calls. */
    static float[] chunkScratch() { return CHUNK_SCRATCH.get(); }

    private static int siluLoop(float[] x, int xo, float[] out, int oo, int from, int end) {
        float[] e = chunkScratch();
        for (int c = from; c < end; c += CHUNK) {
            int len = Math.min(CHUNK, end - c);
            VectorMath.exp(x, xo + c, -1f, e, 0, len);
            for (int i = 0; i < len; i += S.length())
                FloatVector.fromArray(S, x, xo + c + i).div(FloatVector.fromArray(S, e, i).add(ONE)).intoArray(out, oo + c + i);
        }
        return end;
    }

    private static int sigmoidLoop(float[] x, int xo, float[] out, int oo, int from, int end) {
        float[] e = chunkScratch();
        for (int c = from; c < end; c += CHUNK) {
            int len = Math.min(CHUNK, end - c);
            VectorMath.exp(x, xo + c, -1f, e, 0, len);
            for (int i = 0; i < len; i += S.length()) ONE.div(FloatVector.fromArray(S, e, i).add(ONE)).intoArray(out, oo + c + i);
        }
        return end;
    }

    static void unaryDerivative(UnaryOp op, float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int from, int to) {
        int i = from, end = from + S.loopBound(to - from), n = S.length();
        switch (op) {
            case EXP -> { for (; i < end; i += n) FloatVector.fromArray(S, g, go + i).mul(FloatVector.fromArray(S, y, yo + i)).intoArray(out, oo + i); }
            case SILU -> i = siluDerivativeLoop(x, xo, g, go, out, oo, from, end);
            case SIGMOID -> {  // g·y·(1 − y), y = σ(x)
                for (; i < end; i += n) {
                    FloatVector yv = FloatVector.fromArray(S, y, yo + i);
                    FloatVector.fromArray(S, g, go + i).mul(yv).mul(ONE.sub(yv)).intoArray(out, oo + i);
                }
            }
            case SQUARE -> { for (; i < end; i += n) FloatVector.fromArray(S, g, go + i).mul(FloatVector.fromArray(S, x, xo + i)).mul(TWO).intoArray(out, oo + i); }
            case RSQRT -> {    // −g·y³/2, y = 1/√x
                for (; i < end; i += n) {
                    FloatVector yv = FloatVector.fromArray(S, y, yo + i);
                    FloatVector.fromArray(S, g, go + i).mul(MINUS_HALF).mul(yv).mul(yv).mul(yv).intoArray(out, oo + i);
                }
            }
            case NEG -> { for (; i < end; i += n) FloatVector.fromArray(S, g, go + i).neg().intoArray(out, oo + i); }
            case LOG -> { for (; i < end; i += n) FloatVector.fromArray(S, g, go + i).div(FloatVector.fromArray(S, x, xo + i)).intoArray(out, oo + i); }
        }
        if (i < to && op == UnaryOp.SILU) { // exp-based: through the vector code ({@link #tailArrays})
            float[][] t = tailArrays();
            siluDerivativeLoop(pad(t[0], x, xo + i, to - i), 0, pad(t[1], g, go + i, to - i), 0, t[2], 0, 0, S.length());
            System.arraycopy(t[2], 0, out, oo + i, to - i);
        } else CpuElementwise.unaryDerivativeScalar(op, x, xo, y, yo, g, go, out, oo, i, to);
    }

    /** {@code g·s·(1 + x·(1 − s))}, {@code s = σ(x)}, in chunks (see {@link #CHUNK}). */
    private static int siluDerivativeLoop(float[] x, int xo, float[] g, int go, float[] out, int oo, int from, int end) {
        float[] e = chunkScratch();
        for (int c = from; c < end; c += CHUNK) {
            int len = Math.min(CHUNK, end - c);
            VectorMath.exp(x, xo + c, -1f, e, 0, len);
            for (int i = 0; i < len; i += S.length()) {
                FloatVector xv = FloatVector.fromArray(S, x, xo + c + i), s = ONE.div(FloatVector.fromArray(S, e, i).add(ONE));
                FloatVector.fromArray(S, g, go + c + i).mul(s).mul(xv.mul(ONE.sub(s)).add(ONE)).intoArray(out, oo + c + i);
            }
        }
        return end;
    }

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
