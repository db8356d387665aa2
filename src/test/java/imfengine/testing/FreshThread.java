package imfengine.testing;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/** Runs work on a thread of its own: what a kernel gives with fresh thread-local scratch. */
public final class FreshThread {
    private FreshThread() {}

    /** {@code work}'s result, computed on a new thread that this call starts and joins. */
    public static <T> T run(Supplier<T> work) throws InterruptedException {
        AtomicReference<T> out = new AtomicReference<>();
        Thread t = new Thread(() -> out.set(work.get()));
        t.start();
        t.join();
        return out.get();
    }
}
