package imfengine.autodiff;

import imfengine.tensor.Storage;
import imfengine.tensor.Tensor;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Records the tangent tensors that ops produce while it is open on this thread, so that once a
 * dual forward is done with them (the tape never needs a tangent) their memory can go back to the
 * pool before the backward pass, instead of at the end of the step. Tangents the caller still needs
 * are named in {@link #releaseExcept}.
 *
 * <pre>{@code try (TangentLog log = TangentLog.open()) { out = f(dual inputs); use out.tangent(); log.releaseExcept(); }}</pre>
 */
public final class TangentLog implements AutoCloseable {
    private static final ThreadLocal<TangentLog> ACTIVE = new ThreadLocal<>();

    private final Set<Storage> produced = Collections.newSetFromMap(new IdentityHashMap<>());
    private final TangentLog outer;

    private TangentLog() {
        this.outer = ACTIVE.get();
        ACTIVE.set(this);
    }

    public static TangentLog open() { return new TangentLog(); }

    /** Called by {@link Var#result} for every tangent an op produces. */
    static void record(Tensor tangent) {
        TangentLog log = ACTIVE.get();
        if (log != null) log.produced.add(tangent.storage());
    }

    /**
     * Releases every recorded tangent except those of {@code keep}, which pass to the enclosing log
     * (if any) so it can release them later. Released tangents must not be read again.
     */
    public void releaseExcept(Tensor... keep) {
        for (Tensor t : keep) {
            if (t == null || !produced.remove(t.storage())) continue;
            if (outer != null) outer.produced.add(t.storage());
        }
        for (Storage s : produced) s.release();
        produced.clear();
    }

    public int recorded() { return produced.size(); }

    @Override public void close() { ACTIVE.set(outer); }
}
