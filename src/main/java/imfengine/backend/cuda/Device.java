package imfengine.backend.cuda;

import imfengine.backend.GemmSpec;

/**
 * What the CUDA backend needs from a device, and nothing more: memory at 64-bit device addresses,
 * copies, fills, kernel launches and the GEMM. {@link DriverDevice} implements it with the CUDA driver
 * (JCuda) and cuBLAS; an emulated device can implement it on the host, so that the backend's argument
 * packing, launch geometry and kernels are tested without a GPU. All work is queued in order; copies to
 * the host wait for it.
 */
public interface Device {
    String name();

    /** Device memory of at least {@code bytes}; throws {@link CudaException} when there is none left. */
    long allocate(long bytes);

    void free(long address);

    void copyToDevice(float[] src, long dst);

    void copyToDevice(int[] src, long dst);

    void copyToDevice(short[] src, long dst);

    /** Waits for queued work, then copies {@code dst.length} values. */
    void copyToHost(long src, float[] dst);

    void copyToHost(long src, int[] dst);

    void copyToHost(long src, short[] dst);

    /** {@code bytes} bytes from {@code src} to {@code dst}, in queue order. */
    void copy(long src, long dst, long bytes);

    /** {@code count} 32-bit words at {@code dst} set to {@code bits}. */
    void fill32(long dst, int bits, long count);

    /** {@code count} 16-bit words at {@code dst} set to {@code bits}. */
    void fill16(long dst, short bits, long count);

    /** Queues {@code kernel} with {@code geometry}; {@code args} were checked against the kernel's signature. */
    void launch(Kernel kernel, Launch geometry, KernelArgs args);

    /**
     * {@code C = alpha·op(A)·op(B) + beta·C}, row-major, at device addresses that include the operands' offsets;
     * A and B hold {@code inputs} elements (C is fp32), accumulation is fp32.
     */
    void gemm(GemmSpec spec, GemmInputs inputs, long a, long b, long c);

    /** Waits until all queued work is done. */
    void synchronize();

    /**
     * The {@code cudaStream_t} that orders this device's work, for a library that queues its own work on it (NCCL),
     * with the device made current on the calling thread; 0 on a device that runs everything in call order (the
     * emulator), where NCCL's default stream stands for it.
     */
    long foreignStream();
}
