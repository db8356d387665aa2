package imfengine.backend.cpu;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reuses float arrays by exact length. A training step allocates the same shapes every time,
 * so after the first step its temporaries come from here and the hot path allocates nothing.
 */
final class ArrayPool {
    /**
     * At most this many floats wait in the pool. When a returned array does not fit, arrays of the
     * lengths asked for least recently are dropped to make room: shapes that vary from step to step
     * (the guidance call on the examples outside their interval) would otherwise fill the pool with
     * arrays nobody asks for again and push out the step's fixed shapes.
     */
    private final long capFloats;

    /** Free arrays by length, in order of the last take or give of each length (least recent first). */
    private final LinkedHashMap<Integer, ArrayDeque<float[]>> free = new LinkedHashMap<>(64, 0.75f, true);
    private long pooledFloats, liveFloats, peakLiveFloats;
    /**
     * Whether every array handed out is first filled with NaN (tests): a kernel that reads an output or
     * scratch element before writing it then gives NaN instead of a value that depends on what the
     * array held before, i.e. on which step or call last used it.
     */
    private final boolean poison;

    ArrayPool() { this(defaultCap(), false); }

    ArrayPool(long capFloats) { this(capFloats, false); }

    private ArrayPool(long capFloats, boolean poison) {
        this.capFloats = capFloats;
        this.poison = poison;
    }

    /** A pool that fills every array it hands out with NaN (see {@link #poison}). */
    static ArrayPool poisoning() { return new ArrayPool(defaultCap(), true); }

    private static long defaultCap() { return Math.max(16L << 20, Runtime.getRuntime().maxMemory() / 4 / Float.BYTES); }

    synchronized float[] take(int length) {
        liveFloats += length;
        peakLiveFloats = Math.max(peakLiveFloats, liveFloats);
        ArrayDeque<float[]> q = free.get(length);
        float[] a = q == null ? null : q.poll();
        if (a == null) a = new float[length];
        else pooledFloats -= length;
        if (poison) java.util.Arrays.fill(a, Float.NaN);
        return a;
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
            if (q.isEmpty()) lru.remove();
        }
        if (pooledFloats + a.length > capFloats) return;
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
        pooledFloats += a.length;
    }

    /** Floats handed out and not yet given back (tensors that are alive or merely unscoped). */
    synchronized long liveFloats() { return liveFloats; }

    /** The most floats ever handed out at once: the working set of the hungriest moment. */
    synchronized long peakLiveFloats() { return peakLiveFloats; }

    synchronized long pooledFloats() { return pooledFloats; }
}
