package imfengine.backend.cpu;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;

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
    /** Makes a fresh array (tests: one that runs out of memory). */
    private final IntFunction<float[]> fresh;

    /** Free arrays by length, in order of the last take or give of each length (least recent first). */
    private final LinkedHashMap<Integer, ArrayDeque<float[]>> free = new LinkedHashMap<>(64, 0.75f, true);
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

    synchronized float[] take(int length) {
        liveFloats += length;
        peakLiveFloats = Math.max(peakLiveFloats, liveFloats);
        ArrayDeque<float[]> q = free.get(length);
        float[] a = q == null ? null : q.poll();
        if (a == null) a = allocate(length);
        else pooledFloats -= length;
        if (poison) java.util.Arrays.fill(a, Float.NaN);
        return a;
    }

    /** A new array; when the heap is short, the pooled arrays are dropped and it is tried once more. */
    private float[] allocate(int length) {
        try {
            return fresh.apply(length);
        } catch (OutOfMemoryError e) {
            if (pooledFloats == 0) throw e;
            free.clear();
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
