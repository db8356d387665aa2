package imfengine.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * SIGTERM (schedulers, preemptible nodes), SIGINT (Ctrl-C) and SIGHUP (a closed terminal) while training:
 * instead of the JVM's default, dying at once and losing the steps since the last checkpoint, the signal
 * is recorded; the training loop polls {@link #getAsBoolean()} between steps, finishes the step in flight,
 * writes its checkpoint and returns, and {@code train} prints one line and exits {@link #exitCode()}
 * (128 + the signal's number: 143, 130, 129), as a shell expects of a process ended by that signal.
 * <p>A second signal changes nothing: Ctrl-C reaches both the launcher and this JVM, and the launcher passes
 * it on as well. SIGKILL ends the run at once. A signal ignored when the JVM started stays ignored (nohup
 * ignores SIGHUP). {@code sun.misc.Signal} (module jdk.unsupported) is the JDK's only way to handle a signal
 * other than by shutting down; {@link #close()} puts the previous handlers back.
 */
final class StopSignal implements BooleanSupplier, AutoCloseable {
    private static final String[] NAMES = {"TERM", "INT", "HUP"};
    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    private volatile Signal received;

    private StopSignal() {}

    /** Handles the three signals from now until {@link #close()}. */
    static StopSignal install() {
        StopSignal s = new StopSignal();
        for (String name : NAMES) {
            try {
                Signal sig = new Signal(name);
                SignalHandler old = Signal.handle(sig, s::receive);
                // SIG_IGN: the JVM left the signal ignored and did not install ours
                if (old != SignalHandler.SIG_IGN) s.previous.put(sig, old);
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // not a signal on this platform (Windows has no SIGHUP), or reserved (-Xrs): keep the default
            }
        }
        return s;
    }

    /** Whether {@code name} ("TERM", "INT", "HUP") is handled, i.e. ends the run with a checkpoint. */
    boolean handles(String name) {
        return previous.keySet().stream().anyMatch(s -> s.getName().equals(name));
    }

    void receive(Signal sig) {
        if (received == null) received = sig;
    }

    /** Whether a signal has asked the run to stop. */
    @Override public boolean getAsBoolean() { return received != null; }

    /** {@code SIGTERM}, … ; only after a signal. */
    String name() { return "SIG" + received.getName(); }

    /** 128 + the signal's number; only after a signal. */
    int exitCode() { return 128 + received.getNumber(); }

    @Override public void close() {
        previous.forEach(Signal::handle);
        previous.clear();
    }
}
