package imfengine.data;

/**
 * Counter-based randomness for data order: the SplitMix64 finaliser applied to a counter, so a
 * stream is fully described by (seed, counter) and needs no hidden state. Defined here rather
 * than borrowed from the JDK so that orders and splits never change with the Java version.
 */
final class SplitMix64 {
    static final long GAMMA = 0x9E3779B97F4A7C15L;

    private SplitMix64() {}

    /** The SplitMix64 output function (Steele, Lea, Flood 2014). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Fisher–Yates shuffle of {@code a} driven by stream {@code key}. {@code a} Modified. */
    static void shuffle(int[] a, long key) {
        long s = mix(key);
        for (int i = a.length - 1; i > 0; i--) {
            s += GAMMA;
            int j = (int) Long.remainderUnsigned(mix(s), i + 1L);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** A shuffled {@code 0..n-1}. */
    static int[] permutation(int n, long key) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        shuffle(p, key);
        return p;
    }
}
