package imfengine.backend.cuda.emu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * Kernel arguments packed as {@code cuLaunchKernel}'s {@code kernelParams}: an array of pointers, one per
 * parameter in order, each to a copy of the argument's value, all allocated in the given arena. Each
 * value also records its type code (those of {@link EmulatorLibrary.KernelInfo#signature()}), so a launch
 * can check the packing against the kernel's C++ signature.
 */
public final class LaunchParams {
    private final Arena arena;
    private final List<MemorySegment> values = new ArrayList<>();
    private final StringJoiner signature = new StringJoiner(",");

    public LaunchParams(Arena arena) { this.arena = arena; }

    private LaunchParams add(String code, MemorySegment value) {
        values.add(value);
        signature.add(code);
        return this;
    }

    /** A device pointer: under the emulator, the host address of the segment. */
    public LaunchParams ptr(MemorySegment buffer) { return ptr(buffer.address()); }

    public LaunchParams ptr(long address) { return add("ptr", arena.allocateFrom(ValueLayout.JAVA_LONG, address)); }

    public LaunchParams i32(int v) { return add("i32", arena.allocateFrom(ValueLayout.JAVA_INT, v)); }

    /** An {@code unsigned} parameter (the bits of {@code v}). */
    public LaunchParams u32(int v) { return add("u32", arena.allocateFrom(ValueLayout.JAVA_INT, v)); }

    public LaunchParams i64(long v) { return add("i64", arena.allocateFrom(ValueLayout.JAVA_LONG, v)); }

    /** An {@code unsigned long long} parameter (the bits of {@code v}). */
    public LaunchParams u64(long v) { return add("u64", arena.allocateFrom(ValueLayout.JAVA_LONG, v)); }

    public LaunchParams f32(float v) { return add("f32", arena.allocateFrom(ValueLayout.JAVA_FLOAT, v)); }

    public LaunchParams f64(double v) { return add("f64", arena.allocateFrom(ValueLayout.JAVA_DOUBLE, v)); }

    /** A struct passed by value whose fields are all 64 bits wide (e.g. {@code PermGeom}). */
    public LaunchParams struct(long... fields) {
        return add("b" + fields.length * Long.BYTES, arena.allocateFrom(ValueLayout.JAVA_LONG, fields));
    }

    /** Type codes of the values so far, comma-separated. */
    public String signature() { return signature.toString(); }

    /** The pointer array to pass as {@code kernelParams}. */
    public MemorySegment segment() {
        MemorySegment array = arena.allocate(ValueLayout.ADDRESS, Math.max(1, values.size()));
        for (int i = 0; i < values.size(); i++) array.setAtIndex(ValueLayout.ADDRESS, i, values.get(i));
        return array;
    }
}
