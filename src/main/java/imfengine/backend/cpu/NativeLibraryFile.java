package imfengine.backend.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/** Opens a shared library that {@code make} built into the jar as a resource. */
final class NativeLibraryFile {
    private NativeLibraryFile() {}

    /**
     * The library's symbols, or empty when the jar has no such resource. It is copied to a temporary file, opened for the
     * life of the process, and the file deleted: once opened the mapping outlives the name, so nothing is left in /tmp,
     * even after a kill.
     */
    static Optional<SymbolLookup> open(String resource, String tempPrefix) throws IOException {
        try (InputStream in = NativeLibraryFile.class.getResourceAsStream(resource)) {
            if (in == null) return Optional.empty();
            Path file = Files.createTempFile(tempPrefix, ".so");
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                return Optional.of(SymbolLookup.libraryLookup(file, Arena.global()));
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }

    /**
     * Whether {@code -Dproperty} leaves a library on: {@code on} (the default) or {@code off}; any other value is
     * reported on stderr and taken as {@code on}.
     */
    static boolean switchedOn(String property) {
        String setting = System.getProperty(property, "on");
        if (setting.equals("off")) return false;
        if (!setting.equals("on")) System.err.println(property + "=" + setting + " ignored (on or off); using on");
        return true;
    }

    /** Whether this JVM runs on x86-64 Linux, the one platform {@code make} builds the libraries for. */
    static boolean platformSupported() {
        return System.getProperty("os.arch").equals("amd64") && System.getProperty("os.name").equals("Linux");
    }
}
