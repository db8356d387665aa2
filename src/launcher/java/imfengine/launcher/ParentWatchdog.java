package imfengine.launcher;

import java.util.Optional;

/**
 * In a child JVM ({@link ChildJvm}): ends this process soon after the process that started it is gone.
 * The parent passes signals on, but nobody can pass on SIGKILL, and a child left alone would keep training
 * and writing checkpoints into the same folder. The parent is polled rather than awaited with
 * {@code ProcessHandle.onExit()}, whose polling of a process that is not one's own child slows to every 5 s.
 * It halts without a last checkpoint: the parent was killed outright, so this stops the same way (the last
 * checkpoint on disk is whole; a write cut short leaves a temporary that the next {@code train} removes).
 */
final class ParentWatchdog {
    private static final long POLL_MILLIS = 200;
    /** Nobody waits for this process any more, so the code is only for the record. */
    private static final int EXIT_ORPHANED = 1;

    private ParentWatchdog() {}

    static void startIfChild() {
        String pid = System.getProperty(ChildJvm.PARENT_PID);
        if (pid == null) return;
        long expected;
        try {
            expected = Long.parseLong(pid);
        } catch (NumberFormatException e) {
            return;
        }
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        // already re-parented (to init or a subreaper): the launcher died before this JVM got here
        if (parent.isEmpty() || parent.get().pid() != expected) orphaned(expected);
        Thread t = new Thread(() -> watch(parent.get()), "imf-parent-watchdog");
        t.setDaemon(true);
        t.start();
    }

    private static void watch(ProcessHandle parent) {
        // isAlive() also compares the start time, so a new process that reuses the id does not count
        while (parent.isAlive()) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                // a daemon thread nobody interrupts on purpose: keep watching
            }
        }
        orphaned(parent.pid());
    }

    private static void orphaned(long pid) {
        System.err.println("imf-engine: the process that started this one (pid " + pid + ") has ended; stopping");
        Runtime.getRuntime().halt(EXIT_ORPHANED);
    }
}
