package imfengine.backend.cuda;

import imfengine.backend.AdamWStep;
import imfengine.backend.AttentionSpec;
import imfengine.backend.Backend;
import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.backend.Distribution;
import imfengine.backend.GemmSpec;
import imfengine.backend.RandomKey;
import imfengine.backend.TransferCounts;
import imfengine.backend.UnaryOp;
import imfengine.tensor.Bf16;
import imfengine.tensor.DType;
import imfengine.tensor.Permutation;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static imfengine.backend.SizeCheck.requireDType;
import static imfengine.backend.SizeCheck.requireHostLength;
import static imfengine.backend.SizeCheck.requireSameDType;
import static imfengine.backend.SizeCheck.requireSameSize;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD16Async;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;

/**
 * The CUDA kernel set: unwraps tensors to device addresses (storage address plus the view's offset),
 * checks shapes the way the CPU backend does, and launches one PTX kernel (or cuBLAS) per call on the
 * context's stream. Calls return before the device finishes; downloads and {@link #synchronize} wait.
 * The math of every kernel is in the header of its {@code native-kernels/<family>.cu}; the CPU backend
 * is the reference.
 */
public final class CudaBackend implements Backend {
    private final CudaContext context;
    private final DeviceAllocator allocator;
    private final Launcher launcher;
    private final Cublas cublas;
    private final boolean tf32;
    private final LongAdder flops = new LongAdder();
    private final AtomicLong uploads = new AtomicLong(), downloads = new AtomicLong(), bytesUp = new AtomicLong(),
            bytesDown = new AtomicLong();

    public CudaBackend(CudaContext context, Cublas cublas, boolean tf32) {
        this.context = context;
        this.allocator = new DeviceAllocator(context);
        this.launcher = new Launcher(context, new PtxModules(context));
        this.cublas = cublas;
        this.tf32 = tf32;
        context.bind();
        cublas.init(context.stream().address(), tf32);
    }

    /** Device 0 with cuBLAS; TF32 GEMMs when {@code tf32}. Throws {@link CudaException} when there is no device. */
    public static CudaBackend create(boolean tf32) {
        return new CudaBackend(new CudaContext(0), Cublas.open(), tf32);
    }

    public CudaContext context() { return context; }

    public DeviceAllocator allocator() { return allocator; }

    public Cublas cublas() { return cublas; }

    /** Waits until all queued work is done (for timing). */
    @Override public void synchronize() { context.synchronize(); }

    /** Floating-point operations issued by GEMM and attention so far, counted as the CPU backend counts them. */
    @Override public long matrixFlops() { return flops.sum(); }

    @Override public long peakTensorBytes() { return allocator.peakBytes(); }

    @Override public TransferCounts transfers() {
        return new TransferCounts(uploads.get(), downloads.get(), bytesUp.get(), bytesDown.get());
    }

    @Override public String name() { return "cuda(" + context.deviceName() + (tf32 ? ", tf32" : "") + ")"; }

    // ---- unwrapping ----------------------------------------------------------------------------
    private static CudaStorage storage(Tensor t) {
        if (!(t.storage() instanceof CudaStorage s))
            throw new IllegalArgumentException("tensor " + t.shape() + " is not on the CUDA backend");
        return s;
    }

    /** The device address of a tensor's first element. */
    private static long ptr(Tensor t) { return storage(t).address() + t.offset() * t.dtype().bytes(); }

    /** The JCuda pointer of a tensor's first element: its block's pointer moved by the view's offset. */
    private static CUdeviceptr devicePointer(Tensor t) { return storage(t).pointer().withByteOffset(t.offset() * t.dtype().bytes()); }

    private static long bytes(Tensor t) { return t.size() * t.dtype().bytes(); }

    // ---- memory ------------------------------------------------------------------------------
    @Override public Tensor allocate(Shape shape, DType dtype) {
        return new Tensor(shape, dtype, new CudaStorage(allocator, shape.size() * dtype.bytes()), 0, this);
    }

    @Override public void fill(Tensor t, double value) {
        if (t.size() == 0) return;
        context.bind();
        switch (t.dtype()) {
            case F32 -> cuMemsetD32Async(devicePointer(t), Float.floatToRawIntBits((float) value), t.size(), context.stream());
            case I32 -> cuMemsetD32Async(devicePointer(t), (int) value, t.size(), context.stream());
            case BF16 -> cuMemsetD16Async(devicePointer(t), Bf16.fromFloat((float) value), t.size(), context.stream());
        }
    }

    @Override public void copy(Tensor src, Tensor dst) {
        requireSameSize("copy", src, dst);
        requireSameDType("copy", src, dst);
        context.bind();
        if (src.size() > 0) cuMemcpyDtoDAsync(devicePointer(dst), devicePointer(src), bytes(src), context.stream());
    }

    @Override public void cast(Tensor src, Tensor dst) {
        requireSameSize("cast", src, dst);
        Kernel k = switch (src.dtype()) {
            case F32 -> dst.dtype() == DType.BF16 ? Kernel.CAST_F32_BF16 : null;
            case BF16 -> dst.dtype() == DType.F32 ? Kernel.CAST_BF16_F32 : null;
            case I32 -> dst.dtype() == DType.F32 ? Kernel.CAST_I32_F32 : null;
        };
        if (src.dtype() == dst.dtype()) { copy(src, dst); return; }
        if (k == null) throw new IllegalArgumentException("cast: " + src.dtype() + " → " + dst.dtype() + " is not supported");
        launcher.grid1d(k, src.size(), Launcher.args().ptr(ptr(src)).ptr(ptr(dst)).l(src.size()));
    }

    // ---- the host boundary -------------------------------------------------------------------
    @Override public void upload(float[] src, Tensor dst) {
        requireHostLength("upload", src.length, dst);
        context.bind();
        if (src.length == 0) return;
        if (dst.dtype() == DType.BF16) {
            short[] h = new short[src.length];
            for (int i = 0; i < h.length; i++) h[i] = Bf16.fromFloat(src[i]);
            cuMemcpyHtoD(devicePointer(dst), Pointer.to(h), bytes(dst));
        } else {
            requireDType("upload", dst, DType.F32);
            cuMemcpyHtoD(devicePointer(dst), Pointer.to(src), bytes(dst));
        }
        count(uploads, bytesUp, dst);
    }

    @Override public void upload(int[] src, Tensor dst) {
        requireHostLength("upload", src.length, dst);
        requireDType("upload", dst, DType.I32);
        context.bind();
        if (src.length > 0) cuMemcpyHtoD(devicePointer(dst), Pointer.to(src), bytes(dst));
        count(uploads, bytesUp, dst);
    }

    @Override public void download(Tensor src, float[] dst) {
        requireHostLength("download", dst.length, src);
        context.synchronize();
        if (dst.length > 0) {
            if (src.dtype() == DType.BF16) {
                short[] h = new short[dst.length];
                cuMemcpyDtoH(Pointer.to(h), devicePointer(src), bytes(src));
                for (int i = 0; i < h.length; i++) dst[i] = Bf16.toFloat(h[i]);
            } else {
                requireDType("download", src, DType.F32);
                cuMemcpyDtoH(Pointer.to(dst), devicePointer(src), bytes(src));
            }
        }
        count(downloads, bytesDown, src);
    }

    @Override public void download(Tensor src, int[] dst) {
        requireHostLength("download", dst.length, src);
        requireDType("download", src, DType.I32);
        context.synchronize();
        if (dst.length > 0) cuMemcpyDtoH(Pointer.to(dst), devicePointer(src), bytes(src));
        count(downloads, bytesDown, src);
    }

    private static void count(AtomicLong calls, AtomicLong bytes, Tensor t) {
        calls.incrementAndGet();
        bytes.addAndGet(t.size() * t.dtype().bytes());
    }

    // ---- random numbers ----------------------------------------------------------------------
    @Override public void random(RandomKey key, Distribution dist, Tensor out) {
        requireDType("random", out, DType.F32);
        Launcher.Args a = Launcher.args().ptr(ptr(out)).l(out.size()).l(0)
                .i(key.s0()).i(key.s1()).i(key.k0()).i(key.k1());
        switch (dist) {
            case UNIFORM -> launcher.grid1d(Kernel.PHILOX_UNIFORM_FWD, out.size(), a.f(0f).f(1f));
            case NORMAL -> launcher.grid1d(Kernel.PHILOX_NORMAL_FWD, out.size(), a);
        }
    }

    // ---- elementwise -------------------------------------------------------------------------
    @Override public void unary(UnaryOp op, Tensor x, Tensor out) {
        requireSameSize(op.name().toLowerCase(), x, out);
        launcher.grid1d(Kernel.UNARY_FWD, x.size(), Launcher.args().i(op.ordinal()).ptr(ptr(x)).ptr(ptr(out)).l(x.size()));
    }

    @Override public void unaryDerivative(UnaryOp op, Tensor x, Tensor y, Tensor g, Tensor out) {
        requireSameSize(op.name().toLowerCase() + " derivative", x, out);
        launcher.grid1d(Kernel.UNARY_VJP, x.size(),
                Launcher.args().i(op.ordinal()).ptr(ptr(x)).ptr(ptr(y)).ptr(ptr(g)).ptr(ptr(out)).l(x.size()));
    }

    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Broadcast bc, Tensor out) {
        launcher.grid1d(Kernel.BINARY_FWD, bc.total(), Launcher.args().i(op.ordinal()).ptr(ptr(a)).ptr(ptr(b))
                .l(bc.n()).l(bc.inner()).ptr(ptr(out)).l(bc.total()));
    }

    @Override public void axpby(float alpha, Tensor x, float beta, Tensor y, Tensor out) {
        requireSameSize("axpby", x, out);
        launcher.grid1d(Kernel.AXPBY_FWD, x.size(), Launcher.args().f(alpha).ptr(ptr(x)).f(beta)
                .ptr(y == null ? 0L : ptr(y)).ptr(ptr(out)).l(x.size()));
    }

    @Override public void where(Tensor mask, Broadcast bc, Tensor a, Tensor b, Tensor out) {
        requireSameDType("where", a, b);
        requireSameDType("where", a, out);
        launcher.grid1d(a.dtype() == DType.BF16 ? Kernel.WHERE_FWD_B16 : Kernel.WHERE_FWD, bc.total(),
                Launcher.args().ptr(ptr(mask)).l(bc.n()).l(bc.inner()).ptr(ptr(a)).ptr(ptr(b)).ptr(ptr(out)).l(bc.total()));
    }

    @Override public void iota(Tensor out) {
        Kernel k = switch (out.dtype()) {
            case F32 -> Kernel.IOTA_FWD_F32;
            case I32 -> Kernel.IOTA_FWD_I32;
            case BF16 -> throw new IllegalArgumentException("iota: F32 or I32 only, got " + out);
        };
        launcher.grid1d(k, out.size(), Launcher.args().ptr(ptr(out)).l(out.size()));
    }

    @Override public int selectNonzero(Tensor mask, Tensor indices) {
        requireDType("selectNonzero", indices, DType.I32);
        if (indices.size() < mask.size()) throw new IllegalArgumentException("selectNonzero: " + indices + " is shorter than the mask " + mask);
        Tensor count = allocate(Shape.of(1), DType.I32);
        try {
            launcher.launch(Kernel.SELECT_NONZERO_FWD, 1, 1, Launcher.THREADS, 1, 0,
                    Launcher.args().ptr(ptr(mask)).l(mask.size()).ptr(ptr(indices)).ptr(ptr(count)));
            int[] n = new int[1];
            download(count, n);
            return n[0];
        } finally {
            count.storage().release();
        }
    }

    // ---- reductions --------------------------------------------------------------------------
    @Override public void sumLastAxis(Tensor x, Tensor out) {
        int rows = x.shape().rows(), n = x.shape().last();
        launcher.launch(Kernel.SUM_ROWS_FWD, rows, 1, Launcher.THREADS, 1, 0, Launcher.args().ptr(ptr(x)).ptr(ptr(out)).i(rows).i(n));
    }

    @Override public void sumAll(Tensor x, Tensor out) {
        launcher.launch(Kernel.SUM_ALL_FWD, 1, 1, 1024, 1, 0, Launcher.args().ptr(ptr(x)).ptr(ptr(out)).l(x.size()));
    }

    @Override public void reduceBroadcast(Tensor g, Broadcast bc, Tensor out) {
        if (bc.inner() == 1) {
            int n = Math.toIntExact(bc.n());
            launcher.launch(Kernel.REDUCE_COLS_VJP, (n + 31) / 32, 1, 32, 8, 0,
                    Launcher.args().ptr(ptr(g)).ptr(ptr(out)).i(Math.toIntExact(bc.outer())).i(n));
        } else {
            launcher.launch(Kernel.REDUCE_BROADCAST_VJP, Math.toIntExact(bc.n()), 1, Launcher.THREADS, 1, 0,
                    Launcher.args().ptr(ptr(g)).ptr(ptr(out)).l(bc.outer()).l(bc.n()).l(bc.inner()));
        }
    }

    // ---- matrix products ---------------------------------------------------------------------
    @Override public void gemm(GemmSpec s, Tensor a, Tensor b, Tensor c) {
        if (s.batch() <= 0 || s.m() <= 0 || s.n() <= 0) return;
        context.bind();
        cublas.gemm(s, ptr(a) + s.offA() * Float.BYTES, ptr(b) + s.offB() * Float.BYTES, ptr(c) + s.offC() * Float.BYTES);
        flops.add((long) s.flops());
    }

    // ---- movement ----------------------------------------------------------------------------
    @Override public void permute(Tensor x, Permutation perm, Tensor out) {
        requireSameDType("permute", x, out);
        int[] dims = x.shape().dims();
        int r = dims.length;
        if (r > 8) throw new IllegalArgumentException("permute: rank " + r + " > 8 is not supported on CUDA");
        long[] inStride = new long[r];
        long s = 1;
        for (int i = r - 1; i >= 0; i--) { inStride[i] = s; s *= dims[i]; }
        long[] geom = new long[17]; // PermGeom: od[8], st[8], rank
        for (int i = 0; i < 8; i++) geom[i] = 1;
        for (int i = 0; i < r; i++) { geom[i] = dims[perm.source(i)]; geom[8 + i] = inStride[perm.source(i)]; }
        geom[16] = r;
        launcher.grid1d(x.dtype() == DType.BF16 ? Kernel.PERMUTE_FWD_B16 : Kernel.PERMUTE_FWD, x.size(), Launcher.args().ptr(ptr(x)).ptr(ptr(out)).struct(geom).l(x.size()));
    }

    @Override public void copyRuns(Tensor src, long srcOff, long srcStride, Tensor dst, long dstOff, long dstStride,
                                   int rows, int len, boolean accumulate) {
        requireSameDType("copyRuns", src, dst);
        if (accumulate) requireDType("copyRuns (accumulate)", dst, DType.F32);
        Launcher.Args a = Launcher.args().ptr(ptr(src)).l(srcOff).l(srcStride).ptr(ptr(dst)).l(dstOff).l(dstStride).l(rows).l(len);
        if (src.dtype() == DType.BF16) launcher.grid1d(Kernel.COPY_RUNS_FWD_B16, (long) rows * len, a);
        else launcher.grid1d(Kernel.COPY_RUNS_FWD, (long) rows * len, a.i(accumulate ? 1 : 0));
    }

    @Override public void gatherRows(Tensor table, Tensor idx, Tensor out) {
        requireDType("gather", idx, DType.I32);
        requireSameDType("gather", table, out);
        if (table.dtype() == DType.BF16) throw new IllegalArgumentException("gather: BF16 tables are not supported on CUDA yet");
        int width = table.shape().last();
        launcher.grid1d(Kernel.GATHER_ROWS_FWD, idx.size() * width,
                Launcher.args().ptr(ptr(table)).ptr(ptr(idx)).ptr(ptr(out)).l(idx.size()).l(width));
    }

    @Override public void scatterAddRows(Tensor g, Tensor idx, Tensor tableGrad) {
        requireDType("scatter", idx, DType.I32);
        int width = tableGrad.shape().last();
        launcher.grid1d(Kernel.SCATTER_ADD_ROWS_VJP, idx.size() * width,
                Launcher.args().ptr(ptr(g)).ptr(ptr(idx)).ptr(ptr(tableGrad)).l(idx.size()).l(width));
    }

    // ---- fused kernels -----------------------------------------------------------------------
    @Override public void rmsNorm(Tensor x, Tensor w, float eps, Tensor y, Tensor rstd) {
        int rows = x.shape().rows(), n = x.shape().last();
        launcher.launch(Kernel.RMSNORM_FWD, rows, 1, Launcher.THREADS, 1, 0,
                Launcher.args().ptr(ptr(x)).ptr(ptr(w)).f(eps).ptr(ptr(y)).ptr(ptr(rstd)).i(rows).i(n));
    }

    @Override public void rmsNormDual(Tensor x, Tensor tx, Tensor w, float eps, Tensor y, Tensor ty, Tensor rstd) {
        int rows = x.shape().rows(), n = x.shape().last();
        launcher.launch(Kernel.RMSNORM_JVP, rows, 1, Launcher.THREADS, 1, 0, Launcher.args().ptr(ptr(x)).ptr(ptr(tx))
                .ptr(ptr(w)).f(eps).ptr(ptr(y)).ptr(ptr(ty)).ptr(ptr(rstd)).i(rows).i(n));
    }

    @Override public void rmsNormBackward(Tensor x, Tensor w, Tensor rstd, Tensor dy, Tensor dx, Tensor dw) {
        int rows = x.shape().rows(), n = x.shape().last();
        launcher.launch(Kernel.RMSNORM_VJP, rows, 1, Launcher.THREADS, 1, 0,
                Launcher.args().ptr(ptr(x)).ptr(ptr(w)).ptr(ptr(rstd)).ptr(ptr(dy)).ptr(ptr(dx)).i(rows).i(n));
        if (dw != null && rows > 0)
            launcher.launch(Kernel.RMSNORM_DW_VJP, (n + 31) / 32, 1, 32, 8, 0,
                    Launcher.args().ptr(ptr(x)).ptr(ptr(rstd)).ptr(ptr(dy)).ptr(ptr(dw)).i(rows).i(n));
    }

    @Override public void rope(Tensor x, Tensor cos, Tensor sin, int heads, boolean inverse, Tensor out) {
        int headDim = ropeHeadDim(x, heads);
        long rows = x.shape().rows();
        launcher.grid1d(Kernel.ROPE_FWD, rows * heads * (headDim / 2), Launcher.args().ptr(ptr(x)).ptr(ptr(cos)).ptr(ptr(sin))
                .ptr(ptr(out)).l(rows).i(seqLen(x)).i(heads).i(headDim).f(inverse ? -1f : 1f));
    }

    @Override public void ropeDual(Tensor x, Tensor tx, Tensor cos, Tensor sin, int heads, Tensor y, Tensor ty) {
        int headDim = ropeHeadDim(x, heads);
        long rows = x.shape().rows();
        launcher.grid1d(Kernel.ROPE_JVP, rows * heads * (headDim / 2), Launcher.args().ptr(ptr(x)).ptr(ptr(tx))
                .ptr(ptr(cos)).ptr(ptr(sin)).ptr(ptr(y)).ptr(ptr(ty)).l(rows).i(seqLen(x)).i(heads).i(headDim));
    }

    @Override public void swiglu(Tensor a, Tensor b, Tensor y) {
        launcher.grid1d(Kernel.SWIGLU_FWD, a.size(), Launcher.args().ptr(ptr(a)).ptr(ptr(b)).ptr(ptr(y)).l(a.size()));
    }

    @Override public void swigluDual(Tensor a, Tensor ta, Tensor b, Tensor tb, Tensor y, Tensor ty) {
        launcher.grid1d(Kernel.SWIGLU_JVP, a.size(), Launcher.args().ptr(ptr(a)).ptr(ptr(ta)).ptr(ptr(b)).ptr(ptr(tb))
                .ptr(ptr(y)).ptr(ptr(ty)).l(a.size()));
    }

    @Override public void swigluBackward(Tensor a, Tensor b, Tensor dy, Tensor da, Tensor db) {
        launcher.grid1d(Kernel.SWIGLU_VJP, a.size(), Launcher.args().ptr(ptr(a)).ptr(ptr(b)).ptr(ptr(dy))
                .ptr(ptr(da)).ptr(ptr(db)).l(a.size()));
    }

    @Override public void softmax(Tensor x, Tensor y) {
        int rows = x.shape().rows(), n = x.shape().last();
        launcher.launch(Kernel.SOFTMAX_FWD, rows, 1, Launcher.THREADS, 1, 0, Launcher.args().ptr(ptr(x)).ptr(ptr(y)).i(rows).i(n));
    }

    @Override public void softmaxDual(Tensor x, Tensor tx, Tensor y, Tensor ty) {
        int rows = x.shape().rows(), n = x.shape().last();
        launcher.launch(Kernel.SOFTMAX_JVP, rows, 1, Launcher.THREADS, 1, 0,
                Launcher.args().ptr(ptr(x)).ptr(ptr(tx)).ptr(ptr(y)).ptr(ptr(ty)).i(rows).i(n));
    }

    @Override public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        int rows = y.shape().rows(), n = y.shape().last();
        launcher.launch(Kernel.SOFTMAX_VJP, rows, 1, Launcher.THREADS, 1, 0,
                Launcher.args().ptr(ptr(y)).ptr(ptr(dy)).ptr(ptr(dx)).i(rows).i(n));
    }

    @Override public void attention(AttentionSpec s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse) {
        launchAttention(Kernel.ATTENTION_FWD, s, 2, 8, Launcher.args().ptr(ptr(q)).ptr(ptr(k)).ptr(ptr(v)).ptr(ptr(o)).ptr(ptr(lse)));
        flops.add(s.flops(1));
    }

    @Override public void attentionDual(AttentionSpec s, Tensor q, Tensor tq, Tensor k, Tensor tk, Tensor v, Tensor tv,
                                        Tensor o, Tensor to, Tensor lse) {
        launchAttention(Kernel.ATTENTION_JVP, s, 4, 16, Launcher.args().ptr(ptr(q)).ptr(ptr(tq)).ptr(ptr(k)).ptr(ptr(tk))
                .ptr(ptr(v)).ptr(ptr(tv)).ptr(ptr(o)).ptr(ptr(to)).ptr(ptr(lse)));
        flops.add(s.flops(3));
    }

    @Override public void attentionBackward(AttentionSpec s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, Tensor dO,
                                            Tensor dq, Tensor dk, Tensor dv) {
        // D_i = dO_i·o_i per row, written by the dq kernel and read by the dk/dv kernel: B·H·L floats, not L×L.
        DeviceAllocator.Block dbuf = allocator.allocate((long) s.batch() * s.heads() * s.length() * Float.BYTES);
        try {
            launchAttention(Kernel.ATTENTION_DQ_VJP, s, 2, 16, Launcher.args().ptr(ptr(q)).ptr(ptr(k)).ptr(ptr(v)).ptr(ptr(o))
                    .ptr(ptr(lse)).ptr(ptr(dO)).ptr(ptr(dq)).ptr(dbuf.address()));
            launchAttention(Kernel.ATTENTION_DKDV_VJP, s, 2, 16, AttentionGeometry.TILE * 2,
                    Launcher.args().ptr(ptr(q)).ptr(ptr(k)).ptr(ptr(v)).ptr(ptr(lse)).ptr(ptr(dO)).ptr(dbuf.address())
                            .ptr(ptr(dk)).ptr(ptr(dv)));
        } finally {
            allocator.free(dbuf); // stream order keeps the next user of this block behind both kernels
        }
        flops.add(s.flops(2.5));
    }

    private void launchAttention(Kernel k, AttentionSpec s, int tiles, int rowSlots, Launcher.Args a) {
        launchAttention(k, s, tiles, rowSlots, 0, a);
    }

    private void launchAttention(Kernel k, AttentionSpec s, int tiles, int rowSlots, int extraFloats, Launcher.Args a) {
        AttentionGeometry.check(s);
        a.i(s.length()).i(s.heads()).i(s.headDim()).f(s.scale());
        launcher.launch(k, AttentionGeometry.gridX(s), s.batch() * s.heads(), AttentionGeometry.THREADS, 1,
                AttentionGeometry.sharedBytes(s, tiles, rowSlots, extraFloats), a);
    }

    @Override public void timestepFeatures(Tensor s, float maxPeriod, boolean derivative, Tensor out) {
        int dim = out.shape().last();
        if (dim % 2 != 0) throw new IllegalArgumentException("timestep features: dim " + dim + " is odd; need [cos, sin] halves");
        long count = s.size();
        launcher.grid1d(derivative ? Kernel.TIMESTEP_JVP : Kernel.TIMESTEP_FWD, count * (dim / 2),
                Launcher.args().ptr(ptr(s)).ptr(ptr(out)).l(count).i(dim / 2).d(Math.log(maxPeriod)));
    }

    // ---- optimizer ---------------------------------------------------------------------------
    @Override public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep st) {
        requireSameSize("adamw", param, grad);
        launcher.grid1d(Kernel.ADAMW_FWD, param.size(), Launcher.args().ptr(ptr(param)).ptr(ptr(grad)).ptr(ptr(m)).ptr(ptr(v))
                .f(st.lr()).f(st.beta1()).f(st.beta2()).f(st.eps()).f(st.weightDecay())
                .f((float) (1 / st.biasCorrection1())).f((float) (1 / st.biasCorrection2())).l(param.size()));
    }

    @Override public void emaUpdate(Tensor ema, Tensor param, float decay) {
        requireSameSize("ema", ema, param);
        launcher.grid1d(Kernel.EMA_FWD, ema.size(), Launcher.args().ptr(ptr(ema)).ptr(ptr(param)).f(decay).l(ema.size()));
    }

    // ---- helpers -----------------------------------------------------------------------------
    private static int ropeHeadDim(Tensor x, int heads) {
        int headDim = x.shape().last() / heads;
        if (headDim % 2 != 0) throw new IllegalArgumentException("rope: head width " + headDim + " is odd; pairs need an even Dh");
        return headDim;
    }

    private static int seqLen(Tensor x) { return x.rank() >= 2 ? x.dim(-2) : 1; }
}
