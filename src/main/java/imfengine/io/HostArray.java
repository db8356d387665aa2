package imfengine.io;

import java.util.Arrays;

/**
 * A float32 array in host memory with its C-order shape: what {@link Safetensors} writes and
 * reads. The record does not check that {@code data.length} matches the shape; {@link
 * Safetensors#write} does, and files read back always match. {@code data} is not copied.
 */
public record HostArray(int[] shape, float[] data) {
    public HostArray {
        if (shape == null || data == null) throw new IllegalArgumentException("shape and data must not be null");
    }

    /** Product of the dimensions. */
    public long numel() {
        return NpyArray.numel(shape);
    }

    @Override
    public String toString() {
        return "HostArray" + Arrays.toString(shape);
    }
}
