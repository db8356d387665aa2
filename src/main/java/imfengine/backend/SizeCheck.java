package imfengine.backend;

import imfengine.tensor.DType;
import imfengine.tensor.Tensor;

/** Argument checks shared by the backends' kernel entry points. */
public final class SizeCheck {
    private SizeCheck() {}

    /** Throws, naming the op and both shapes, unless {@code a} and {@code b} have the same element count. */
    public static void requireSameSize(String op, Tensor a, Tensor b) {
        if (a.size() != b.size())
            throw new IllegalArgumentException(op + ": size mismatch between " + a.shape() + " and " + b.shape());
    }

    /** Throws, naming the op, unless {@code t} has dtype {@code want}. */
    public static void requireDType(String op, Tensor t, DType want) {
        if (t.dtype() != want) throw new IllegalArgumentException(op + ": expected a " + want + " tensor, got " + t);
    }

    /** Throws unless {@code a} and {@code b} have the same dtype. */
    public static void requireSameDType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) throw new IllegalArgumentException(op + ": dtypes differ: " + a + " and " + b);
    }

    /** Throws unless a host array of {@code length} values matches {@code t}'s element count. */
    public static void requireHostLength(String op, int length, Tensor t) {
        if (length != t.size()) throw new IllegalArgumentException(op + ": " + length + " host values for " + t);
    }

    /** Throws unless {@code a}, {@code b} and {@code out} have the same size and {@code gate} is as long as their last axis. */
    public static void requireGatedResidual(String op, Tensor a, Tensor b, Tensor gate, Tensor out) {
        requireSameSize(op, a, b);
        requireSameSize(op, a, out);
        if (gate.size() != a.shape().last())
            throw new IllegalArgumentException(op + ": gate " + gate.shape() + " does not match the last axis of " + a.shape());
    }

    /** {@link #requireGatedResidual} for the backward pass's operands, and {@code dGate} as long as {@code gate}. */
    public static void requireGatedResidualBackward(String op, Tensor dy, Tensor branch, Tensor gate, Tensor dBranch, Tensor dGate) {
        requireGatedResidual(op, dy, branch, gate, dBranch);
        requireSameSize(op, gate, dGate);
    }
}
