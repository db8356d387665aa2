package imfengine.backend.cuda;

import imfengine.backend.AttentionSpec;

/**
 * Launch geometry of {@code native-kernels/flash_attention.cu}, read from the constants its PTX exports:
 * blocks of {@code WARPS} warps over {@code BLOCK_Q} query rows of one (batch, head) pair, head dim
 * {@code HEAD_DIM} only, and {@code tiles} staged bf16 tiles of {@code TILE_WORDS} 32-bit words in dynamic
 * shared memory (2 for the primal kernel, 4 for the dual, 3 and 4 for the backward's dq and dk/dv), plus the
 * kernel's {@code extra_words} after them.
 */
final class FlashAttentionGeometry {
    private static final String FAMILY = "flash_attention";
    static final int BLOCK_Q = PtxText.constant(FAMILY, "flash_attention_block_q");
    static final int THREADS = 32 * PtxText.constant(FAMILY, "flash_attention_warps");
    static final int HEAD_DIM = PtxText.constant(FAMILY, "flash_attention_head_dim");
    static final int TILE_WORDS = PtxText.constant(FAMILY, "flash_attention_tile_words");

    private FlashAttentionGeometry() {}

    /** Whether the kernels handle {@code s} (the head dim they are written for). */
    static boolean supports(AttentionSpec s) { return s.headDim() == HEAD_DIM; }

    /** The launch of {@code kernel} ({@code fwd}, {@code jvp}, {@code dq} or {@code dkdv}) for {@code s}. */
    static Launch launch(String kernel, AttentionSpec s) {
        if (!supports(s))
            throw new IllegalArgumentException("flash attention: head width " + s.headDim() + " != " + HEAD_DIM);
        int tiles = PtxText.constant(FAMILY, "flash_attention_" + kernel + "_tiles");
        int extra = PtxText.constant(FAMILY, "flash_attention_" + kernel + "_extra_words");
        return new Launch((s.length() + BLOCK_Q - 1) / BLOCK_Q, s.batch() * s.heads(), THREADS, 1, (tiles * TILE_WORDS + extra) * Integer.BYTES);
    }
}
