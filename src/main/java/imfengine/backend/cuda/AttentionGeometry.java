package imfengine.backend.cuda;

import imfengine.backend.AttentionSpec;

/**
 * Launch geometry of {@code native-kernels/attention.cu}, read from its PTX where the kernel file exports
 * it ({@code attention_tile}, {@code attention_warps}, ... ): blocks of {@code WARPS} warps, one own row per
 * warp, other rows staged in tiles of {@code TILE} padded to {@code Dh+1} floats, {@code Dh ≤ MAX_HEAD_DIM}.
 * Each kernel's dynamic shared memory is {@code tiles·TILE·(Dh+1) + rows·Dh + extra} floats, with its
 * three coefficients exported next to its layout.
 */
final class AttentionGeometry {
    static final int TILE = PtxText.constant("attention", "attention_tile");
    static final int WARPS = PtxText.constant("attention", "attention_warps");
    static final int THREADS = 32 * WARPS;
    static final int MAX_HEAD_DIM = PtxText.constant("attention", "attention_max_head_dim");

    private AttentionGeometry() {}

    static void check(AttentionSpec s) {
        if (s.headDim() > MAX_HEAD_DIM)
            throw new IllegalArgumentException("attention on CUDA: head width " + s.headDim() + " > " + MAX_HEAD_DIM + " is not supported");
    }

    /** The launch of {@code kernel} ({@code fwd}, {@code jvp}, {@code dq} or {@code dkdv}) for {@code s}. */
    static Launch launch(String kernel, AttentionSpec s) {
        check(s);
        int tiles = coefficient(kernel, "tiles"), rows = coefficient(kernel, "rows"), extra = coefficient(kernel, "extra");
        int dh = s.headDim();
        int bytes = Float.BYTES * (tiles * TILE * (dh + 1) + rows * dh + extra);
        return new Launch((s.length() + WARPS - 1) / WARPS, s.batch() * s.heads(), THREADS, 1, bytes);
    }

    private static int coefficient(String kernel, String which) {
        return PtxText.constant("attention", "attention_" + kernel + "_smem_" + which);
    }
}
