package imfengine.backend.cpu;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Reuses float arrays by exact length. A training step allocates the same shapes every time,
 * so after the first step its temporaries come from here and the hot path allocates nothing.
 */
final class ArrayPool {
    /**
     * At most this many floats wait in the pool; beyond it returned arrays are left to the garbage
     * collector. Shapes that vary from step to step (a guidance batch of varying size) would otherwise
     * fill the pool with arrays nobody asks for again.
     */
    private final long capFloats = Math.max(16L << 20, Runtime.getRuntime().maxMemory() / 4 / Float.BYTES);

    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    private long pooledFloats, liveFloats, peakLiveFloats;

    synchronized float[] take(int length) {
        liveFloats += length;
        peakLiveFloats = Math.max(peakLiveFloats, liveFloats);
        ArrayDeque<float[]> q = free.get(length);
        float[] a = q == null ? null : q.poll();
        if (a == null) return new float[length];
        pooledFloats -= length;
        return a;
    }

    synchronized void give(float[] a) {
        liveFloats -= a.length;
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
