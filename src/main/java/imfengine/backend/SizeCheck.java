package imfengine.backend;

import imfengine.tensor.Tensor;

/** Argument checks shared by the backends' kernel entry points. */
public final class SizeCheck {
    private SizeCheck() {}

    /** Throws, naming the op and both shapes, unless {@code a} and {@code b} have the same element count. */
    public static void requireSameSize(String op, Tensor a, Tensor b) {
        if (a.size() != b.size())
            throw new IllegalArgumentException(op + ": size mismatch between " + a.shape() + " and " + b.shape());
    }
}
