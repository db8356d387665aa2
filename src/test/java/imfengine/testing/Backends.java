package imfengine.testing;

import imfengine.backend.Backend;
import imfengine.backend.cpu.CpuBackend;
import imfengine.backend.cuda.Cuda;
import imfengine.backend.cuda.CudaBackend;
import imfengine.backend.cuda.emu.EmulatedDevice;

import java.util.ArrayList;
import java.util.List;

/**
 * The backends tests compare: the CPU's scalar reference path and its Vector API path, and the CUDA
 * backend: on the GPU where there is one, else on the emulated device ({@code make emu}), which runs the
 * same kernels, argument packing and launch geometry on the CPU. {@link #all()} is what the
 * specification checks ({@link OpCheck}, {@link FusedCheck}) iterate over; {@link #SCALAR} is the
 * reference they compare with.
 */
public final class Backends {
    private Backends() {}

    public static final CpuBackend SCALAR = new CpuBackend(2, false);
    public static final CpuBackend SIMD = new CpuBackend(2, true);
    public static final CpuBackend[] BOTH = {SCALAR, SIMD};

    /** Both CPU paths, then the CUDA backend when there is a device or an emulator for it. */
    public static List<Backend> all() {
        List<Backend> out = new ArrayList<>(List.of(SCALAR, SIMD));
        CudaBackend cuda = cuda();
        if (cuda != null) out.add(cuda);
        return out;
    }

    /** The CUDA backend on the GPU, else on the emulated device, else null (neither is there). */
    public static CudaBackend cuda() {
        if (Cuda.isAvailable()) return Gpu.BACKEND;
        return EmulatedDevice.available() ? Emulated.BACKEND : null;
    }

    /** Whether {@link #cuda()} runs on the emulated device (kernel coverage can then be counted). */
    public static boolean cudaIsEmulated() { return !Cuda.isAvailable() && EmulatedDevice.available(); }

    /** Created once, on first use, and only where a device exists. */
    private static final class Gpu {
        static final CudaBackend BACKEND = CudaBackend.create(false);
    }

    private static final class Emulated {
        static final CudaBackend BACKEND = new CudaBackend(EmulatedDevice.open());
    }
}
