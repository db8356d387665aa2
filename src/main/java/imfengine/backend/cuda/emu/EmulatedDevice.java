package imfengine.backend.cuda.emu;

import imfengine.backend.GemmSpec;
import imfengine.backend.cpu.CpuBackend;
import imfengine.backend.cuda.Device;
import imfengine.backend.cuda.GemmInputs;
import imfengine.backend.cuda.Kernel;
import imfengine.backend.cuda.KernelArgs;
import imfengine.backend.cuda.Launch;
import imfengine.tensor.Bf16;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A {@link Device} on the host: memory is native host memory (its address is the "device" address), a
 * launch runs the kernel's {@code .cu} code compiled under the CPU emulator ({@link EmulatorLibrary},
 * {@code make emu}) with the same packed arguments, geometry and shared-memory limit a GPU launch would
 * get, and the GEMM, which cuBLAS does on a GPU, is the CPU backend's. Everything runs synchronously, in
 * call order. It lets the CUDA backend's own code (argument packing, launch geometry, views, the
 * allocator) and every kernel run in {@code make test}; only JCuda, the driver's JIT and cuBLAS are left
 * for a GPU. It counts the kernels launched, so tests can show that every kernel ran.
 */
public final class EmulatedDevice implements Device {
    private final EmulatorLibrary library;
    private final CpuBackend gemm = new CpuBackend(1, false);
    private final Map<Long, Arena> blocks = new HashMap<>();
    private final Set<Kernel> launched = Collections.synchronizedSet(EnumSet.noneOf(Kernel.class));
    private final Set<Kernel> optedIn = EnumSet.noneOf(Kernel.class);

    public EmulatedDevice(EmulatorLibrary library) { this.library = library; }

    /** The emulator of every kernel of {@code native-kernels/} ({@code libimfemu.so}). */
    public static EmulatedDevice open() { return new EmulatedDevice(EmulatorLibrary.engine()); }

    /** Whether {@code make emu} has built the emulator library this JVM would load. */
    public static boolean available() {
        return java.nio.file.Files.isRegularFile(EmulatorLibrary.directory().resolve("libimfemu.so"));
    }

    @Override public String name() { return "emulated on the CPU (" + library.path().getFileName() + ")"; }

    /** The kernels launched so far. */
    public Set<Kernel> launched() {
        synchronized (launched) {
            Set<Kernel> out = EnumSet.noneOf(Kernel.class);
            out.addAll(launched);
            return out;
        }
    }

    /** Everything here runs in call order: there is no stream (NCCL's default stream, 0, stands for it). */
    @Override public long foreignStream() { return 0; }

    // ---- memory ------------------------------------------------------------------------------
    @Override public synchronized long allocate(long bytes) {
        Arena arena = Arena.ofShared();
        MemorySegment s = arena.allocate(Math.max(1, bytes), 256);
        blocks.put(s.address(), arena);
        return s.address();
    }

    @Override public synchronized void free(long address) {
        Arena arena = blocks.remove(address);
        if (arena == null) throw new IllegalArgumentException("free of " + Long.toHexString(address) + ", which was not allocated here");
        arena.close();
    }

    private static MemorySegment at(long address, long bytes) { return MemorySegment.ofAddress(address).reinterpret(bytes); }

    @Override public void copyToDevice(float[] src, long dst) { MemorySegment.copy(src, 0, at(dst, 4L * src.length), ValueLayout.JAVA_FLOAT, 0, src.length); }

    @Override public void copyToDevice(int[] src, long dst) { MemorySegment.copy(src, 0, at(dst, 4L * src.length), ValueLayout.JAVA_INT, 0, src.length); }

    @Override public void copyToDevice(short[] src, long dst) { MemorySegment.copy(src, 0, at(dst, 2L * src.length), ValueLayout.JAVA_SHORT, 0, src.length); }

    @Override public void copyToHost(long src, float[] dst) { MemorySegment.copy(at(src, 4L * dst.length), ValueLayout.JAVA_FLOAT, 0, dst, 0, dst.length); }

    @Override public void copyToHost(long src, int[] dst) { MemorySegment.copy(at(src, 4L * dst.length), ValueLayout.JAVA_INT, 0, dst, 0, dst.length); }

    @Override public void copyToHost(long src, short[] dst) { MemorySegment.copy(at(src, 2L * dst.length), ValueLayout.JAVA_SHORT, 0, dst, 0, dst.length); }

    @Override public void copy(long src, long dst, long bytes) { MemorySegment.copy(at(src, bytes), 0, at(dst, bytes), 0, bytes); }

    @Override public void fill32(long dst, int bits, long count) {
        MemorySegment s = at(dst, 4 * count);
        for (long i = 0; i < count; i++) s.setAtIndex(ValueLayout.JAVA_INT, i, bits);
    }

    @Override public void fill16(long dst, short bits, long count) {
        MemorySegment s = at(dst, 2 * count);
        for (long i = 0; i < count; i++) s.setAtIndex(ValueLayout.JAVA_SHORT, i, bits);
    }

    // ---- launches ----------------------------------------------------------------------------
    @Override public void launch(Kernel kernel, Launch g, KernelArgs args) {
        try (Arena call = Arena.ofConfined()) {
            LaunchParams params = new LaunchParams(call);
            for (KernelArgs.Value v : args.values()) {
                switch (v.type()) {
                    case PTR -> params.ptr(v.bits());
                    case I64 -> params.i64(v.bits());
                    case I32 -> params.i32((int) v.bits());
                    case F32 -> params.f32(Float.intBitsToFloat((int) v.bits()));
                    case F64 -> params.f64(Double.longBitsToDouble(v.bits()));
                    case PERM_GEOM -> params.struct(v.struct());
                }
            }
            if (g.sharedBytes() > Launch.DEFAULT_SHARED) optIn(kernel); // as the driver device opts in
            library.launch(kernel.symbol(), EmulatorLibrary.Dim3.of(g.gridX(), g.gridY()), EmulatorLibrary.Dim3.of(g.blockX(), g.blockY()),
                    g.sharedBytes(), params);
        }
        launched.add(kernel);
    }

    private synchronized void optIn(Kernel k) {
        if (optedIn.add(k)) library.setMaxDynamicShared(k.symbol(), Launch.MAX_SHARED);
    }

    /**
     * cuBLAS's product done by the CPU backend: each operand's span of memory is copied into a host tensor,
     * the product runs with the same leading dimensions and strides, and C's span is copied back. bf16 operands
     * are widened to fp32 exactly (a bf16 is the top half of a float), so the product is that of the rounded
     * inputs with fp32 accumulation, as {@code cublasGemmEx} with compute type 32F computes it up to
     * summation order.
     */
    @Override public void gemm(GemmSpec s, GemmInputs inputs, long a, long b, long c) {
        long spanC = s.spanC();
        Tensor ta = host(a, s.spanA(), inputs), tb = host(b, s.spanB(), inputs), tc = host(c, spanC, GemmInputs.F32);
        GemmSpec local = new GemmSpec(s.batch(), s.m(), s.n(), s.k(), s.transA(), s.transB(), s.lda(), s.ldb(), s.ldc(), 0, 0, 0,
                s.strideA(), s.strideB(), s.strideC(), s.alpha(), s.beta());
        gemm.gemm(local, ta, tb, tc);
        float[] out = new float[(int) spanC];
        gemm.download(tc, out);
        copyToDevice(out, c);
        for (Tensor t : new Tensor[]{ta, tb, tc}) t.storage().release();
    }

    private Tensor host(long address, long elements, GemmInputs type) {
        float[] v = new float[Math.toIntExact(elements)];
        if (type == GemmInputs.BF16) {
            short[] h = new short[v.length];
            copyToHost(address, h);
            for (int i = 0; i < v.length; i++) v[i] = Bf16.toFloat(h[i]);
        } else {
            copyToHost(address, v);
        }
        Tensor t = gemm.allocate(Shape.of(v.length), DType.F32);
        gemm.upload(v, t);
        return t;
    }

    /** Launches run synchronously. */
    @Override public void synchronize() {}
}
