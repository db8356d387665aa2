package imfengine.tensor;

/**
 * Host arrays to and from tensors: the convenience form of the backend's explicit transfer points
 * ({@code upload}/{@code download}), for data loading, checkpoints, metrics, the CLI and tests. Each
 * call is one host↔device copy.
 */
public final class Host {
    private Host() {}

    /** A new F32 tensor of {@code arena} holding {@code values} in {@code shape}. */
    public static Tensor upload(Arena arena, float[] values, Shape shape) {
        Tensor t = arena.empty(shape);
        arena.backend().upload(values, t);
        return t;
    }

    public static Tensor upload(Arena arena, float[] values, int... dims) { return upload(arena, values, Shape.of(dims)); }

    /** A new I32 vector of {@code arena} holding {@code values}. */
    public static Tensor upload(Arena arena, int[] values) {
        Tensor t = arena.empty(Shape.of(values.length), DType.I32);
        arena.backend().upload(values, t);
        return t;
    }

    /** The elements of an F32 (or BF16) tensor, on the host. */
    public static float[] floats(Tensor t) {
        float[] out = new float[t.shape().intSize()];
        t.backend().download(t, out);
        return out;
    }

    /** The elements of an I32 tensor, on the host. */
    public static int[] ints(Tensor t) {
        int[] out = new int[t.shape().intSize()];
        t.backend().download(t, out);
        return out;
    }
}
