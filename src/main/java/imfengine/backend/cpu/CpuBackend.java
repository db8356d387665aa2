package imfengine.backend.cpu;

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

/**
 * The pure-Java backend: heap float arrays, a fixed {@link WorkerPool} over all cores, and kernels
 * with a Vector API path and a scalar path (the reference; {@code simd = false} forces it). This
 * class only unwraps tensors and delegates to one kernel class per family.
 */
public final class CpuBackend implements Backend {
    private final boolean simd;
    private final WorkerPool pool;
    private final ArrayPool arrays;
    private final java.util.concurrent.atomic.LongAdder flops = new java.util.concurrent.atomic.LongAdder();
    private final CpuElementwise elementwise;
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

    public CpuBackend(int threads, boolean simd) { this(threads, simd, new ArrayPool()); }

    /** Tensors from {@code arrays} (tests: a pool that poisons what it hands out). */
    CpuBackend(int threads, boolean simd, ArrayPool arrays) {
        this.arrays = arrays;
        if (simd && !VectorSupport.present())
            throw new IllegalStateException("SIMD requested but jdk.incubator.vector is not in this JVM (add --add-modules=jdk.incubator.vector)");
        this.simd = simd;
        this.pool = new WorkerPool(threads);
        this.elementwise = new CpuElementwise(pool, simd);
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

    /** Peak bytes of tensor storage alive at once since this backend was made (pool high-water mark). */
    @Override public long peakTensorBytes() { return 4 * arrays.peakLiveFloats(); }

    /** Floating-point operations issued by the GEMM and attention kernels so far (for {@code bench}). */
    @Override public long matrixFlops() { return flops.sum(); }

    /** Kernels run synchronously on the calling threads. */
    @Override public void synchronize() {}

    public int threads() { return pool.threads(); }

    @Override public String name() { return "cpu(" + pool.threads() + " threads, " + (simd ? "simd" : "scalar") + ")"; }

    /** The backing array of a CPU tensor. */
    public static float[] data(Tensor t) {
        if (!(t.storage() instanceof CpuStorage s))
            throw new IllegalArgumentException("tensor " + t.shape() + " is not on the CPU backend");
        return s.array();
    }

    // ---- memory ------------------------------------------------------------------------------
    @Override public Tensor empty(Shape shape) {
        CpuStorage s = new CpuStorage(arrays.take(shape.intSize()), arrays);
        MemoryScope.track(s);
        return new Tensor(shape, s, this);
    }

    @Override public Tensor zeros(Shape shape) {
        Tensor t = empty(shape);
        java.util.Arrays.fill(data(t), 0f);
        return t;
    }

    @Override public Tensor fromArray(float[] values, Shape shape) {
        if (values.length != shape.size())
            throw new IllegalArgumentException("fromArray: " + values.length + " values for shape " + shape);
        Tensor t = empty(shape);
        System.arraycopy(values, 0, data(t), 0, values.length);
        return t;
    }

    @Override public float[] toArray(Tensor t) { return java.util.Arrays.copyOf(data(t), t.shape().intSize()); }

    @Override public void fill(Tensor t, float value) { java.util.Arrays.fill(data(t), 0, t.shape().intSize(), value); }

    @Override public void copy(Tensor src, Tensor dst) {
        requireSameSize("copy", src, dst);
        System.arraycopy(data(src), 0, data(dst), 0, src.shape().intSize());
    }

    // ---- elementwise -------------------------------------------------------------------------
    @Override public void unary(UnaryOp op, Tensor x, Tensor out) {
        requireSameSize(op.name().toLowerCase(), x, out);
        elementwise.unary(op, data(x), data(out), x.shape().intSize());
    }

    @Override public void unaryDerivative(UnaryOp op, Tensor x, Tensor y, Tensor g, Tensor out) {
        requireSameSize(op.name().toLowerCase() + " derivative", x, out);
        elementwise.unaryDerivative(op, data(x), data(y), data(g), data(out), x.shape().intSize());
    }

    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Broadcast bc, Tensor out) {
        elementwise.binary(op, data(a), data(b), bc, data(out));
    }

    @Override public void axpby(float alpha, Tensor x, float beta, Tensor y, Tensor out) {
        requireSameSize("axpby", x, out);
        elementwise.axpby(alpha, data(x), beta, y == null ? null : data(y), data(out), x.shape().intSize());
    }

    @Override public void where(Tensor mask, Broadcast bc, Tensor a, Tensor b, Tensor out) {
        elementwise.where(data(mask), bc, data(a), data(b), data(out));
    }

    // ---- reductions --------------------------------------------------------------------------
    @Override public void sumLastAxis(Tensor x, Tensor out) {
        reductions.sumRows(data(x), x.shape().rows(), x.shape().last(), data(out));
    }

    @Override public void sumAll(Tensor x, Tensor out) { data(out)[0] = (float) reductions.sumAll(data(x), x.shape().intSize()); }

    @Override public void reduceBroadcast(Tensor g, Broadcast bc, Tensor out) {
        reductions.reduceBroadcast(data(g), bc, data(out));
    }

    // ---- matrix products ---------------------------------------------------------------------
    @Override public void gemm(GemmSpec spec, Tensor a, Tensor b, Tensor c) {
        gemm.gemm(spec, data(a), data(b), data(c));
        flops.add((long) spec.flops());
    }

    // ---- movement ----------------------------------------------------------------------------
    @Override public void permute(Tensor x, int[] perm, Tensor out) {
        movement.permute(data(x), x.shape().dims(), perm, data(out));
    }

    @Override public void copyRuns(Tensor src, long srcOff, long srcStride, Tensor dst, long dstOff, long dstStride,
                                   int rows, int len, boolean accumulate) {
        movement.copyRuns(data(src), srcOff, srcStride, data(dst), dstOff, dstStride, rows, len, accumulate);
    }

    @Override public void gatherRows(Tensor table, int[] idx, Tensor out) {
        movement.gatherRows(data(table), table.shape().rows(), table.shape().last(), idx, data(out));
    }

    @Override public void scatterAddRows(Tensor g, int[] idx, Tensor tableGrad) {
        movement.scatterAddRows(data(g), idx, data(tableGrad), tableGrad.shape().rows(), tableGrad.shape().last());
    }

    // ---- fused kernels -----------------------------------------------------------------------
    @Override public void rmsNorm(Tensor x, Tensor w, float eps, Tensor y, Tensor rstd) {
        rmsNorm.forward(data(x), data(w), eps, data(y), data(rstd), x.shape().rows(), x.shape().last());
    }

    @Override public void rmsNormDual(Tensor x, Tensor tx, Tensor w, float eps, Tensor y, Tensor ty, Tensor rstd) {
        rmsNorm.dual(data(x), data(tx), data(w), eps, data(y), data(ty), data(rstd), x.shape().rows(), x.shape().last());
    }

    @Override public void rmsNormBackward(Tensor x, Tensor w, Tensor rstd, Tensor dy, Tensor dx, Tensor dw) {
        rmsNorm.backward(data(x), data(w), data(rstd), data(dy), data(dx), dw == null ? null : data(dw),
                x.shape().rows(), x.shape().last());
    }

    @Override public void rope(Tensor x, Tensor cos, Tensor sin, int heads, boolean inverse, Tensor out) {
        rope.apply(data(x), data(cos), data(sin), ropeRows(x), seqLen(x), heads,
                x.shape().last() / heads, inverse, data(out));
    }

    @Override public void ropeDual(Tensor x, Tensor tx, Tensor cos, Tensor sin, int heads, Tensor y, Tensor ty) {
        rope.dual(data(x), data(tx), data(cos), data(sin), ropeRows(x), seqLen(x), heads, x.shape().last() / heads,
                data(y), data(ty));
    }

    @Override public void swiglu(Tensor a, Tensor b, Tensor y) {
        swiglu.forward(data(a), data(b), data(y), a.shape().intSize());
    }

    @Override public void swigluDual(Tensor a, Tensor ta, Tensor b, Tensor tb, Tensor y, Tensor ty) {
        swiglu.dual(data(a), data(ta), data(b), data(tb), data(y), data(ty), a.shape().intSize());
    }

    @Override public void swigluBackward(Tensor a, Tensor b, Tensor dy, Tensor da, Tensor db) {
        swiglu.backward(data(a), data(b), data(dy), data(da), data(db), a.shape().intSize());
    }

    @Override public void softmax(Tensor x, Tensor y) {
        softmax.forward(data(x), data(y), x.shape().rows(), x.shape().last());
    }

    @Override public void softmaxDual(Tensor x, Tensor tx, Tensor y, Tensor ty) {
        softmax.dual(data(x), data(tx), data(y), data(ty), x.shape().rows(), x.shape().last());
    }

    @Override public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        softmax.backward(data(y), data(dy), data(dx), y.shape().rows(), y.shape().last());
    }

    @Override public void attention(AttentionSpec s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse) {
        attention.forward(s, data(q), data(k), data(v), data(o), data(lse));
        flops.add(s.flops(1));
    }

    @Override public void attentionDual(AttentionSpec s, Tensor q, Tensor tq, Tensor k, Tensor tk, Tensor v, Tensor tv,
                                        Tensor o, Tensor to, Tensor lse) {
        attention.dual(s, data(q), data(tq), data(k), data(tk), data(v), data(tv), data(o), data(to), data(lse));
        flops.add(s.flops(3));
    }

    @Override public void attentionBackward(AttentionSpec s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse,
                                            Tensor dO, Tensor dq, Tensor dk, Tensor dv) {
        attention.backward(s, data(q), data(k), data(v), data(o), data(lse), data(dO), data(dq), data(dk), data(dv));
        flops.add(s.flops(2.5));
    }

    @Override public void timestepFeatures(Tensor s, float maxPeriod, boolean derivative, Tensor out) {
        timestep.features(data(s), s.shape().intSize(), out.shape().last(), maxPeriod, derivative, data(out));
    }

    // ---- optimizer ---------------------------------------------------------------------------
    @Override public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step) {
        requireSameSize("adamw", param, grad);
        optimizer.adamw(data(param), data(grad), data(m), data(v), step, param.shape().intSize());
    }

    @Override public void emaUpdate(Tensor ema, Tensor param, float decay) {
        requireSameSize("ema", ema, param);
        optimizer.ema(data(ema), data(param), decay, ema.shape().intSize());
    }

    // ---- helpers -----------------------------------------------------------------------------
    /** Rope tensors are {@code [B, L, heads·Dh]}: rows = B·L. */
    private static int ropeRows(Tensor x) { return x.shape().rows(); }

    private static int seqLen(Tensor x) { return x.rank() >= 2 ? x.dim(-2) : 1; }
}
