package imfengine.backend.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * The arguments of one launch, in the kernel's parameter order, each with its {@link Param} type. Built
 * through {@link #of(Kernel)}; every value is checked against the kernel's declared signature as it is
 * appended and the count when the list is complete, so a mismatch fails on the host, with the kernel's
 * name, before anything is launched.
 */
public final class KernelArgs {
    /** One argument: its type and its bits ({@code int}, {@code float} and {@code double} in their raw bit patterns). */
    public record Value(Param type, long bits, long[] struct) {}

    private final Kernel kernel;
    private final List<Value> values = new ArrayList<>();

    private KernelArgs(Kernel kernel) { this.kernel = kernel; }

    /** An empty argument list for {@code kernel}. */
    public static KernelArgs of(Kernel kernel) { return new KernelArgs(kernel); }

    public KernelArgs ptr(long address) { return add(Param.PTR, address, null); }

    public KernelArgs i64(long v) { return add(Param.I64, v, null); }

    public KernelArgs i32(int v) { return add(Param.I32, v, null); }

    public KernelArgs f32(float v) { return add(Param.F32, Float.floatToRawIntBits(v), null); }

    public KernelArgs f64(double v) { return add(Param.F64, Double.doubleToRawLongBits(v), null); }

    /** {@code struct PermGeom} by value: {@code od[8], st[8], rank}. */
    public KernelArgs permGeom(long[] fields) {
        if (fields.length * Long.BYTES != Param.PERM_GEOM.bytes())
            throw new IllegalArgumentException(kernel.symbol() + ": PermGeom has " + Param.PERM_GEOM.bytes() / Long.BYTES + " fields, got " + fields.length);
        return add(Param.PERM_GEOM, 0, fields.clone());
    }

    private KernelArgs add(Param type, long bits, long[] struct) {
        int i = values.size();
        List<Param> declared = kernel.params();
        if (i >= declared.size())
            throw new IllegalArgumentException(kernel.symbol() + " takes " + declared.size() + " arguments; a " + type + " was added after them");
        if (declared.get(i) != type)
            throw new IllegalArgumentException(kernel.symbol() + " argument " + i + " is a " + declared.get(i) + ", not a " + type);
        values.add(new Value(type, bits, struct));
        return this;
    }

    public Kernel kernel() { return kernel; }

    /** The values, once the list is complete (throws naming the kernel otherwise). */
    public List<Value> values() {
        if (values.size() != kernel.params().size())
            throw new IllegalArgumentException(kernel.symbol() + " takes " + kernel.params().size() + " arguments, got " + values.size());
        return values;
    }
}
