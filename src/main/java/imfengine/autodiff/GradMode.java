package imfengine.autodiff;

/**
 * Whether ops record tape entries on this thread. {@code try (var off = GradMode.off()) {...}} runs
 * a block without a tape (iMF's guidance forwards), restoring the previous mode on close.
 */
public final class GradMode implements AutoCloseable {
    private static final ThreadLocal<Boolean> ENABLED = ThreadLocal.withInitial(() -> Boolean.TRUE);
    private final boolean previous;

    private GradMode(boolean enabled) {
        previous = ENABLED.get();
        ENABLED.set(enabled);
    }

    public static GradMode off() { return new GradMode(false); }

    public static boolean enabled() { return ENABLED.get(); }

    @Override public void close() { ENABLED.set(previous); }
}
