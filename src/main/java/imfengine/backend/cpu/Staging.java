package imfengine.backend.cpu;

import java.util.ArrayList;
import java.util.List;

/**
 * The arrays a fused CPU kernel indexes from 0. Those kernels (RMSNorm, RoPE, SwiGLU, softmax,
 * attention, the reductions, the optimizer) walk their operands in rows from element 0; a tensor that
 * is an offset view of a larger storage reaches them as a contiguous copy, and an output view gets its
 * results copied back when the call ends. Tensors at offset 0 (every one the model passes them today)
 * are handed over as they are, so the common case costs nothing. The elementwise, movement, selection,
 * random, GEMM and timestep kernels take offsets natively.
 */
final class Staging implements AutoCloseable {
    private record WriteBack(float[] scratch, float[] target, int offset) {}

    private final List<WriteBack> writeBacks = new ArrayList<>(0);

    /** An operand that is only read. */
    float[] in(float[] array, int offset, int length) {
        if (offset == 0) return array;
        float[] copy = new float[length];
        System.arraycopy(array, offset, copy, 0, length);
        return copy;
    }

    /** An operand that is only written. */
    float[] out(float[] array, int offset, int length) {
        if (offset == 0) return array;
        float[] scratch = new float[length];
        writeBacks.add(new WriteBack(scratch, array, offset));
        return scratch;
    }

    /** An operand that is read and written (accumulated into, updated in place). */
    float[] inOut(float[] array, int offset, int length) {
        if (offset == 0) return array;
        float[] scratch = in(array, offset, length);
        writeBacks.add(new WriteBack(scratch, array, offset));
        return scratch;
    }

    /** Copies the staged outputs back into their views. */
    @Override public void close() {
        for (WriteBack w : writeBacks) System.arraycopy(w.scratch, 0, w.target, w.offset, w.scratch.length);
        writeBacks.clear();
    }
}
