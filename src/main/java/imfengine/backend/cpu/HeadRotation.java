package imfengine.backend.cpu;

/**
 * Rotary embedding of single heads, for {@link CpuRmsNorm}'s QK-norm fused with RoPE: row {@code ρ} of a
 * {@code [B·L·heads, Dh]} matrix is a head at position {@code (ρ / heads) % seqLen}, and its channel pairs turn as
 * {@link CpuRope} turns them, by the same vector code ({@link RopeSimd#rotate}), so the bits are those of a separate
 * rope call. The norm rotates a group of rows right after writing them (or, in the backward pass, right before
 * reading them), while they are in L1: the rotation then costs no pass over memory of its own.
 */
final class HeadRotation {
    private final float[] c, s;
    private final int heads, seqLen, headDim;

    /**
     * {@code inverse} turns by {@code −θ} (the VJP). The tables are the calling thread's ({@link CpuRope#interleaved}):
     * valid until that thread's next rope or rotation call, which a kernel call outlives.
     */
    HeadRotation(float[] cos, float[] sin, int seqLen, int heads, int headDim, boolean inverse) {
        CpuRope.check(headDim);
        float[][] t = CpuRope.interleaved(cos, sin, seqLen, headDim, inverse);
        this.c = t[0];
        this.s = t[1];
        this.heads = heads;
        this.seqLen = seqLen;
        this.headDim = headDim;
    }

    /** Rows {@code r .. r+count−1} of {@code a} ({@code [rows, Dh]}) turned in place. */
    void inPlace(float[] a, int r, int count) {
        for (int i = r; i < r + count; i++) RopeSimd.rotate(a, i * headDim, c, s, table(i), a, i * headDim, headDim);
    }

    /** Rows {@code r .. r+count−1} of {@code a} turned into {@code out}, row {@code r} at {@code out[0 ..]}. */
    void into(float[] a, int r, int count, float[] out) {
        for (int i = 0; i < count; i++) RopeSimd.rotate(a, (r + i) * headDim, c, s, table(r + i), out, i * headDim, headDim);
    }

    /** Where row {@code ρ}'s position starts in the interleaved tables. */
    private int table(int row) { return (row / heads) % seqLen * headDim; }
}
