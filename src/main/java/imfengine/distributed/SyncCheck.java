package imfengine.distributed;

import imfengine.tensor.Tensor;

/**
 * The check that the ranks of a run hold the same parameters: after the first step every rank hashes its
 * flat parameter buffer, rank 0's hash goes to all, and if any rank's differs every rank stops with the same
 * error. Ranks that were started with other settings, seeds, data or builds, or a rank whose gradients
 * skipped the all-reduce, differ from the first step on; a matching hash says they updated in lockstep.
 */
public final class SyncCheck {
    private SyncCheck() {}

    /** Throws {@link IllegalStateException} on every rank when the ranks' {@code parameters} differ after {@code step}. */
    public static void parametersAgree(ProcessGroup group, Tensor parameters, long step) {
        if (group.size() == 1) return;
        long mine = hash(parameters);
        long lead = group.fromRankZero(mine);
        if (group.anyRank(mine != lead))
            throw new IllegalStateException("the ranks' parameters differ after step " + step + " (parameter hash of rank " + group.rank()
                    + " " + Long.toHexString(mine) + ", rank 0 " + Long.toHexString(lead) + "): every rank must run the same build, "
                    + "data and settings");
    }

    /** A 64-bit FNV-1a hash of the values' bits (one download). */
    static long hash(Tensor t) {
        float[] host = new float[Math.toIntExact(t.size())];
        t.backend().download(t, host);
        long h = 0xcbf29ce484222325L;
        for (float f : host) {
            h ^= Float.floatToRawIntBits(f);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
