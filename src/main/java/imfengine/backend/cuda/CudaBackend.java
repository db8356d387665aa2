package imfengine.backend.cuda;

import imfengine.backend.AdamWStep;
import imfengine.backend.AttentionSpec;
import imfengine.backend.Backend;
import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.backend.GemmSpec;
import static imfengine.backend.SizeCheck.requireSameSize;
import imfengine.backend.UnaryOp;
import imfengine.tensor.MemoryScope;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import jcuda.Pointer;

import java.util.concurrent.atomic.LongAdder;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;

/**
 * The CUDA kernel set: unwraps tensors to device addresses, checks shapes the way the CPU backend
 * does, and launches one PTX kernel (or cuBLAS) per call on the context's stream. Calls return
 * before the device finishes; {@link #toArray} and {@link #synchronize} wait. The math of every
 * kernel is in the header of its {@code native-kernels/<family>.cu}; the CPU backend is the reference.
 */
public final class CudaBackend implements Backend {
    private final CudaContext context;
    private final DeviceAllocator allocator;
    private final Launcher launcher;
    private final Cublas cublas;
    private final boolean tf32;
    private final LongAdder flops = new LongAdder();

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

    @Override public String name() { return "cuda(" + context.deviceName() + (tf32 ? ", tf32" : "") + ")"; }

    // ---- memory ------------------------------------------------------------------------------
    private static CudaStorage storage(Tensor t) {
        if (!(t.storage() instanceof CudaStorage s))
            throw new IllegalArgumentException("tensor " + t.shape() + " is not on the CUDA backend");
        return s;
    }

    private static long ptr(Tensor t) { return storage(t).address(); }

    @Override public Tensor empty(Shape shape) {
        CudaStorage s = new CudaStorage(allocator, shape.size());
        MemoryScope.track(s);
        return new Tensor(shape, s, this);
    }

    @Override public Tensor zeros(Shape shape) {
        Tensor t = empty(shape);
        fill(t, 0f);
        return t;
    }

    @Override public Tensor fromArray(float[] values, Shape shape) {
        if (values.length != shape.size())
            throw new IllegalArgumentException("fromArray: " + values.length + " values for shape " + shape);
        Tensor t = empty(shape);
        context.bind();
        if (values.length > 0) cuMemcpyHtoD(storage(t).pointer(), Pointer.to(values), (long) values.length * Float.BYTES);
        return t;
    }

    @Override public float[] toArray(Tensor t) {
        float[] out = new float[t.shape().intSize()];
        context.synchronize();
        if (out.length > 0) cuMemcpyDtoH(Pointer.to(out), storage(t).pointer(), (long) out.length * Float.BYTES);
        return out;
    }

    @Override public void fill(Tensor t, float value) {
        context.bind();
        if (t.size() > 0) cuMemsetD32Async(storage(t).pointer(), Float.floatToRawIntBits(value), t.size(), context.stream());
    }

    @Override public void copy(Tensor src, Tensor dst) {
        requireSameSize("copy", src, dst);
        context.bind();
        if (src.size() > 0) cuMemcpyDtoDAsync(storage(dst).pointer(), storage(src).pointer(), src.size() * Float.BYTES, context.stream());
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
        launcher.grid1d(Kernel.WHERE_FWD, bc.total(), Launcher.args().ptr(ptr(mask)).l(bc.n()).l(bc.inner())
                .ptr(ptr(a)).ptr(ptr(b)).ptr(ptr(out)).l(bc.total()));
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
    @Override public void permute(Tensor x, int[] perm, Tensor out) {
        int[] dims = x.shape().dims();
        int r = dims.length;
        if (r > 8) throw new IllegalArgumentException("permute: rank " + r + " > 8 is not supported on CUDA");
        long[] inStride = new long[r];
        long s = 1;
        for (int i = r - 1; i >= 0; i--) { inStride[i] = s; s *= dims[i]; }
        long[] geom = new long[17]; // PermGeom: od[8], st[8], rank
        for (int i = 0; i < 8; i++) geom[i] = 1;
        for (int i = 0; i < r; i++) { geom[i] = dims[perm[i]]; geom[8 + i] = inStride[perm[i]]; }
        geom[16] = r;
        launcher.grid1d(Kernel.PERMUTE_FWD, x.size(), Launcher.args().ptr(ptr(x)).ptr(ptr(out)).struct(geom).l(x.size()));
    }

    @Override public void copyRuns(Tensor src, long srcOff, long srcStride, Tensor dst, long dstOff, long dstStride,
                                   int rows, int len, boolean accumulate) {
        launcher.grid1d(Kernel.COPY_RUNS_FWD, (long) rows * len, Launcher.args().ptr(ptr(src)).l(srcOff).l(srcStride)
                .ptr(ptr(dst)).l(dstOff).l(dstStride).l(rows).l(len).i(accumulate ? 1 : 0));
    }

    @Override public void gatherRows(Tensor table, int[] idx, Tensor out) {
        checkIndices("gather", idx, table.shape().rows());
        int width = table.shape().last();
        withIndices(idx, dIdx -> launcher.grid1d(Kernel.GATHER_ROWS_FWD, (long) idx.length * width,
                Launcher.args().ptr(ptr(table)).ptr(dIdx).ptr(ptr(out)).l(idx.length).l(width)));
    }

    @Override public void scatterAddRows(Tensor g, int[] idx, Tensor tableGrad) {
        checkIndices("scatter", idx, tableGrad.shape().rows());
        int width = tableGrad.shape().last();
        withIndices(idx, dIdx -> launcher.grid1d(Kernel.SCATTER_ADD_ROWS_VJP, (long) idx.length * width,
                Launcher.args().ptr(ptr(g)).ptr(dIdx).ptr(ptr(tableGrad)).l(idx.length).l(width)));
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

    // ---- random numbers (not part of Backend: the trainer draws on the host; same words here) --
    /** Words of Philox blocks {@code first .. first+blocks−1} of {@code (seed, stream)}, as {@link imfengine.random.Philox}. */
    public int[] philoxWords(long seed, long stream, long first, int blocks) {
        Tensor out = empty(Shape.of(blocks * 4));
        try {
            launcher.grid1d(Kernel.PHILOX_WORDS_FWD, blocks, philox(Launcher.args().ptr(ptr(out)).l(blocks).l(first), seed, stream));
            float[] f = toArray(out);
            int[] w = new int[f.length];
            for (int i = 0; i < f.length; i++) w[i] = Float.floatToRawIntBits(f[i]);
            return w;
        } finally {
            out.storage().release();
        }
    }

    /** {@code out} = the first {@code out.size()} uniforms of a fresh {@code RandomStream(seed, stream)} mapped to [lo, hi). */
    public void philoxUniform(long seed, long stream, float lo, float hi, Tensor out) {
        launcher.grid1d(Kernel.PHILOX_UNIFORM_FWD, out.size(),
                philox(Launcher.args().ptr(ptr(out)).l(out.size()).l(0), seed, stream).f(lo).f(hi));
    }

    /** {@code out} = the first {@code out.size()} normals of a fresh {@code RandomStream(seed, stream)}. */
    public void philoxNormal(long seed, long stream, Tensor out) {
        launcher.grid1d(Kernel.PHILOX_NORMAL_FWD, out.size(), philox(Launcher.args().ptr(ptr(out)).l(out.size()).l(0), seed, stream));
    }

    private static Launcher.Args philox(Launcher.Args a, long seed, long stream) {
        return a.i((int) stream).i((int) (stream >>> 32)).i((int) seed).i((int) (seed >>> 32));
    }

    // ---- helpers -----------------------------------------------------------------------------
    /** Uploads {@code idx} to a temporary device block for the duration of {@code use}. */
    private void withIndices(int[] idx, java.util.function.LongConsumer use) {
        if (idx.length == 0) return;
        context.bind();
        DeviceAllocator.Block b = allocator.allocate((long) idx.length * Integer.BYTES);
        try {
            cuMemcpyHtoD(b.ptr(), Pointer.to(idx), (long) idx.length * Integer.BYTES);
            use.accept(b.address());
        } finally {
            allocator.free(b);
        }
    }

    private static void checkIndices(String op, int[] idx, int rows) {
        for (int i : idx)
            if (i < 0 || i >= rows) throw new IndexOutOfBoundsException(op + ": index " + i + " outside table of " + rows + " rows");
    }

    private static int ropeHeadDim(Tensor x, int heads) {
        int headDim = x.shape().last() / heads;
        if (headDim % 2 != 0) throw new IllegalArgumentException("rope: head width " + headDim + " is odd; pairs need an even Dh");
        return headDim;
    }

    private static int seqLen(Tensor x) { return x.rank() >= 2 ? x.dim(-2) : 1; }
}
