package imfengine.backend.cpu;

import imfengine.backend.AdamWStep;
import imfengine.backend.AttentionSpec;
import imfengine.backend.Backend;
import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.backend.Distribution;
import imfengine.backend.GemmSpec;
import imfengine.backend.ImageShapes;
import imfengine.backend.Pooling;
import imfengine.backend.RandomKey;
import imfengine.backend.TransferCounts;
import imfengine.backend.UnaryOp;
import imfengine.backend.Window2d;
import imfengine.tensor.Bf16;
import imfengine.tensor.DType;
import imfengine.tensor.Permutation;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static imfengine.backend.SizeCheck.requireDType;
import static imfengine.backend.SizeCheck.requireGatedResidual;
import static imfengine.backend.SizeCheck.requireGatedResidualBackward;
import static imfengine.backend.SizeCheck.requireHostLength;
import static imfengine.backend.SizeCheck.requireSameDType;
import static imfengine.backend.SizeCheck.requireSameSize;

/**
 * The pure-Java backend: heap arrays, a fixed {@link WorkerPool} over all cores, and kernels with a
 * Vector API path and a scalar path (the reference; {@code simd = false} forces it). This class only
 * unwraps tensors (array + element offset) and delegates to one kernel class per family; the fused and
 * reduction kernels see views through {@link Staging}. Its host "transfers" are array copies, counted
 * like a device's so that a step's round trips show on the CPU.
 */
public final class CpuBackend implements Backend {
    private final boolean simd;
    private final WorkerPool pool;
    private final ArrayPool arrays;
    private final LongAdder flops = new LongAdder();
    private final AtomicLong uploads = new AtomicLong(), downloads = new AtomicLong(), bytesUp = new AtomicLong(),
            bytesDown = new AtomicLong();
    private final CpuElementwise elementwise;
    private final CpuSelect select;
    private final CpuRandom random;
    private final CpuReductions reductions;
    private final CpuGemm gemm;
    private final CpuMovement movement;
    private final CpuRmsNorm rmsNorm;
    private final CpuRope rope;
    private final CpuSwiglu swiglu;
    private final CpuGatedResidual gatedResidual;
    private final CpuSoftmax softmax;
    private final CpuAttention attention;
    private final CpuTimestep timestep;
    private final CpuOptimizer optimizer;
    private final CpuIm2col im2col;
    private final CpuGroupNorm groupNorm;
    private final CpuUpsample upsample;
    private final CpuPooling pooling;

    public CpuBackend(int threads, boolean simd) { this(threads, simd, new ArrayPool()); }

    /** Tensors from {@code arrays} (tests: a pool that poisons what it hands out). */
    CpuBackend(int threads, boolean simd, ArrayPool arrays) {
        this.arrays = arrays;
        if (simd && !VectorSupport.present())
            throw new IllegalStateException("SIMD requested but jdk.incubator.vector is not in this JVM (add --add-modules=jdk.incubator.vector)");
        this.simd = simd;
        if (simd) ElementwiseWarmup.startOnce();
        this.pool = new WorkerPool(threads);
        this.elementwise = new CpuElementwise(pool, simd);
        this.select = new CpuSelect(pool);
        this.random = new CpuRandom(pool);
        this.reductions = new CpuReductions(pool, simd);
        this.gemm = new CpuGemm(pool, simd);
        this.movement = new CpuMovement(pool);
        this.rmsNorm = new CpuRmsNorm(pool, simd);
        this.rope = new CpuRope(pool, simd);
        this.swiglu = new CpuSwiglu(pool, simd);
        this.gatedResidual = new CpuGatedResidual(pool, simd);
        this.softmax = new CpuSoftmax(pool, simd);
        this.attention = new CpuAttention(pool, simd);
        this.timestep = new CpuTimestep(pool);
        this.optimizer = new CpuOptimizer(pool);
        this.im2col = new CpuIm2col(pool);
        this.groupNorm = new CpuGroupNorm(pool, simd);
        this.upsample = new CpuUpsample(pool);
        this.pooling = new CpuPooling(pool);
    }

    /** All cores, SIMD when the Vector API module is present (and not disabled by {@code -Dimf.scalar=true}). */
    public static CpuBackend create() {
        return new CpuBackend(Runtime.getRuntime().availableProcessors(), VectorSupport.enabledByDefault());
    }

    public boolean simd() { return simd; }

    /** Which native kernels (AMX, AVX-512) run the GEMMs and attention here, for which products and heads, or why none (e.g. {@code no AMX (the CPU has no AMX-BF16), no AVX-512 sgemm (no 16-lane vectors)}). */
    public String nativeStatus() { return simd ? gemm.nativeStatus() + attention.amxStatus() : "no native kernels (scalar kernels)"; }

    /**
     * Waits at most {@code millis} until the start-up compilation of the elementwise kernels ({@link ElementwiseWarmup},
     * a few seconds of one core) has ended; returns whether it has. Benchmarks call it before they measure.
     */
    public boolean awaitKernelWarmup(long millis) throws InterruptedException { return ElementwiseWarmup.awaitDone(millis); }

    /** Peak bytes of float tensor storage alive at once since this backend was made (pool high-water mark). */
    @Override public long peakTensorBytes() { return 4 * arrays.peakLiveFloats(); }

    /** Floating-point operations issued by the GEMM and attention kernels so far (for {@code bench}). */
    @Override public long matrixFlops() { return flops.sum(); }

    /** A core's L2 cache (core 0's, read once), where each thread's share of a kernel's operands stays. */
    private static final long L2_BYTES = CpuCaches.detect().l2Bytes();

    /** The L2 caches of this backend's threads. */
    @Override public long cacheBytes() { return pool.threads() * L2_BYTES; }

    @Override public TransferCounts transfers() {
        return new TransferCounts(uploads.get(), downloads.get(), bytesUp.get(), bytesDown.get());
    }

    /** Kernels run synchronously on the calling threads. */
    @Override public void synchronize() {}

    public int threads() { return pool.threads(); }

    @Override public String name() { return "cpu(" + pool.threads() + " threads, " + (simd ? "simd, " + nativeStatus() + ", gemm tile " + GemmSimd.tile() + (GemmSimd.READS_A_IN_PLACE ? ", A in place" : ", A packed") + ", " + GemmPacked.BLOCKING.describe() : "scalar") + ")"; }

    // ---- unwrapping ----------------------------------------------------------------------------
    private static CpuStorage storage(Tensor t) {
        if (!(t.storage() instanceof CpuStorage s))
            throw new IllegalArgumentException("tensor " + t.shape() + " is not on the CPU backend");
        return s;
    }

    /** The backing float array of an F32 tensor; index it from {@link #off}. */
    private static float[] f(Tensor t) { return storage(t).floats(); }

    private static int[] ints(Tensor t) { return storage(t).ints(); }

    /** The backing array of any dtype ({@code float[]}, {@code int[]} or {@code short[]}). */
    private static Object any(Tensor t) {
        CpuStorage s = storage(t);
        return switch (s.dtype()) {
            case F32 -> s.floats();
            case I32 -> s.ints();
            case BF16 -> s.halves();
        };
    }

    private static int off(Tensor t) { return (int) t.offset(); }

    /** For kernels that index their arrays from 0 (see {@link Staging}): read-only, write-only, read-write operands. */
    private static float[] in(Staging st, Tensor t) { return st.in(f(t), off(t), t.shape().intSize()); }

    private static float[] out(Staging st, Tensor t) { return st.out(f(t), off(t), t.shape().intSize()); }

    private static float[] inOut(Staging st, Tensor t) { return st.inOut(f(t), off(t), t.shape().intSize()); }

    // ---- memory ------------------------------------------------------------------------------
    @Override public Tensor allocate(Shape shape, DType dtype) {
        return new Tensor(shape, dtype, CpuStorage.allocate(dtype, shape.intSize(), arrays), 0, this);
    }

    @Override public void fill(Tensor t, double value) {
        int o = off(t), n = t.shape().intSize();
        switch (t.dtype()) {
            case F32 -> Arrays.fill(f(t), o, o + n, (float) value);
            case I32 -> Arrays.fill(ints(t), o, o + n, (int) value);
            case BF16 -> Arrays.fill(storage(t).halves(), o, o + n, Bf16.fromFloat((float) value));
        }
    }

    @Override public void copy(Tensor src, Tensor dst) {
        requireSameSize("copy", src, dst);
        requireSameDType("copy", src, dst);
        System.arraycopy(any(src), off(src), any(dst), off(dst), src.shape().intSize());
    }

    @Override public void cast(Tensor src, Tensor dst) {
        requireSameSize("cast", src, dst);
        if (dst.dtype() == DType.I32) throw new IllegalArgumentException("cast: to I32 is not supported, got " + dst);
        select.cast(any(src), off(src), any(dst), off(dst), src.shape().intSize());
    }

    // ---- the host boundary -------------------------------------------------------------------
    @Override public void upload(float[] src, Tensor dst) {
        requireHostLength("upload", src.length, dst);
        if (dst.dtype() == DType.BF16) {
            short[] h = storage(dst).halves();
            for (int i = 0; i < src.length; i++) h[off(dst) + i] = Bf16.fromFloat(src[i]);
        } else {
            requireDType("upload", dst, DType.F32);
            System.arraycopy(src, 0, f(dst), off(dst), src.length);
        }
        count(uploads, bytesUp, dst);
    }

    @Override public void upload(int[] src, Tensor dst) {
        requireHostLength("upload", src.length, dst);
        System.arraycopy(src, 0, ints(dst), off(dst), src.length);
        count(uploads, bytesUp, dst);
    }

    @Override public void download(Tensor src, float[] dst) {
        requireHostLength("download", dst.length, src);
        if (src.dtype() == DType.BF16) {
            short[] h = storage(src).halves();
            for (int i = 0; i < dst.length; i++) dst[i] = Bf16.toFloat(h[off(src) + i]);
        } else {
            System.arraycopy(f(src), off(src), dst, 0, dst.length);
        }
        count(downloads, bytesDown, src);
    }

    @Override public void download(Tensor src, int[] dst) {
        requireHostLength("download", dst.length, src);
        System.arraycopy(ints(src), off(src), dst, 0, dst.length);
        count(downloads, bytesDown, src);
    }

    private static void count(AtomicLong calls, AtomicLong bytes, Tensor t) {
        calls.incrementAndGet();
        bytes.addAndGet(t.size() * t.dtype().bytes());
    }

    // ---- random numbers ----------------------------------------------------------------------
    @Override public void random(RandomKey key, Distribution dist, long first, Tensor out) {
        random.draw(key, dist, first, f(out), off(out), out.shape().intSize());
    }

    // ---- elementwise -------------------------------------------------------------------------
    @Override public void unary(UnaryOp op, Tensor x, Tensor out) {
        requireSameSize(op.name().toLowerCase(), x, out);
        elementwise.unary(op, f(x), off(x), f(out), off(out), x.shape().intSize());
    }

    @Override public void unaryDerivative(UnaryOp op, Tensor x, Tensor y, Tensor g, Tensor out) {
        requireSameSize(op.name().toLowerCase() + " derivative", x, out);
        elementwise.unaryDerivative(op, f(x), off(x), f(y), off(y), f(g), off(g), f(out), off(out), x.shape().intSize());
    }

    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Broadcast bc, Tensor out) {
        elementwise.binary(op, f(a), off(a), f(b), off(b), bc, f(out), off(out));
    }

    @Override public void axpby(float alpha, Tensor x, float beta, Tensor y, Tensor out) {
        requireSameSize("axpby", x, out);
        elementwise.axpby(alpha, f(x), off(x), beta, y == null ? null : f(y), y == null ? 0 : off(y), f(out), off(out),
                x.shape().intSize());
    }

    @Override public void where(Tensor mask, Broadcast bc, Tensor a, Tensor b, Tensor out) {
        requireSameDType("where", a, b);
        requireSameDType("where", a, out);
        select.where(f(mask), off(mask), bc, any(a), off(a), any(b), off(b), any(out), off(out));
    }

    @Override public void iota(Tensor out) { CpuSelect.iota(any(out), off(out), out.shape().intSize()); }

    @Override public int selectNonzero(Tensor mask, Tensor indices) {
        if (indices.size() < mask.size()) throw new IllegalArgumentException("selectNonzero: " + indices + " is shorter than the mask " + mask);
        int n = CpuSelect.selectNonzero(f(mask), off(mask), mask.shape().intSize(), ints(indices), off(indices));
        downloads.incrementAndGet(); // the count reaches the host
        bytesDown.addAndGet(Integer.BYTES);
        return n;
    }

    // ---- reductions --------------------------------------------------------------------------
    @Override public void sumLastAxis(Tensor x, Tensor out) {
        try (Staging st = new Staging()) {
            reductions.sumRows(in(st, x), x.shape().rows(), x.shape().last(), out(st, out));
        }
    }

    @Override public void sumAll(Tensor x, Tensor out) {
        try (Staging st = new Staging()) {
            f(out)[off(out)] = (float) reductions.sumAll(in(st, x), x.shape().intSize());
        }
    }

    @Override public void reduceBroadcast(Tensor g, Broadcast bc, Tensor out) {
        try (Staging st = new Staging()) {
            reductions.reduceBroadcast(in(st, g), bc, out(st, out));
        }
    }

    // ---- matrix products ---------------------------------------------------------------------
    @Override public void gemm(GemmSpec spec, Tensor a, Tensor b, Tensor c) {
        gemm.gemm(spec.shifted(a.offset(), b.offset(), c.offset()), f(a), f(b), f(c));
        flops.add((long) spec.flops());
    }

    @Override public void gemmSharedA(GemmSpec[] specs, Tensor a, Tensor[] b, Tensor[] c) {
        GemmSpec[] shifted = new GemmSpec[specs.length];
        float[][] bs = new float[specs.length][], cs = new float[specs.length][];
        for (int i = 0; i < specs.length; i++) {
            shifted[i] = specs[i].shifted(a.offset(), b[i].offset(), c[i].offset());
            bs[i] = f(b[i]);
            cs[i] = f(c[i]);
            flops.add((long) specs[i].flops());
        }
        gemm.gemmSharedA(shifted, f(a), bs, cs);
    }

    // ---- movement ----------------------------------------------------------------------------
    @Override public void permute(Tensor x, Permutation perm, Tensor out) {
        requireSameDType("permute", x, out);
        movement.permute(any(x), off(x), x.shape(), perm, any(out), off(out));
    }

    @Override public void copyRuns(Tensor src, long srcOff, long srcStride, Tensor dst, long dstOff, long dstStride,
                                   int rows, int len, boolean accumulate) {
        requireSameDType("copyRuns", src, dst);
        if (accumulate) requireDType("copyRuns (accumulate)", dst, DType.F32);
        movement.copyRuns(any(src), off(src) + srcOff, srcStride, any(dst), off(dst) + dstOff, dstStride, rows, len, accumulate);
    }

    @Override public void gatherRows(Tensor table, Tensor idx, Tensor out) {
        requireDType("gather", idx, DType.I32);
        requireSameDType("gather", table, out);
        movement.gatherRows(any(table), off(table), table.shape().rows(), table.shape().last(), ints(idx), off(idx),
                idx.shape().intSize(), any(out), off(out));
    }

    @Override public void scatterAddRows(Tensor g, Tensor idx, Tensor tableGrad) {
        requireDType("scatter", idx, DType.I32);
        movement.scatterAddRows(f(g), off(g), ints(idx), off(idx), idx.shape().intSize(), f(tableGrad), off(tableGrad),
                tableGrad.shape().rows(), tableGrad.shape().last());
    }

    // ---- fused kernels -----------------------------------------------------------------------
    @Override public void rmsNorm(Tensor x, Tensor w, float eps, Tensor y, Tensor rstd) {
        try (Staging st = new Staging()) {
            rmsNorm.forward(in(st, x), f(w), off(w), eps, out(st, y), out(st, rstd), x.shape().rows(), x.shape().last());
        }
    }

    @Override public void rmsNormDual(Tensor x, Tensor tx, Tensor w, float eps, Tensor y, Tensor ty, Tensor rstd) {
        try (Staging st = new Staging()) {
            rmsNorm.dual(in(st, x), in(st, tx), f(w), off(w), eps, out(st, y), out(st, ty), out(st, rstd), x.shape().rows(),
                    x.shape().last());
        }
    }

    @Override public void rmsNormBackward(Tensor x, Tensor w, Tensor rstd, Tensor dy, Tensor dx, boolean addToDx, Tensor dw) {
        try (Staging st = new Staging()) {
            rmsNorm.backward(in(st, x), f(w), off(w), in(st, rstd), in(st, dy), addToDx ? inOut(st, dx) : out(st, dx), addToDx,
                    dw == null ? null : inOut(st, dw), x.shape().rows(), x.shape().last());
        }
    }

    @Override public void rope(Tensor x, Tensor cos, Tensor sin, int heads, boolean inverse, Tensor out) {
        try (Staging st = new Staging()) {
            rope.apply(in(st, x), in(st, cos), in(st, sin), ropeRows(x), seqLen(x), heads, x.shape().last() / heads, inverse,
                    out(st, out));
        }
    }

    @Override public void ropeDual(Tensor x, Tensor tx, Tensor cos, Tensor sin, int heads, Tensor y, Tensor ty) {
        try (Staging st = new Staging()) {
            rope.dual(in(st, x), in(st, tx), in(st, cos), in(st, sin), ropeRows(x), seqLen(x), heads, x.shape().last() / heads,
                    out(st, y), out(st, ty));
        }
    }

    /** The norm's rows turned while in L1 (see {@link HeadRotation}); the scalar reference makes the two calls. */
    @Override public void rmsNormRope(Tensor x, Tensor w, float eps, Tensor cos, Tensor sin, int heads, Tensor y, Tensor rstd) {
        if (!simd) {
            Backend.super.rmsNormRope(x, w, eps, cos, sin, heads, y, rstd);
            return;
        }
        int dh = x.shape().splitLast(heads).last();
        try (Staging st = new Staging()) {
            HeadRotation turn = new HeadRotation(in(st, cos), in(st, sin), seqLen(x), heads, dh, false);
            rmsNorm.forward(in(st, x), f(w), off(w), eps, out(st, y), out(st, rstd), x.shape().rows() * heads, dh, turn);
        }
    }

    @Override public void rmsNormRopeDual(Tensor x, Tensor tx, Tensor w, float eps, Tensor cos, Tensor sin, int heads, Tensor y,
                                          Tensor ty, Tensor rstd) {
        if (!simd) {
            Backend.super.rmsNormRopeDual(x, tx, w, eps, cos, sin, heads, y, ty, rstd);
            return;
        }
        int dh = x.shape().splitLast(heads).last();
        try (Staging st = new Staging()) {
            HeadRotation turn = new HeadRotation(in(st, cos), in(st, sin), seqLen(x), heads, dh, false);
            rmsNorm.dual(in(st, x), in(st, tx), f(w), off(w), eps, out(st, y), out(st, ty), out(st, rstd), x.shape().rows() * heads,
                    dh, turn);
        }
    }

    @Override public void rmsNormRopeBackward(Tensor x, Tensor w, Tensor rstd, Tensor cos, Tensor sin, int heads, Tensor dy,
                                              Tensor dx, boolean addToDx, Tensor dw) {
        if (!simd) {
            Backend.super.rmsNormRopeBackward(x, w, rstd, cos, sin, heads, dy, dx, addToDx, dw);
            return;
        }
        int dh = x.shape().splitLast(heads).last();
        try (Staging st = new Staging()) {
            HeadRotation turn = new HeadRotation(in(st, cos), in(st, sin), seqLen(x), heads, dh, true);
            rmsNorm.backward(in(st, x), f(w), off(w), in(st, rstd), in(st, dy), addToDx ? inOut(st, dx) : out(st, dx), addToDx,
                    dw == null ? null : inOut(st, dw), x.shape().rows() * heads, dh, turn);
        }
    }

    @Override public void gatedResidual(Tensor x, Tensor branch, Tensor gate, Tensor out) {
        requireGatedResidual("gated residual", x, branch, gate, out);
        try (Staging st = new Staging()) {
            gatedResidual.forward(in(st, x), in(st, branch), f(gate), off(gate), out(st, out), x.shape().rows(), x.shape().last());
        }
    }

    @Override public void gatedResidualBackward(Tensor dy, Tensor branch, Tensor gate, Tensor dBranch, Tensor dGate) {
        requireGatedResidualBackward("gated residual backward", dy, branch, gate, dBranch, dGate);
        try (Staging st = new Staging()) {
            gatedResidual.backward(in(st, dy), in(st, branch), f(gate), off(gate), out(st, dBranch), out(st, dGate),
                    dy.shape().rows(), dy.shape().last());
        }
    }

    @Override public void swiglu(Tensor a, Tensor b, Tensor y) {
        try (Staging st = new Staging()) {
            swiglu.forward(in(st, a), in(st, b), out(st, y), a.shape().intSize());
        }
    }

    @Override public void swigluDual(Tensor a, Tensor ta, Tensor b, Tensor tb, Tensor y, Tensor ty) {
        try (Staging st = new Staging()) {
            swiglu.dual(in(st, a), in(st, ta), in(st, b), in(st, tb), out(st, y), out(st, ty), a.shape().intSize());
        }
    }

    @Override public void swigluBackward(Tensor a, Tensor b, Tensor dy, Tensor da, Tensor db) {
        try (Staging st = new Staging()) {
            swiglu.backward(in(st, a), in(st, b), in(st, dy), out(st, da), out(st, db), a.shape().intSize());
        }
    }

    @Override public void softmax(Tensor x, Tensor y) {
        try (Staging st = new Staging()) {
            softmax.forward(in(st, x), out(st, y), x.shape().rows(), x.shape().last());
        }
    }

    @Override public void softmaxDual(Tensor x, Tensor tx, Tensor y, Tensor ty) {
        try (Staging st = new Staging()) {
            softmax.dual(in(st, x), in(st, tx), out(st, y), out(st, ty), x.shape().rows(), x.shape().last());
        }
    }

    @Override public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        try (Staging st = new Staging()) {
            softmax.backward(in(st, y), in(st, dy), out(st, dx), y.shape().rows(), y.shape().last());
        }
    }

    @Override public void attention(AttentionSpec s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse) {
        try (Staging st = new Staging()) {
            attention.forward(s, in(st, q), in(st, k), in(st, v), out(st, o), out(st, lse));
        }
        flops.add(s.flops(1));
    }

    @Override public void attentionDual(AttentionSpec s, Tensor q, Tensor tq, Tensor k, Tensor tk, Tensor v, Tensor tv,
                                        Tensor o, Tensor to, Tensor lse) {
        try (Staging st = new Staging()) {
            attention.dual(s, in(st, q), in(st, tq), in(st, k), in(st, tk), in(st, v), in(st, tv), out(st, o), out(st, to), out(st, lse));
        }
        flops.add(s.flops(3));
    }

    @Override public void attentionBackward(AttentionSpec s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse,
                                            Tensor dO, Tensor dq, Tensor dk, Tensor dv) {
        try (Staging st = new Staging()) {
            attention.backward(s, in(st, q), in(st, k), in(st, v), in(st, o), in(st, lse), in(st, dO), out(st, dq), out(st, dk),
                    out(st, dv));
        }
        flops.add(s.flops(2.5));
    }

    @Override public void timestepFeatures(Tensor s, float maxPeriod, boolean derivative, Tensor out) {
        try (Staging st = new Staging()) {
            timestep.features(f(s), off(s), s.shape().intSize(), out.shape().last(), maxPeriod, derivative, out(st, out));
        }
    }

    // ---- images -------------------------------------------------------------------------------
    @Override public void im2col(Tensor x, Window2d w, Tensor cols) {
        ImageShapes.requireIm2col(x, w, cols);
        im2col.im2col(f(x), off(x), x.dim(0), x.dim(1), x.dim(2), x.dim(3), w, f(cols), off(cols));
    }

    @Override public void groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, float eps, Tensor y) {
        ImageShapes.requireGroupNorm(x, gamma, beta, groups, y);
        groupNorm.forward(f(x), off(x), f(gamma), off(gamma), f(beta), off(beta), x.dim(0), x.dim(1), x.dim(2) * x.dim(3), groups, eps,
                f(y), off(y));
    }

    @Override public void upsampleNearest2x(Tensor x, Tensor y) {
        ImageShapes.requireUpsample2x(x, y);
        upsample.nearest2x(f(x), off(x), x.dim(0) * x.dim(1), x.dim(2), x.dim(3), f(y), off(y));
    }

    @Override public void pool2d(Pooling kind, Window2d w, Tensor x, Tensor y) {
        ImageShapes.requirePool(w, x, y);
        pooling.pool(kind, w, f(x), off(x), x.dim(0) * x.dim(1), x.dim(2), x.dim(3), f(y), off(y));
    }

    // ---- optimizer ---------------------------------------------------------------------------
    @Override public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step) {
        requireSameSize("adamw", param, grad);
        try (Staging st = new Staging()) {
            optimizer.adamw(inOut(st, param), in(st, grad), inOut(st, m), inOut(st, v), step, param.shape().intSize());
        }
    }

    @Override public void emaUpdate(Tensor ema, Tensor param, float decay) {
        requireSameSize("ema", ema, param);
        try (Staging st = new Staging()) {
            optimizer.ema(inOut(st, ema), in(st, param), decay, ema.shape().intSize());
        }
    }

    // ---- helpers -----------------------------------------------------------------------------
    /** Rope tensors are {@code [B, L, heads·Dh]}: rows = B·L. */
    private static int ropeRows(Tensor x) { return x.shape().rows(); }

    private static int seqLen(Tensor x) { return x.rank() >= 2 ? x.dim(-2) : 1; }
}
