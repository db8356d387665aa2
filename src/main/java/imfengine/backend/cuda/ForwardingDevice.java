package imfengine.backend.cuda;

import imfengine.backend.GemmSpec;

/**
 * A {@link Device} that passes every call to another one: the base of decorators at the backend's device
 * seam ({@link MeteredDevice}, {@link TimedDevice}), which override only what they observe.
 */
public abstract class ForwardingDevice implements Device {
    protected final Device inner;

    protected ForwardingDevice(Device inner) {
        if (inner == null) throw new IllegalArgumentException("a forwarding device needs a device to forward to");
        this.inner = inner;
    }

    /** The device this one forwards to. */
    public Device inner() { return inner; }

    /** The innermost device of a chain of decorators ({@code d} itself when it is not one). */
    public static Device unwrap(Device d) {
        while (d instanceof ForwardingDevice f) d = f.inner;
        return d;
    }

    @Override public String name() { return inner.name(); }

    @Override public long allocate(long bytes) { return inner.allocate(bytes); }

    @Override public long foreignStream() { return inner.foreignStream(); }

    @Override public void free(long address) { inner.free(address); }

    @Override public void copyToDevice(float[] src, long dst) { inner.copyToDevice(src, dst); }

    @Override public void copyToDevice(int[] src, long dst) { inner.copyToDevice(src, dst); }

    @Override public void copyToDevice(short[] src, long dst) { inner.copyToDevice(src, dst); }

    @Override public void copyToHost(long src, float[] dst) { inner.copyToHost(src, dst); }

    @Override public void copyToHost(long src, int[] dst) { inner.copyToHost(src, dst); }

    @Override public void copyToHost(long src, short[] dst) { inner.copyToHost(src, dst); }

    @Override public void copy(long src, long dst, long bytes) { inner.copy(src, dst, bytes); }

    @Override public void fill32(long dst, int bits, long count) { inner.fill32(dst, bits, count); }

    @Override public void fill16(long dst, short bits, long count) { inner.fill16(dst, bits, count); }

    @Override public void launch(Kernel kernel, Launch geometry, KernelArgs args) { inner.launch(kernel, geometry, args); }

    @Override public void gemm(GemmSpec spec, GemmInputs inputs, long a, long b, long c) { inner.gemm(spec, inputs, a, b, c); }

    @Override public void synchronize() { inner.synchronize(); }
}
