package imfengine.backend.cuda;

/**
 * The type of one kernel parameter, as the kernel's C signature has it and as its PTX declares it
 * ({@code .param .u64}, ...). Pointers and {@code long long} are both {@code .u64} in PTX; the Java side
 * still keeps them apart, so passing a length where a buffer is expected fails when the arguments are
 * built.
 */
public enum Param {
    /** A device pointer. */
    PTR("u64", 8),
    /** {@code long long} (sizes, offsets, strides). */
    I64("u64", 8),
    /** {@code int} or {@code unsigned}. */
    I32("u32", 4),
    F32("f32", 4),
    F64("f64", 8),
    /** {@code struct PermGeom} of native-kernels/movement.cu, by value: 17 {@code long long} fields. */
    PERM_GEOM("b8[136]", 136);

    private final String ptx;
    private final int bytes;

    Param(String ptx, int bytes) {
        this.ptx = ptx;
        this.bytes = bytes;
    }

    /** The PTX spelling of the parameter's type: {@code u64}, {@code u32}, {@code f32}, {@code f64}, {@code b8[136]}. */
    public String ptx() { return ptx; }

    /** Size of the value in bytes. */
    public int bytes() { return bytes; }
}
