package imfengine.backend.cpu;

/**
 * Reads the next (batch, head) pair's rows into the cache while the current pair computes: a kernel calls
 * {@link #rows} once per query group with the group's row range, so by the time the pair is done the next one's
 * rows of every operand and output are in L1/L2. Java has no prefetch instruction; a plain load of one float per
 * cache line does the same, and a line read by one core comes in exclusive, so the output's later stores need no
 * request for ownership. The attention's operands were written by the projections long before, and with them cold
 * the xs forward took 1.4× its time with them cached (one thread, {@code tools/attention-ab.sh} with
 * {@code -Dcold=true}, docs/PERF.md). The callers store the sum once per call, so that the loads are kept.
 */
final class NextHeadLoads {
    /** Floats per cache line. */
    private static final int LINE = 16;

    private NextHeadLoads() {}

    /**
     * One load per cache line of rows {@code [i0, min(i0 + count, len))} of the head at {@code base} (rows {@code w}
     * floats apart, {@code dh} floats each) in each of the four arrays; returns their sum.
     */
    static float rows(int base, int w, int i0, int count, int len, int dh, float[] a, float[] b, float[] c, float[] d) {
        float sum = 0f;
        for (int i = i0, end = Math.min(len, i0 + count); i < end; i++) {
            int row = base + i * w, last = row + dh - 1; // a row need not start on a line: its last float may be on one more
            for (int e = row; e < last; e += LINE) sum += a[e] + b[e] + c[e] + d[e];
            sum += a[last] + b[last] + c[last] + d[last];
        }
        return sum;
    }
}
