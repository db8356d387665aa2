package imfengine.io;

import java.util.Arrays;

/**
 * An n-dimensional array as stored in a {@code .npy} file: a dtype, a C-order shape and the
 * elements in one Java array ({@code float[]} for F32, {@code double[]} for F64, {@code int[]} for I32, {@code long[]} for
 * I64, {@code byte[]} for U8, whose bytes are read unsigned).
 */
public final class NpyArray {
    /** The element types we read and write, with their numpy descriptors (little-endian). */
    public enum DType {
        F32("<f4", 4), F64("<f8", 8), I32("<i4", 4), I64("<i8", 8), U8("|u1", 1);

        public final String descr;
        public final int bytes;

        DType(String descr, int bytes) {
            this.descr = descr;
            this.bytes = bytes;
        }
    }

    private final DType dtype;
    private final int[] shape;
    private final Object data;

    private NpyArray(DType dtype, int[] shape, Object data, int length) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
        long n = numel(this.shape);
        if (n != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + n
                    + " elements but the data has " + length);
        }
    }

    public static NpyArray ofF32(int[] shape, float[] data) { return new NpyArray(DType.F32, shape, data, data.length); }

    public static NpyArray ofF64(int[] shape, double[] data) { return new NpyArray(DType.F64, shape, data, data.length); }

    public static NpyArray ofI32(int[] shape, int[] data) { return new NpyArray(DType.I32, shape, data, data.length); }

    public static NpyArray ofI64(int[] shape, long[] data) { return new NpyArray(DType.I64, shape, data, data.length); }

    public static NpyArray ofU8(int[] shape, byte[] data) { return new NpyArray(DType.U8, shape, data, data.length); }

    public DType dtype() { return dtype; }

    public int[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    public int dim(int axis) { return shape[axis]; }

    public int size() { return (int) numel(shape); }

    /** The elements as floats: the array itself for F32 (not a copy), converted otherwise. */
    public float[] floats() {
        return switch (data) {
            case float[] f -> f;
            case double[] a -> { float[] f = new float[a.length]; for (int i = 0; i < a.length; i++) f[i] = (float) a[i]; yield f; }
            case int[] a -> { float[] f = new float[a.length]; for (int i = 0; i < a.length; i++) f[i] = a[i]; yield f; }
            case long[] a -> { float[] f = new float[a.length]; for (int i = 0; i < a.length; i++) f[i] = a[i]; yield f; }
            case byte[] a -> { float[] f = new float[a.length]; for (int i = 0; i < a.length; i++) f[i] = a[i] & 0xFF; yield f; }
            default -> throw new IllegalStateException();
        };
    }

    /** The elements as doubles (a copy; exact for every dtype but I64 beyond 2⁵³). */
    public double[] doubles() {
        if (data instanceof double[] d) return d.clone();
        if (data instanceof long[] a) { double[] d = new double[a.length]; for (int i = 0; i < a.length; i++) d[i] = a[i]; return d; }
        float[] f = data instanceof float[] g ? g : floats();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** The elements as ints; an integer dtype only, and I64 values must fit in an int. */
    public int[] ints() {
        return switch (data) {
            case int[] a -> a;
            case long[] a -> {
                int[] r = new int[a.length];
                for (int i = 0; i < a.length; i++) {
                    if (a[i] != (int) a[i]) throw new IllegalStateException("int64 value " + a[i] + " does not fit in an int");
                    r[i] = (int) a[i];
                }
                yield r;
            }
            case byte[] a -> { int[] r = new int[a.length]; for (int i = 0; i < a.length; i++) r[i] = a[i] & 0xFF; yield r; }
            default -> throw new IllegalStateException("array of " + dtype + " is not an integer array");
        };
    }

    /** The raw Java array ({@code float[]}, {@code double[]}, {@code int[]}, {@code long[]} or {@code byte[]}); not a copy. */
    public Object data() { return data; }

    static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= d;
        }
        return n;
    }
}
