package imfengine.backend.cuda;

import imfengine.backend.GemmSpec;

import java.util.HashMap;
import java.util.Map;

/**
 * A {@link Device} with no memory and no kernels, for testing what the host side does: allocations get
 * made-up addresses (far apart, so a block that ran past its segment would be noticed) up to a capacity, and
 * are counted; launches, GEMMs, copies, fills and downloads do nothing.
 */
final class FakeDevice implements Device {
    private final long capacity;
    private final Map<Long, Long> allocations = new HashMap<>();
    private long next = 1L << 40, used;
    int allocateCalls, freeCalls, synchronizeCalls;

    FakeDevice(long capacity) { this.capacity = capacity; }

    long used() { return used; }

    @Override public String name() { return "fake"; }

    @Override public long foreignStream() { return 0; }

    @Override public long allocate(long bytes) {
        allocateCalls++;
        if (used + bytes > capacity) throw new CudaException("fake device: out of memory (" + bytes + " more bytes with " + used + " of " + capacity + " used)");
        long a = next;
        next += (bytes + (1L << 30)) & -(1L << 30); // the next allocation starts at least 1 GiB after this one ends
        allocations.put(a, bytes);
        used += bytes;
        return a;
    }

    @Override public void free(long address) {
        freeCalls++;
        Long bytes = allocations.remove(address);
        if (bytes == null) throw new IllegalArgumentException("free of 0x" + Long.toHexString(address) + ", which was not allocated");
        used -= bytes;
    }

    @Override public void copyToDevice(float[] src, long dst) {}

    @Override public void copyToDevice(int[] src, long dst) {}

    @Override public void copyToDevice(short[] src, long dst) {}

    @Override public void copyToHost(long src, float[] dst) {}

    @Override public void copyToHost(long src, int[] dst) {}

    @Override public void copyToHost(long src, short[] dst) {}

    @Override public void copy(long src, long dst, long bytes) {}

    @Override public void fill32(long dst, int bits, long count) {}

    @Override public void fill16(long dst, short bits, long count) {}

    @Override public void launch(Kernel kernel, Launch geometry, KernelArgs args) { args.values(); }

    @Override public void gemm(GemmSpec spec, GemmInputs inputs, long a, long b, long c) {}

    @Override public void synchronize() { synchronizeCalls++; }
}
