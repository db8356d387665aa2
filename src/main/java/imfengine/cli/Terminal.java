package imfengine.cli;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Whether standard error (where the progress line goes) is an interactive terminal: libc's {@code isatty(2)}
 * through FFM. {@code System.console()} is no substitute, since it looks at stdin and stdout, not at stderr.
 * Where libc has no {@code isatty} (Windows) it falls back to {@code System.console()}.
 */
final class Terminal {
    private static final int STDERR = 2;

    private Terminal() {}

    static boolean stderrIsTerminal() {
        Optional<MethodHandle> isatty = isatty();
        if (isatty.isPresent()) {
            try {
                return (int) isatty.get().invokeExact(STDERR) == 1;
            } catch (Throwable e) {
                // fall through to the console check
            }
        }
        return System.console() != null && System.console().isTerminal();
    }

    private static Optional<MethodHandle> isatty() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("isatty")
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
