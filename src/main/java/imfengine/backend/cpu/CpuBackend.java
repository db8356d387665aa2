package imfengine.backend.cpu;

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

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static imfengine.backend.SizeCheck.requireDType;
import static imfengine.backend.SizeCheck.requireHostLength;
import static imfengine.backend.SizeCheck.requireSameDType;
import static imfengine.backend.SizeCheck.requireSameSize;

/**
 * The pure-Java backend: heap arrays, a fixed {@link WorkerPool} over all cores, and kernels with a
 * Vector API path and a scalar path (the reference; {@code simd = false} forces it). This class only
 * unwraps tensors (array + element offset) and delegates to one kernel class per family. Its host
 * "transfers" are array copies, counted like a device's so that a step's round trips show on the CPU.
 */
public final class CpuBackend implements Backend {
    private final boolean simd;
    private final WorkerPool pool;
    private final ArrayPool arrays = new ArrayPool();
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
    private final CpuSoftmax softmax;
    private final CpuAttention attention;
    private final CpuTimestep timestep;
    private final CpuOptimizer optimizer;

    public CpuBackend(int threads, boolean simd) {
        if (simd && !VectorSupport.present())
            throw new IllegalStateException("SIMD requested but jdk.incubator.vector is not in this JVM (add --add-modules=jdk.incubator.vector)");
        this.simd = simd;
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
        this.softmax = new CpuSoftmax(pool, simd);
        this.attention = new CpuAttention(pool, simd);
        this.timestep = new CpuTimestep(pool);
        this.optimizer = new CpuOptimizer(pool);
    }

    /** All cores, SIMD when the Vector API module is present (and not disabled by {@code -Dimf.scalar=true}). */
    public static CpuBackend create() {
        return new CpuBackend(Runtime.getRuntime().availableProcessors(), VectorSupport.enabledByDefault());
    }

    public boolean simd() { return simd; }

    /** Peak bytes of float tensor storage alive at once since this backend was made (pool high-water mark). */
    @Override public long peakTensorBytes() { return 4 * arrays.peakLiveFloats(); }

    /** Floating-point operations issued by the GEMM and attention kernels so far (for {@code bench}). */
    @Override public long matrixFlops() { return flops.sum(); }

    @Override public TransferCounts transfers() {
        return new TransferCounts(uploads.get(), downloads.get(), bytesUp.get(), bytesDown.get());
    }

    /** Kernels run synchronously on the calling threads. */
    @Override public void synchronize() {}

    public int threads() { return pool.threads(); }

    @Override public String name() { return "cpu(" + pool.threads() + " threads, " + (simd ? "simd" : "scalar") + ")"; }

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

    /** For kernels that index their arrays from 0: the F32 array of a tensor that starts there. */
    private static float[] dense(Tensor t) {
        if (t.offset() != 0)
            throw new IllegalArgumentException("this CPU kernel needs a tensor at offset 0, got a view " + t + " at " + t.offset());
        return f(t);
    }

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
    @Override public void random(RandomKey key, Distribution dist, Tensor out) {
        random.draw(key, dist, f(out), off(out), out.shape().intSize());
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
        reductions.sumRows(dense(x), x.shape().rows(), x.shape().last(), dense(out));
    }

    @Override public void sumAll(Tensor x, Tensor out) { dense(out)[0] = (float) reductions.sumAll(dense(x), x.shape().intSize()); }

    @Override public void reduceBroadcast(Tensor g, Broadcast bc, Tensor out) {
        reductions.reduceBroadcast(dense(g), bc, dense(out));
    }

    // ---- matrix products ---------------------------------------------------------------------
    @Override public void gemm(GemmSpec spec, Tensor a, Tensor b, Tensor c) {
        gemm.gemm(spec.shifted(a.offset(), b.offset(), c.offset()), f(a), f(b), f(c));
        flops.add((long) spec.flops());
    }

    // ---- movement ----------------------------------------------------------------------------
    @Override public void permute(Tensor x, Permutation perm, Tensor out) {
        requireSameDType("permute", x, out);
        movement.permute(any(x), off(x), x.shape().dims(), perm, any(out), off(out));
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
        rmsNorm.forward(dense(x), f(w), off(w), eps, dense(y), dense(rstd), x.shape().rows(), x.shape().last());
    }

    @Override public void rmsNormDual(Tensor x, Tensor tx, Tensor w, float eps, Tensor y, Tensor ty, Tensor rstd) {
        rmsNorm.dual(dense(x), dense(tx), f(w), off(w), eps, dense(y), dense(ty), dense(rstd), x.shape().rows(), x.shape().last());
    }

    @Override public void rmsNormBackward(Tensor x, Tensor w, Tensor rstd, Tensor dy, Tensor dx, Tensor dw) {
        rmsNorm.backward(dense(x), f(w), off(w), dense(rstd), dense(dy), dense(dx), dw == null ? null : dense(dw),
                x.shape().rows(), x.shape().last());
    }

    @Override public void rope(Tensor x, Tensor cos, Tensor sin, int heads, boolean inverse, Tensor out) {
        rope.apply(dense(x), dense(cos), dense(sin), ropeRows(x), seqLen(x), heads,
                x.shape().last() / heads, inverse, dense(out));
    }

    @Override public void ropeDual(Tensor x, Tensor tx, Tensor cos, Tensor sin, int heads, Tensor y, Tensor ty) {
        rope.dual(dense(x), dense(tx), dense(cos), dense(sin), ropeRows(x), seqLen(x), heads, x.shape().last() / heads,
                dense(y), dense(ty));
    }

    @Override public void swiglu(Tensor a, Tensor b, Tensor y) {
        swiglu.forward(dense(a), dense(b), dense(y), a.shape().intSize());
    }

    @Override public void swigluDual(Tensor a, Tensor ta, Tensor b, Tensor tb, Tensor y, Tensor ty) {
        swiglu.dual(dense(a), dense(ta), dense(b), dense(tb), dense(y), dense(ty), a.shape().intSize());
    }

    @Override public void swigluBackward(Tensor a, Tensor b, Tensor dy, Tensor da, Tensor db) {
        swiglu.backward(dense(a), dense(b), dense(dy), dense(da), dense(db), a.shape().intSize());
    }

    @Override public void softmax(Tensor x, Tensor y) {
        softmax.forward(dense(x), dense(y), x.shape().rows(), x.shape().last());
    }

    @Override public void softmaxDual(Tensor x, Tensor tx, Tensor y, Tensor ty) {
        softmax.dual(dense(x), dense(tx), dense(y), dense(ty), x.shape().rows(), x.shape().last());
    }

    @Override public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        softmax.backward(dense(y), dense(dy), dense(dx), y.shape().rows(), y.shape().last());
    }

    @Override public void attention(AttentionSpec s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse) {
        attention.forward(s, dense(q), dense(k), dense(v), dense(o), dense(lse));
        flops.add(s.flops(1));
    }

    @Override public void attentionDual(AttentionSpec s, Tensor q, Tensor tq, Tensor k, Tensor tk, Tensor v, Tensor tv,
                                        Tensor o, Tensor to, Tensor lse) {
        attention.dual(s, dense(q), dense(tq), dense(k), dense(tk), dense(v), dense(tv), dense(o), dense(to), dense(lse));
        flops.add(s.flops(3));
    }

    @Override public void attentionBackward(AttentionSpec s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse,
                                            Tensor dO, Tensor dq, Tensor dk, Tensor dv) {
        attention.backward(s, dense(q), dense(k), dense(v), dense(o), dense(lse), dense(dO), dense(dq), dense(dk), dense(dv));
        flops.add(s.flops(2.5));
    }

    @Override public void timestepFeatures(Tensor s, float maxPeriod, boolean derivative, Tensor out) {
        timestep.features(f(s), off(s), s.shape().intSize(), out.shape().last(), maxPeriod, derivative, dense(out));
    }

    // ---- optimizer ---------------------------------------------------------------------------
    @Override public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step) {
        requireSameSize("adamw", param, grad);
        optimizer.adamw(dense(param), dense(grad), dense(m), dense(v), step, param.shape().intSize());
    }

    @Override public void emaUpdate(Tensor ema, Tensor param, float decay) {
        requireSameSize("ema", ema, param);
        optimizer.ema(dense(ema), dense(param), decay, ema.shape().intSize());
    }

    // ---- helpers -----------------------------------------------------------------------------
    /** Rope tensors are {@code [B, L, heads·Dh]}: rows = B·L. */
    private static int ropeRows(Tensor x) { return x.shape().rows(); }

    private static int seqLen(Tensor x) { return x.rank() >= 2 ? x.dim(-2) : 1; }
}
