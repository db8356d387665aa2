package imfengine.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;

/**
 * Launches kernels on the context's stream. Arguments are collected by {@link Args} in the order of
 * the kernel's parameters; device pointers travel as 64-bit values, structs as {@code long[]}.
 */
final class Launcher {
    /** Threads per block of the 1-D grid-stride kernels. */
    static final int THREADS = 256;
    /** Cap on 1-D grid size; grid-stride loops cover the rest. */
    private static final long MAX_BLOCKS = 1L << 20;
    /** Dynamic shared memory a kernel gets without opting in. */
    private static final int DEFAULT_SHARED = 48 * 1024;

    private final CudaContext context;
    private final PtxModules modules;
    private final Set<Kernel> optedIn = EnumSet.noneOf(Kernel.class);

    Launcher(CudaContext context, PtxModules modules) {
        this.context = context;
        this.modules = modules;
    }

    /** Kernel parameters, in order. */
    static final class Args {
        private final List<Pointer> params = new ArrayList<>();

        Args ptr(long address) { params.add(Pointer.to(new long[]{address})); return this; }

        Args i(int v) { params.add(Pointer.to(new int[]{v})); return this; }

        Args l(long v) { params.add(Pointer.to(new long[]{v})); return this; }

        Args f(float v) { params.add(Pointer.to(new float[]{v})); return this; }

        Args d(double v) { params.add(Pointer.to(new double[]{v})); return this; }

        /** A struct passed by value whose fields are all 64 bits wide. */
        Args struct(long[] fields) { params.add(Pointer.to(fields)); return this; }

        Pointer pointer() { return Pointer.to(params.toArray(new Pointer[0])); }
    }

    static Args args() { return new Args(); }

    /** Blocks of {@link #THREADS} covering {@code n} items (at least 1, at most {@link #MAX_BLOCKS}). */
    static int blocks(long n) { return (int) Math.max(1, Math.min(MAX_BLOCKS, (n + THREADS - 1) / THREADS)); }

    /** A 1-D grid-stride launch over {@code n} items; nothing is launched when {@code n == 0}. */
    void grid1d(Kernel k, long n, Args a) {
        if (n <= 0) return;
        launch(k, blocks(n), 1, THREADS, 1, 0, a);
    }

    void launch(Kernel k, int gridX, int gridY, int blockX, int blockY, int sharedBytes, Args a) {
        if (gridX <= 0 || gridY <= 0) return;
        context.bind();
        CUfunction f = modules.function(k);
        if (sharedBytes > DEFAULT_SHARED) optIn(k, f);
        cuLaunchKernel(f, gridX, gridY, 1, blockX, blockY, 1, sharedBytes, context.stream(), a.pointer(), null);
    }

    /** Lets a kernel use up to 99 KiB of dynamic shared memory (all of sm_80/sm_90 have that much). */
    private synchronized void optIn(Kernel k, CUfunction f) {
        if (optedIn.add(k))
            cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 99 * 1024);
    }
}
