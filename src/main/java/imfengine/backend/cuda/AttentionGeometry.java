package imfengine.backend.cuda;

import imfengine.backend.AttentionSpec;

/**
 * Launch geometry of {@code native-kernels/attention.cu}: 8 warps per block, one own row per warp,
 * other rows staged in tiles of 32 padded to {@code Dh+1} floats, lanes owning channels
 * {@code lane + 32·t, t < 4} (hence {@code Dh ≤ 128}).
 */
final class AttentionGeometry {
    static final int WARPS = 8, THREADS = 32 * WARPS, TILE = 32, MAX_HEAD_DIM = 128;

    private AttentionGeometry() {}

    static void check(AttentionSpec s) {
        if (s.headDim() > MAX_HEAD_DIM)
            throw new IllegalArgumentException("attention on CUDA: head width " + s.headDim() + " > " + MAX_HEAD_DIM + " is not supported");
    }

    static int gridX(AttentionSpec s) { return (s.length() + WARPS - 1) / WARPS; }

    /** {@code tiles} staged tiles of 32 padded rows, {@code rowSlots} own-row floats per warp (in units of Dh), plus extras. */
    static int sharedBytes(AttentionSpec s, int tiles, int rowSlots, int extraFloats) {
        int dh = s.headDim();
        return Float.BYTES * (tiles * TILE * (dh + 1) + rowSlots * dh + extraFloats);
    }
}
