package imfengine.backend.cuda;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

/**
 * One device, its primary context (the one cuBLAS's runtime also uses) and one non-blocking stream that
 * every kernel, copy and GEMM of the backend is queued on, so stream order alone orders all work. The
 * context is made current on each calling thread the first time that thread uses it.
 */
public final class CudaContext {
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final StreamHandle stream = new StreamHandle();
    private final ThreadLocal<Boolean> bound = ThreadLocal.withInitial(() -> false);
    private final int ordinal;

    /** The device ordinal of local rank {@code localRank}: its own GPU, round robin over the machine's GPUs. */
    public static int ordinalFor(int localRank) {
        if (localRank == 0) return 0;
        if (!Cuda.isAvailable()) throw new CudaException("no CUDA device: " + Cuda.unavailableReason());
        JCudaDriver.setExceptionsEnabled(true);
        int[] count = new int[1];
        JCudaDriver.cuDeviceGetCount(count);
        return localRank % Math.max(1, count[0]);
    }

    /** Opens device {@code ordinal}; call only when {@link Cuda#isAvailable()}. */
    public CudaContext(int ordinal) {
        if (!Cuda.isAvailable()) throw new CudaException("no CUDA device: " + Cuda.unavailableReason());
        this.ordinal = ordinal;
        JCudaDriver.setExceptionsEnabled(true);
        cuDeviceGet(device, ordinal);
        cuDevicePrimaryCtxRetain(context, device);
        cuCtxSetCurrent(context);
        bound.set(true);
        // non-blocking: nothing on the legacy default stream waits for it or delays it; every copy, fill,
        // launch and GEMM of the backend is queued on this one stream, which orders them
        cuStreamCreate(stream, jcuda.driver.CUstream_flags.CU_STREAM_NON_BLOCKING);
    }

    /** Makes the context current on this thread (cheap after the first call per thread). */
    public void bind() {
        if (!bound.get()) {
            cuCtxSetCurrent(context);
            bound.set(true);
        }
    }

    StreamHandle stream() { return stream; }

    /** Waits for all queued work. */
    public void synchronize() {
        bind();
        cuStreamSynchronize(stream);
    }

    public String deviceName() {
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, device);
        int n = 0;
        while (n < name.length && name[n] != 0) n++;
        return new String(name, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    public int ordinal() { return ordinal; }

    /** Compute capability as {@code major.minor}. */
    public String computeCapability() {
        int[] major = new int[1], minor = new int[1];
        cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
        cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
        return major[0] + "." + minor[0];
    }

    /** The driver's CUDA version, e.g. {@code 13.0}. */
    public String driverVersion() {
        int[] v = new int[1];
        cuDriverGetVersion(v);
        return v[0] / 1000 + "." + v[0] % 1000 / 10;
    }

    /** {@code {free, total}} device memory in bytes. */
    public long[] memory() {
        bind();
        long[] free = new long[1], total = new long[1];
        cuMemGetInfo(free, total);
        return new long[]{free[0], total[0]};
    }
}
