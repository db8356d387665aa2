package imfengine.testing;

import imfengine.backend.Backend;
import imfengine.backend.cpu.CpuBackend;
import imfengine.backend.cuda.Cuda;
import imfengine.backend.cuda.CudaBackend;

import java.util.ArrayList;
import java.util.List;

/**
 * The backends tests compare: the CPU's scalar reference path and its Vector API path, and the CUDA
 * backend wherever a device is present. {@link #all()} is what the specification checks
 * ({@link OpCheck}, {@link FusedCheck}) iterate over; {@link #SCALAR} is the reference they compare with.
 */
public final class Backends {
    private Backends() {}

    public static final CpuBackend SCALAR = new CpuBackend(2, false);
    public static final CpuBackend SIMD = new CpuBackend(2, true);
    public static final CpuBackend[] BOTH = {SCALAR, SIMD};

    /** Every backend this machine can run: both CPU paths, then CUDA when a device is present. */
    public static List<Backend> all() {
        List<Backend> out = new ArrayList<>(List.of(SCALAR, SIMD));
        if (Cuda.isAvailable()) out.add(Gpu.BACKEND);
        return out;
    }

    /** Created once, on first use, and only where a device exists. */
    private static final class Gpu {
        static final CudaBackend BACKEND = CudaBackend.create(false);
    }
}
