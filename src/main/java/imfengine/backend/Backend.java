package imfengine.backend;

import imfengine.tensor.DType;
import imfengine.tensor.Permutation;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * The kernel set: everything the ops above need from a device, and nothing about tapes, tangents or
 * lifetimes. Tensors are contiguous and row-major, may be views (an element offset into shared
 * storage), and are owned by this backend. Arithmetic is float32 ({@link DType#F32}); movement,
 * selection and fills work on any dtype; indices are {@link DType#I32} tensors. Unless a method says
 * "accumulates", outputs are overwritten ({@code =}). Kernels never allocate their outputs: callers
 * pass them in, and {@link #allocate} hands out storage that the caller (an arena) releases.
 *
 * <p>Host memory appears only at the explicit transfer points ({@code upload}, {@code download},
 * {@link #selectNonzero}'s count), which {@link #transfers()} counts: a step that stays on the device
 * makes few of them. Implementations: the CPU backend (the reference) and CUDA.
 */
public interface Backend {

    String name();

    // ---- accounting ----------------------------------------------------------------------------
    /** Floating-point operations the GEMM and attention kernels have issued so far (for benchmarks). */
    long matrixFlops();

    /** The most tensor memory alive at once so far, in bytes. */
    long peakTensorBytes();

    /**
     * Bytes of fast memory this backend's kernels work in (a CPU backend: the L2 caches of its threads): work that can
     * be split, such as a forward without tape over many examples, runs a part that fits at a time. The default,
     * {@link Long#MAX_VALUE}, says splitting does not pay (GPUs: a larger batch keeps more of the device busy).
     */
    default long cacheBytes() { return Long.MAX_VALUE; }

    /** Host↔device copies so far (uploads, downloads and their bytes). */
    TransferCounts transfers();

    /** Waits until all queued work is done (a no-op where kernels run synchronously). */
    void synchronize();

    // ---- memory ------------------------------------------------------------------------------
    /** Uninitialised storage for {@code shape} elements of {@code dtype}; the caller releases it. */
    Tensor allocate(Shape shape, DType dtype);

    /** Every element set to {@code value} (rounded to the dtype; integers truncate). */
    void fill(Tensor t, double value);

    /** {@code dst = src}: same dtype and element count. */
    void copy(Tensor src, Tensor dst);

    /**
     * Says that {@code values} (a whole F32 buffer) holds a model's parameters: read by many GEMMs, written rarely
     * (an optimizer step, a load). A backend may keep something derived from it, as the CUDA backend in bf16 keeps a
     * bf16 copy; it then notices writes to the buffer by itself, so callers never say when it changed. Default: nothing.
     */
    default void markParameters(Tensor values) {}

    /** {@code dst = src} converted: F32 → BF16 rounds to nearest even; BF16 → F32 is exact; I32 → F32. */
    void cast(Tensor src, Tensor dst);

    // ---- the host boundary -------------------------------------------------------------------
    /** Copies host values into {@code dst} (F32, or BF16 rounded to nearest even). */
    void upload(float[] src, Tensor dst);

    /** Copies host integers into an I32 tensor. */
    void upload(int[] src, Tensor dst);

    /** Copies {@code src} (F32 or BF16) to the host; waits for queued work. */
    void download(Tensor src, float[] dst);

    /** Copies an I32 tensor to the host; waits for queued work. */
    void download(Tensor src, int[] dst);

    // ---- random numbers ----------------------------------------------------------------------
    /** Fills {@code out} (F32) with draws of {@code key}'s stream; element {@code i} depends on key and i only. */
    default void random(RandomKey key, Distribution dist, Tensor out) { random(key, dist, 0, out); }

    /**
     * Fills {@code out} with elements {@code first … first + size − 1} of the draw above, so a long draw can be
     * made a piece at a time (sampling in batches). UNIFORM draws four per Philox block: {@code first % 4 == 0}.
     */
    void random(RandomKey key, Distribution dist, long first, Tensor out);

    // ---- elementwise -------------------------------------------------------------------------
    void unary(UnaryOp op, Tensor x, Tensor out);

    /** {@code out = g · f'(x)}; {@code y = f(x)} is passed because some derivatives are cheaper from it. */
    void unaryDerivative(UnaryOp op, Tensor x, Tensor y, Tensor g, Tensor out);

    /** {@code out = a ∘ b}, {@code b} broadcast over {@code a} as {@code bc} says ({@code out} may be {@code a}). */
    void binary(BinaryOp op, Tensor a, Tensor b, Broadcast bc, Tensor out);

    /** {@code out = alpha·x + beta·y} elementwise (y may be null when beta is 0). */
    void axpby(float alpha, Tensor x, float beta, Tensor y, Tensor out);

    /**
     * {@code out = mask ? a : b}, the F32 mask (nonzero = true) broadcast over {@code a} as {@code bc}
     * says; {@code a}, {@code b} and {@code out} share any one dtype.
     */
    void where(Tensor mask, Broadcast bc, Tensor a, Tensor b, Tensor out);

    /** {@code out[i] = i} (F32 or I32). */
    void iota(Tensor out);

    /**
     * Writes the positions of the nonzero elements of the F32 {@code mask}, in increasing order, to the
     * leading elements of the I32 {@code indices} (at least as long as the mask) and returns how many
     * there are. The count comes back to the host: a download.
     */
    int selectNonzero(Tensor mask, Tensor indices);

    // ---- reductions --------------------------------------------------------------------------
    /** {@code out[r] = Σ_j x[r, j]} over the last axis. */
    void sumLastAxis(Tensor x, Tensor out);

    /** {@code out[0] = Σ x} (double accumulation). */
    void sumAll(Tensor x, Tensor out);

    /** The adjoint of a broadcast: {@code out[j] = Σ_{i : (i/inner)%n = j} g[i]}. */
    void reduceBroadcast(Tensor g, Broadcast bc, Tensor out);

    // ---- matrix products ---------------------------------------------------------------------
    /** {@code c = alpha·op(a)·op(b) + beta·c}; the spec's offsets count from each tensor's first element. */
    void gemm(GemmSpec spec, Tensor a, Tensor b, Tensor c);

    /**
     * {@link #gemm} of {@code specs[i]} on {@code (a, b[i], c[i])} for each {@code i}: products that share {@code a} (the
     * q, k and v projections of one input), which a backend may read or pack once for all of them. The same results.
     */
    default void gemmSharedA(GemmSpec[] specs, Tensor a, Tensor[] b, Tensor[] c) {
        for (int i = 0; i < specs.length; i++) gemm(specs[i], a, b[i], c[i]);
    }

    // ---- movement (any dtype) ----------------------------------------------------------------
    /** {@code out = x.permute(perm)} written contiguously. */
    void permute(Tensor x, Permutation perm, Tensor out);

    /**
     * Copies {@code rows} runs of {@code len} elements: run {@code r} reads {@code src[srcOff + r·srcStride ...]}
     * and writes (or, with {@code accumulate}, adds into; F32 only) {@code dst[dstOff + r·dstStride ...]}.
     * Concat, slice and their adjoints are all this.
     */
    void copyRuns(Tensor src, long srcOff, long srcStride, Tensor dst, long dstOff, long dstStride,
                  int rows, int len, boolean accumulate);

    /** {@code out[i, :] = table[idx[i], :]} for an I32 {@code idx [n]}; indices outside the table fail. */
    void gatherRows(Tensor table, Tensor idx, Tensor out);

    /** Accumulates {@code tableGrad[idx[i], :] += g[i, :]} (F32) for an I32 {@code idx [n]}. */
    void scatterAddRows(Tensor g, Tensor idx, Tensor tableGrad);

    // ---- fused kernels (primal, primal + tangent in one pass, backward) ----------------------
    /** RMSNorm over the last axis: {@code y = x·rstd·w}, {@code rstd = 1/√(mean(x²)+eps)} saved per row. */
    void rmsNorm(Tensor x, Tensor w, float eps, Tensor y, Tensor rstd);

    void rmsNormDual(Tensor x, Tensor tx, Tensor w, float eps, Tensor y, Tensor ty, Tensor rstd);

    /**
     * {@code dx = ∂y/∂x ᵀ dy}, or {@code dx += ∂y/∂x ᵀ dy} when {@code addToDx} (the term rounded, then added: the
     * bits of a separate add), so a residual stream's cotangent takes the norm's share without a pass of its own;
     * accumulates {@code dw += Σ_rows dy·x·rstd} when dw is not null.
     */
    void rmsNormBackward(Tensor x, Tensor w, Tensor rstd, Tensor dy, Tensor dx, boolean addToDx, Tensor dw);

    /**
     * Rotary embedding on {@code x [B, L, heads·Dh]}: channel pairs {@code (2i, 2i+1)} of each head at
     * position {@code l} rotate by angle {@code θ[l, i]} given as {@code cos, sin [L, Dh/2]}.
     * {@code inverse} rotates by {@code −θ} (the adjoint).
     */
    void rope(Tensor x, Tensor cos, Tensor sin, int heads, boolean inverse, Tensor out);

    void ropeDual(Tensor x, Tensor tx, Tensor cos, Tensor sin, int heads, Tensor y, Tensor ty);

    /**
     * Attention's QK-norm and rotary embedding in one call, on {@code x [B, L, heads·Dh]}: {@link #rmsNorm} over each
     * head's {@code Dh} channels ({@code w [Dh]}, {@code rstd [B·L·heads]}), then {@link #rope}: {@code y = R·(x·rstd·w)},
     * the bits of the two calls. A backend may do both while a row is in its registers or cache; this default makes
     * the two calls, the rotation in place.
     */
    default void rmsNormRope(Tensor x, Tensor w, float eps, Tensor cos, Tensor sin, int heads, Tensor y, Tensor rstd) {
        rmsNorm(x.reshape(x.shape().splitLast(heads)), w, eps, y.reshape(y.shape().splitLast(heads)), rstd);
        rope(y, cos, sin, heads, false, y);
    }

    /** {@link #rmsNormRope} with the tangent: {@link #rmsNormDual}, then {@link #ropeDual} (the bits of the two calls). */
    default void rmsNormRopeDual(Tensor x, Tensor tx, Tensor w, float eps, Tensor cos, Tensor sin, int heads, Tensor y, Tensor ty,
                                 Tensor rstd) {
        rmsNormDual(x.reshape(x.shape().splitLast(heads)), tx.reshape(tx.shape().splitLast(heads)), w, eps,
                y.reshape(y.shape().splitLast(heads)), ty.reshape(ty.shape().splitLast(heads)), rstd);
        ropeDual(y, ty, cos, sin, heads, y, ty);
    }

    /**
     * The VJP of {@link #rmsNormRope}: {@link #rmsNormBackward} of {@code Rᵀ·dy} (the inverse rotation), {@code dx} and
     * {@code dw} as there. This default keeps {@code Rᵀ·dy} in a tensor of its own, released once the calls are queued; a
     * backend that turns rows on the fly needs none.
     */
    default void rmsNormRopeBackward(Tensor x, Tensor w, Tensor rstd, Tensor cos, Tensor sin, int heads, Tensor dy, Tensor dx,
                                     boolean addToDx, Tensor dw) {
        Tensor turned = allocate(dy.shape(), DType.F32);
        try {
            rope(dy, cos, sin, heads, true, turned);
            rmsNormBackward(x.reshape(x.shape().splitLast(heads)), w, rstd, turned.reshape(turned.shape().splitLast(heads)),
                    dx.reshape(dx.shape().splitLast(heads)), addToDx, dw);
        } finally {
            turned.storage().release(); // CUDA frees in stream order, after the calls that read it
        }
    }

    /** {@code y = silu(a) ⊙ b}. */
    void swiglu(Tensor a, Tensor b, Tensor y);

    void swigluDual(Tensor a, Tensor ta, Tensor b, Tensor tb, Tensor y, Tensor ty);

    void swigluBackward(Tensor a, Tensor b, Tensor dy, Tensor da, Tensor db);

    /**
     * The gated residual of a pre-norm block, {@code out = x + branch ⊙ gate}, with {@code gate [n]} along the rows
     * of {@code x, branch, out [rows, n]}; {@code branch ⊙ gate} is rounded before the add, as {@code mul} then
     * {@code add} would round it. Also the tangent {@code tx + tbranch ⊙ gate} of a constant gate.
     */
    void gatedResidual(Tensor x, Tensor branch, Tensor gate, Tensor out);

    /** Its backward pass without {@code dx = dy}: {@code dBranch = dy ⊙ gate}, {@code dGate = Σ_rows dy ⊙ branch} (both overwritten). */
    void gatedResidualBackward(Tensor dy, Tensor branch, Tensor gate, Tensor dBranch, Tensor dGate);

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

    // ---- images: NCHW, forward only ----------------------------------------------------------
    /**
     * Unfolds {@code x [N, C, H, W]} for a convolution by GEMM: {@code cols [N, C·kh·kw, Ho·Wo]} with
     * {@code cols[n, (c·kh + ky)·kw + kx, oy·Wo + ox] = x[n, c, oy·s − py + ky, ox·s − px + kx]}, 0 outside the image
     * ({@code kh, kw, s, py, px} from {@code w}; {@code Ho, Wo} = {@code w.outY(H), w.outX(W)}).
     */
    void im2col(Tensor x, Window2d w, Tensor cols);

    /**
     * GroupNorm of {@code x [N, C, H, W]}: per sample and group of {@code C / groups} channels, mean and biased
     * variance over the group's channels and pixels, {@code y = (x − mean)/√(var + eps)·gamma[c] + beta[c]}.
     */
    void groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, float eps, Tensor y);

    /** Nearest-neighbour ×2 upsampling: {@code y [N, C, 2H, 2W]}, {@code y[n, c, i, j] = x[n, c, i/2, j/2]}. */
    void upsampleNearest2x(Tensor x, Tensor y);

    /** Pooling of {@code x [N, C, H, W]} over square windows {@code w} into {@code y [N, C, w.outY(H), w.outX(W)]}. */
    void pool2d(Pooling kind, Window2d w, Tensor x, Tensor y);

    // ---- optimizer ---------------------------------------------------------------------------
    /**
     * AdamW in place: {@code m = β1·m + (1−β1)·g}, {@code v = β2·v + (1−β2)·g²},
     * {@code p −= lr·(m̂/(√v̂ + eps) + wd·p)} with bias-corrected {@code m̂, v̂}.
     */
    void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step);

    /** {@code ema = decay·ema + (1 − decay)·param}, in place. */
    void emaUpdate(Tensor ema, Tensor param, float decay);
}
