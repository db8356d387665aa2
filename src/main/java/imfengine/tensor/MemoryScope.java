package imfengine.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * An explicit lifetime for temporaries: storage allocated while a scope is open (on this thread)
 * is released when it closes, so one training step's intermediates go back to the pool at its
 * end without relying on the garbage collector. {@link #keep} hands a tensor to the enclosing
 * scope (or makes it unscoped) so it outlives this one.
 *
 * <pre>{@code try (var step = MemoryScope.open()) { ... } }</pre>
 */
public final class MemoryScope implements AutoCloseable {
    private static final ThreadLocal<ArrayDeque<MemoryScope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final List<Storage> owned = new ArrayList<>();
    private boolean closed;

    private MemoryScope() {}

    public static MemoryScope open() {
        MemoryScope s = new MemoryScope();
        STACK.get().push(s);
        return s;
    }

    /** Registers fresh storage with the innermost open scope of this thread, if any. */
    public static void track(Storage storage) {
        MemoryScope s = STACK.get().peek();
        if (s != null) s.owned.add(storage);
    }

    /** Moves {@code t}'s storage out of this scope into the enclosing one (or none). */
    public Tensor keep(Tensor t) {
        Storage st = t.storage();
        if (owned.remove(st)) {
            ArrayDeque<MemoryScope> stack = STACK.get();
            MemoryScope parent = null;
            boolean seen = false;
            for (MemoryScope s : stack) { // innermost first
                if (seen) { parent = s; break; }
                if (s == this) seen = true;
            }
            if (parent != null) parent.owned.add(st);
        }
        return t;
    }

    public int ownedCount() { return owned.size(); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        ArrayDeque<MemoryScope> stack = STACK.get();
        if (stack.peek() != this) throw new IllegalStateException("memory scopes must close innermost first");
        stack.pop();
        for (Storage s : owned) s.release();
        owned.clear();
    }
}
