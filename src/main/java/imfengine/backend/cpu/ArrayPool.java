package imfengine.backend.cpu;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.IntFunction;

/**
 * Reuses float arrays. A training step allocates the same shapes every time, so after the first steps its
 * temporaries come from here and the hot path allocates nothing. Lengths round up to one of 16 classes per
 * power of two ({@link #sizeClass}), and a request takes the shortest pooled array up to {@link #SLACK}
 * longer than its class, so a tensor may get a longer array than it asked for. Until 2026-12-03 the iMF
 * step sized a batch by a random count (a guidance call on the examples outside their interval): with arrays
 * reused by exact length, each count new to the pool made fresh arrays that the pool then kept alive, and every young
 * collection copied them into survivor space (xs, Zen 5, 2026-12-02: the heap's live set grew 6–10 MiB per
 * step, pauses of 0.3–0.5 s every ~25 steps; with classes and slack it stays flat).
 */
final class ArrayPool {
    /**
     * At most this many floats wait in the pool. When a returned array does not fit, arrays of the
     * lengths asked for least recently are dropped to make room: shapes that vary from call to call
     * (sampling batches, uneven micro-batches) would otherwise fill the pool with
     * arrays nobody asks for again and push out the step's fixed shapes.
     */
    private final long capFloats;
    /** Makes a fresh array (tests: one that runs out of memory). */
    private final IntFunction<float[]> fresh;

    /** Free arrays by (class) length, in order of the last take or give of each length (least recent first). */
    private final LinkedHashMap<Integer, ArrayDeque<float[]>> free = new LinkedHashMap<>(64, 0.75f, true);
    /** The lengths in {@link #free}, in order, for the closest fit; no deque there is empty. */
    private final TreeSet<Integer> lengths = new TreeSet<>();
    private long pooledFloats, liveFloats, peakLiveFloats;
    /**
     * Whether every array handed out is first filled with NaN (tests): a kernel that reads an output or
     * scratch element before writing it then gives NaN instead of a value that depends on what the
     * array held before, i.e. on which step or call last used it.
     */
    private final boolean poison;

    ArrayPool() { this(defaultCap(), false, float[]::new); }

    ArrayPool(long capFloats) { this(capFloats, false, float[]::new); }

    ArrayPool(long capFloats, IntFunction<float[]> fresh) { this(capFloats, false, fresh); }

    private ArrayPool(long capFloats, boolean poison, IntFunction<float[]> fresh) {
        this.capFloats = capFloats;
        this.poison = poison;
        this.fresh = fresh;
    }

    /** A pool that fills every array it hands out with NaN (see {@link #poison}). */
    static ArrayPool poisoning() { return new ArrayPool(defaultCap(), true, float[]::new); }

    /**
     * Half the heap. A step's temporaries come back here between uses, so the pool must hold a step's working
     * set: with a quarter, the s step (2.5 GiB of tensors) under -Xmx8g re-allocated arrays every step, 0.6 s
     * of its 4.9 (zeroing new arrays, and the collections they caused). Arrays waiting here are the first
     * memory given back when the heap runs short ({@link #take}).
     */
    private static long defaultCap() { return Math.max(16L << 20, Runtime.getRuntime().maxMemory() / 2 / Float.BYTES); }

    /**
     * The length of the array handed out for {@code length} floats: {@code length} itself up to 32, above that
     * rounded up to a multiple of 1/16 of its highest power of two, so at most 1/16 of an array goes unused.
     */
    static int sizeClass(int length) {
        if (length <= 32) return length;
        int step = Integer.highestOneBit(length) >>> 4;
        long rounded = ((long) length + step - 1) / step * step;
        return rounded > MAX_ARRAY ? length : (int) rounded;
    }

    /** The longest float array the JVM allocates (a little under Integer.MAX_VALUE). */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    /**
     * An array of at least {@code length} floats ({@link #sizeClass}), up to {@link #SLACK} longer when the pool
     * holds no closer one; what lies past {@code length} is unspecified.
     */
    synchronized float[] take(int length) {
        int size = sizeClass(length);
        float[] a = pooled(size);
        if (a == null) a = allocate(size);
        liveFloats += a.length;
        peakLiveFloats = Math.max(peakLiveFloats, liveFloats);
        if (poison) java.util.Arrays.fill(a, Float.NaN);
        return a;
    }

    /**
     * How much longer than a request's class a lent array may be (a fraction of the class). Batches sized by
     * random counts (the iMF step's guidance call on the examples outside their interval, 12 to 36 of 128 in
     * one xs run, until 2026-12-03) have tensors whose lengths lie further apart than the size classes: without
     * the slack every count new to the pool made a forward pass's worth of fresh arrays, which the pool kept alive.
     */
    static final double SLACK = 0.25;

    /** The shortest pooled array of {@code size} to {@code size·(1 + SLACK)} floats, or null. */
    private float[] pooled(int size) {
        Integer len = lengths.ceiling(size);
        if (len == null || len > size + (long) (size * SLACK)) return null;
        ArrayDeque<float[]> q = free.get(len); // also marks the length as the most recently asked for
        float[] a = q.pop();
        if (q.isEmpty()) {
            free.remove(len);
            lengths.remove(len);
        }
        pooledFloats -= a.length;
        return a;
    }

    /** A new array; when the heap is short, the pooled arrays are dropped and it is tried once more. */
    private float[] allocate(int length) {
        try {
            return fresh.apply(length);
        } catch (OutOfMemoryError e) {
            if (pooledFloats == 0) throw e;
            free.clear();
            lengths.clear();
            pooledFloats = 0;
            return fresh.apply(length);
        }
    }

    synchronized void give(float[] a) {
        liveFloats -= a.length;
        if (a.length > capFloats) return;
        Iterator<Map.Entry<Integer, ArrayDeque<float[]>>> lru = free.entrySet().iterator();
        while (pooledFloats + a.length > capFloats && lru.hasNext()) {
            Map.Entry<Integer, ArrayDeque<float[]>> e = lru.next();
            if (e.getKey() == a.length) continue;
            ArrayDeque<float[]> q = e.getValue();
            while (!q.isEmpty() && pooledFloats + a.length > capFloats) pooledFloats -= q.pop().length;
            if (q.isEmpty()) {
                lru.remove();
                lengths.remove(e.getKey());
            }
        }
        if (pooledFloats + a.length > capFloats) return;
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
        lengths.add(a.length);
        pooledFloats += a.length;
    }

    /** Floats handed out and not yet given back (tensors that are alive or merely unscoped). */
    synchronized long liveFloats() { return liveFloats; }

    /** The most floats ever handed out at once: the working set of the hungriest moment. */
    synchronized long peakLiveFloats() { return peakLiveFloats; }

    synchronized long pooledFloats() { return pooledFloats; }
}
