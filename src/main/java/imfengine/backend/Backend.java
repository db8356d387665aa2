package imfengine.backend;

import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * The kernel set: everything the ops above need from a device, and nothing about tapes or
 * tangents. All tensors are float32, contiguous, row-major and owned by this backend. Unless a
 * method says "accumulates", outputs are overwritten ({@code =}). Implementations: the CPU backend
 * (the reference) and, later, CUDA; a plain interface because Java only seals within one package
 * outside named modules. Kernels never allocate their
 * outputs; callers pass them in (so memory scopes and pools stay in the caller's hands).
 */
public interface Backend {

    String name();

    // ---- accounting ----------------------------------------------------------------------------
    /** Floating-point operations the GEMM and attention kernels have issued so far (for benchmarks). */
    long matrixFlops();

    /** The most tensor memory alive at once so far, in bytes. */
    long peakTensorBytes();

    /** Waits until all queued work is done (a no-op where kernels run synchronously). */
    void synchronize();

    // ---- memory ------------------------------------------------------------------------------
    /** Uninitialised storage, registered with the current {@link imfengine.tensor.MemoryScope}. */
    Tensor empty(Shape shape);

    Tensor zeros(Shape shape);

    Tensor fromArray(float[] data, Shape shape);

    float[] toArray(Tensor t);

    void fill(Tensor t, float value);

    /** {@code dst = src}, same element count. */
    void copy(Tensor src, Tensor dst);

    // ---- elementwise -------------------------------------------------------------------------
    void unary(UnaryOp op, Tensor x, Tensor out);

    /** {@code out = g · f'(x)}; {@code y = f(x)} is passed because some derivatives are cheaper from it. */
    void unaryDerivative(UnaryOp op, Tensor x, Tensor y, Tensor g, Tensor out);

    /** {@code out = a ∘ b}, {@code b} broadcast over {@code a} as {@code bc} says. */
    void binary(BinaryOp op, Tensor a, Tensor b, Broadcast bc, Tensor out);

    /** {@code out = alpha·x + beta·y} elementwise (y may be null when beta is 0). */
    void axpby(float alpha, Tensor x, float beta, Tensor y, Tensor out);

    /** {@code out = mask ? a : b}, mask (nonzero = true) broadcast over {@code a} as {@code bc} says. */
    void where(Tensor mask, Broadcast bc, Tensor a, Tensor b, Tensor out);

    // ---- reductions --------------------------------------------------------------------------
    /** {@code out[r] = Σ_j x[r, j]} over the last axis. */
    void sumLastAxis(Tensor x, Tensor out);

    /** {@code out[0] = Σ x} (double accumulation). */
    void sumAll(Tensor x, Tensor out);

    /** The adjoint of a broadcast: {@code out[j] = Σ_{i : (i/inner)%n = j} g[i]}. */
    void reduceBroadcast(Tensor g, Broadcast bc, Tensor out);

    // ---- matrix products ---------------------------------------------------------------------
    void gemm(GemmSpec spec, Tensor a, Tensor b, Tensor c);

    // ---- movement ----------------------------------------------------------------------------
    /** {@code out = x.permute(perm)} written contiguously. */
    void permute(Tensor x, int[] perm, Tensor out);

    /**
     * Copies {@code rows} runs of {@code len} floats: run {@code r} reads {@code src[srcOff + r·srcStride ...]}
     * and writes (or, with {@code accumulate}, adds into) {@code dst[dstOff + r·dstStride ...]}.
     * Concat, slice and their adjoints are all this.
     */
    void copyRuns(Tensor src, long srcOff, long srcStride, Tensor dst, long dstOff, long dstStride,
                  int rows, int len, boolean accumulate);

    /** {@code out[i, :] = table[idx[i], :]}. */
    void gatherRows(Tensor table, int[] idx, Tensor out);

    /** Accumulates {@code tableGrad[idx[i], :] += g[i, :]}. */
    void scatterAddRows(Tensor g, int[] idx, Tensor tableGrad);

    // ---- fused kernels (primal, primal + tangent in one pass, backward) ----------------------
    /** RMSNorm over the last axis: {@code y = x·rstd·w}, {@code rstd = 1/√(mean(x²)+eps)} saved per row. */
    void rmsNorm(Tensor x, Tensor w, float eps, Tensor y, Tensor rstd);

    void rmsNormDual(Tensor x, Tensor tx, Tensor w, float eps, Tensor y, Tensor ty, Tensor rstd);

    /** {@code dx = ∂y/∂x ᵀ dy}; accumulates {@code dw += Σ_rows dy·x·rstd} when dw is not null. */
    void rmsNormBackward(Tensor x, Tensor w, Tensor rstd, Tensor dy, Tensor dx, Tensor dw);

    /**
     * Rotary embedding on {@code x [B, L, heads·Dh]}: channel pairs {@code (2i, 2i+1)} of each head at
     * position {@code l} rotate by angle {@code θ[l, i]} given as {@code cos, sin [L, Dh/2]}.
     * {@code inverse} rotates by {@code −θ} (the adjoint).
     */
    void rope(Tensor x, Tensor cos, Tensor sin, int heads, boolean inverse, Tensor out);

    void ropeDual(Tensor x, Tensor tx, Tensor cos, Tensor sin, int heads, Tensor y, Tensor ty);

    /** {@code y = silu(a) ⊙ b}. */
    void swiglu(Tensor a, Tensor b, Tensor y);

    void swigluDual(Tensor a, Tensor ta, Tensor b, Tensor tb, Tensor y, Tensor ty);

    void swigluBackward(Tensor a, Tensor b, Tensor dy, Tensor da, Tensor db);

    /** Softmax over the last axis. */
    void softmax(Tensor x, Tensor y);

    void softmaxDual(Tensor x, Tensor tx, Tensor y, Tensor ty);

    /** {@code dx = y ⊙ (dy − Σ y·dy)}. */
    void softmaxBackward(Tensor y, Tensor dy, Tensor dx);

    /** {@code o = softmax(q·kᵀ·scale)·v} per batch and head; saves the row log-sum-exp {@code lse [B, H, L]}. */
    void attention(AttentionSpec s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse);

    /** Primal and tangent in one online-softmax pass. */
    void attentionDual(AttentionSpec s, Tensor q, Tensor tq, Tensor k, Tensor tk, Tensor v, Tensor tv,
                       Tensor o, Tensor to, Tensor lse);

    /** Recomputes probabilities from {@code lse}; writes {@code dq, dk, dv} (overwrites). */
    void attentionBackward(AttentionSpec s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, Tensor dO,
                           Tensor dq, Tensor dk, Tensor dv);

    /**
     * Sinusoidal features of scalars {@code s [B]} into {@code out [B, dim]}: {@code [cos(s·f_k), sin(s·f_k)]},
     * {@code f_k = exp(−ln(maxPeriod)·k/(dim/2))}; with {@code derivative}, their derivative in {@code s}.
     */
    void timestepFeatures(Tensor s, float maxPeriod, boolean derivative, Tensor out);

    // ---- optimizer ---------------------------------------------------------------------------
    /**
     * AdamW in place: {@code m = β1·m + (1−β1)·g}, {@code v = β2·v + (1−β2)·g²},
     * {@code p −= lr·(m̂/(√v̂ + eps) + wd·p)} with bias-corrected {@code m̂, v̂}.
     */
    void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step);

    /** {@code ema = decay·ema + (1 − decay)·param}, in place. */
    void emaUpdate(Tensor ema, Tensor param, float decay);
}
