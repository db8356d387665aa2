package imfengine.backend.cuda.emu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * "Device memory" for emulated launches: host buffers from one arena, each between two red zones of
 * 0xff bytes (NaN as floats). A kernel that reads past a buffer meets NaN; one that writes past it is
 * caught by {@link #checkRedZones()}.
 */
final class HostBuffers implements AutoCloseable {
    static final int RED_ZONE = 2048;

    private final Arena arena = Arena.ofConfined();
    private final List<MemorySegment> zones = new ArrayList<>();

    MemorySegment allocate(long bytes) {
        MemorySegment all = arena.allocate(bytes + 2L * RED_ZONE, 64);
        all.fill((byte) 0xff);
        zones.add(all.asSlice(0, RED_ZONE));
        zones.add(all.asSlice(RED_ZONE + bytes, RED_ZONE));
        return all.asSlice(RED_ZONE, bytes);
    }

    MemorySegment floats(float[] v) {
        MemorySegment s = allocate((long) v.length * Float.BYTES);
        MemorySegment.copy(v, 0, s, ValueLayout.JAVA_FLOAT, 0, v.length);
        return s;
    }

    MemorySegment zeros(int n) { return floats(new float[n]); }

    MemorySegment ints(int[] v) {
        MemorySegment s = allocate((long) v.length * Integer.BYTES);
        MemorySegment.copy(v, 0, s, ValueLayout.JAVA_INT, 0, v.length);
        return s;
    }

    static float[] read(MemorySegment s) { return s.toArray(ValueLayout.JAVA_FLOAT); }

    static int[] readInts(MemorySegment s) { return s.toArray(ValueLayout.JAVA_INT); }

    LaunchParams params() { return new LaunchParams(arena); }

    /** Throws if a kernel wrote into a red zone. */
    void checkRedZones() {
        for (int z = 0; z < zones.size(); z++) {
            MemorySegment zone = zones.get(z);
            for (long i = 0; i < zone.byteSize(); i++)
                if (zone.get(ValueLayout.JAVA_BYTE, i) != (byte) 0xff)
                    throw new AssertionError("a kernel wrote " + (z % 2 == 0 ? "before" : "past") + " buffer #" + z / 2
                            + " (byte " + i + " of its red zone)");
        }
    }

    @Override public void close() { arena.close(); }
}
