package imfengine.backend.cuda;

import imfengine.backend.GemmSpec;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD16Async;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;

/**
 * The real device: the CUDA driver through JCuda (one context, one stream that orders every copy,
 * fill, launch and GEMM), our PTX modules, and cuBLAS through {@code java.lang.foreign}. Device
 * addresses travel as {@code long}; JCuda receives them as pointers whose byte offset is the address.
 */
public final class DriverDevice implements Device {
    private final CudaContext context;
    private final PtxModules modules;
    private final Cublas cublas;
    private final boolean tf32;
    private final Set<Kernel> optedIn = EnumSet.noneOf(Kernel.class);
    private final PinnedStaging staging;
    /** {@code -Dimf.cuda.syncCopies=true}: plain synchronous copies after a stream sync (a first-light fallback). */
    private final boolean syncCopies = Boolean.getBoolean("imf.cuda.syncCopies");

    public DriverDevice(CudaContext context, Cublas cublas, boolean tf32) {
        this.context = context;
        this.modules = new PtxModules(context);
        this.cublas = cublas;
        this.tf32 = tf32;
        context.bind();
        cublas.init(context.stream().address(), tf32);
        this.staging = syncCopies ? null : new PinnedStaging(context);
    }

    /** Device 0 with cuBLAS; TF32 GEMMs when {@code tf32}. Throws {@link CudaException} when there is no device. */
    public static DriverDevice open(boolean tf32) { return open(0, tf32); }

    /**
     * The device of the process that is {@code localRank} on its machine (one GPU per rank, round robin when there are
     * fewer GPUs than ranks), with cuBLAS; TF32 GEMMs when {@code tf32}.
     */
    public static DriverDevice open(int localRank, boolean tf32) {
        return new DriverDevice(new CudaContext(CudaContext.ordinalFor(localRank)), Cublas.open(), tf32);
    }

    public CudaContext context() { return context; }

    public Cublas cublas() { return cublas; }

    @Override public String name() { return context.deviceName() + (tf32 ? ", tf32" : ""); }

    /** A JCuda pointer to a device address (JCuda adds a pointer's byte offset to its native address). */
    private static CUdeviceptr at(long address) { return new CUdeviceptr().withByteOffset(address); }

    @Override public long foreignStream() {
        context.bind();
        return context.stream().address();
    }

    @Override public long allocate(long bytes) {
        context.bind();
        CUdeviceptr p = new CUdeviceptr();
        try {
            cuMemAlloc(p, bytes);
        } catch (RuntimeException e) {
            throw new CudaException("cuMemAlloc of " + bytes + " bytes failed: " + e.getMessage(), e);
        }
        return DevPtr.addressOf(p);
    }

    @Override public void free(long address) {
        context.bind();
        cuMemFree(at(address));
    }

    // Copies go through pinned staging on the stream (ordered after queued work, asynchronous for uploads);
    // with -Dimf.cuda.syncCopies=true, synchronous copies once the stream has drained.
    @Override public void copyToDevice(float[] src, long dst) {
        long bytes = (long) src.length * Float.BYTES;
        if (staging == null) toDeviceSync(Pointer.to(src), dst, bytes);
        else if (bytes > 0) staged(() -> staging.upload(at(dst), bytes, b -> b.asFloatBuffer().put(src)));
    }

    @Override public void copyToDevice(int[] src, long dst) {
        long bytes = (long) src.length * Integer.BYTES;
        if (staging == null) toDeviceSync(Pointer.to(src), dst, bytes);
        else if (bytes > 0) staged(() -> staging.upload(at(dst), bytes, b -> b.asIntBuffer().put(src)));
    }

    @Override public void copyToDevice(short[] src, long dst) {
        long bytes = (long) src.length * Short.BYTES;
        if (staging == null) toDeviceSync(Pointer.to(src), dst, bytes);
        else if (bytes > 0) staged(() -> staging.upload(at(dst), bytes, b -> b.asShortBuffer().put(src)));
    }

    @Override public void copyToHost(long src, float[] dst) {
        long bytes = (long) dst.length * Float.BYTES;
        if (staging == null) toHostSync(src, Pointer.to(dst), bytes);
        else if (bytes > 0) staged(() -> staging.download(at(src), bytes, b -> b.asFloatBuffer().get(dst)));
    }

    @Override public void copyToHost(long src, int[] dst) {
        long bytes = (long) dst.length * Integer.BYTES;
        if (staging == null) toHostSync(src, Pointer.to(dst), bytes);
        else if (bytes > 0) staged(() -> staging.download(at(src), bytes, b -> b.asIntBuffer().get(dst)));
    }

    @Override public void copyToHost(long src, short[] dst) {
        long bytes = (long) dst.length * Short.BYTES;
        if (staging == null) toHostSync(src, Pointer.to(dst), bytes);
        else if (bytes > 0) staged(() -> staging.download(at(src), bytes, b -> b.asShortBuffer().get(dst)));
    }

    private void staged(Runnable copy) {
        context.bind();
        copy.run();
    }

    private void toDeviceSync(Pointer src, long dst, long bytes) {
        if (bytes == 0) return;
        context.synchronize(); // the legacy stream does not wait for our non-blocking one
        cuMemcpyHtoD(at(dst), src, bytes);
    }

    private void toHostSync(long src, Pointer dst, long bytes) {
        context.synchronize();
        if (bytes > 0) cuMemcpyDtoH(dst, at(src), bytes);
    }

    @Override public void copy(long src, long dst, long bytes) {
        if (bytes == 0) return;
        context.bind();
        cuMemcpyDtoDAsync(at(dst), at(src), bytes, context.stream());
    }

    @Override public void fill32(long dst, int bits, long count) {
        if (count == 0) return;
        context.bind();
        cuMemsetD32Async(at(dst), bits, count, context.stream());
    }

    @Override public void fill16(long dst, short bits, long count) {
        if (count == 0) return;
        context.bind();
        cuMemsetD16Async(at(dst), bits, count, context.stream());
    }

    @Override public void launch(Kernel kernel, Launch g, KernelArgs args) {
        List<KernelArgs.Value> values = args.values();
        Pointer[] params = new Pointer[values.size()];
        for (int i = 0; i < params.length; i++) params[i] = pointerTo(values.get(i));
        context.bind();
        CUfunction f = modules.function(kernel);
        if (g.sharedBytes() > Launch.DEFAULT_SHARED) optIn(kernel, f);
        cuLaunchKernel(f, g.gridX(), g.gridY(), 1, g.blockX(), g.blockY(), 1, g.sharedBytes(), context.stream(),
                Pointer.to(params), null);
    }

    private static Pointer pointerTo(KernelArgs.Value v) {
        return switch (v.type()) {
            case PTR, I64 -> Pointer.to(new long[]{v.bits()});
            case I32 -> Pointer.to(new int[]{(int) v.bits()});
            case F32 -> Pointer.to(new float[]{Float.intBitsToFloat((int) v.bits())});
            case F64 -> Pointer.to(new double[]{Double.longBitsToDouble(v.bits())});
            case PERM_GEOM -> Pointer.to(v.struct());
        };
    }

    /** Lets a kernel use up to {@link Launch#MAX_SHARED} bytes of dynamic shared memory. */
    private synchronized void optIn(Kernel k, CUfunction f) {
        if (optedIn.add(k))
            cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, Launch.MAX_SHARED);
    }

    @Override public void gemm(GemmSpec spec, GemmInputs inputs, long a, long b, long c) {
        context.bind();
        cublas.gemm(spec, inputs, a, b, c);
    }

    @Override public void synchronize() { context.synchronize(); }
}
