package imfengine.backend.cpu;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Reuses float arrays by exact length. A training step allocates the same shapes every time,
 * so after the first step its temporaries come from here and the hot path allocates nothing.
 */
final class ArrayPool {
    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    private long pooledFloats;

    synchronized float[] take(int length) {
        ArrayDeque<float[]> q = free.get(length);
        float[] a = q == null ? null : q.poll();
        if (a == null) return new float[length];
        pooledFloats -= length;
        return a;
    }

    synchronized void give(float[] a) {
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
        pooledFloats += a.length;
    }

    synchronized long pooledFloats() { return pooledFloats; }
}
