package imfengine.testing;

import imfengine.backend.cuda.LibraryLocator;
import imfengine.backend.cuda.Nccl;
import imfengine.backend.cuda.NativeLibrary;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The fake {@code libnccl.so.2} of {@code src/test/resources/fake-nccl/fake_nccl.cpp}, compiled here with g++ (tests
 * skip without g++): it checks the arguments of every call as NCCL would need them and reduces host memory (an
 * emulated device's), over MPI when there are several ranks. {@link #last()} reads what the last all-reduce got.
 */
public final class FakeNccl {
    /** The fields of {@link #last()}: send, recv, count, datatype, op, stream, ranks, all-reduces so far. */
    public static final int SEND = 0, RECV = 1, COUNT = 2, DATATYPE = 3, OP = 4, STREAM = 5, RANKS = 6, CALLS = 7;

    private final Path library;

    private FakeNccl(Path library) { this.library = library; }

    /** Builds {@code dir/libnccl.so.2}. */
    public static FakeNccl build(Path dir) throws IOException, InterruptedException {
        Path src = dir.resolve("fake_nccl.cpp"), lib = dir.resolve("libnccl.so.2"), log = dir.resolve("g++-nccl.log");
        try (InputStream in = FakeNccl.class.getResourceAsStream("/fake-nccl/fake_nccl.cpp")) {
            if (in == null) throw new IllegalStateException("fake_nccl.cpp is not on the test class path");
            Files.write(src, in.readAllBytes());
        }
        Process p;
        try {
            p = new ProcessBuilder("g++", "-shared", "-fPIC", "-O1", src.toString(), "-o", lib.toString(), "-ldl")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            assumeTrue(false, "no g++ to build the fake libnccl");
            return null;
        }
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "g++ failed: " + Files.readString(log));
        return new FakeNccl(lib);
    }

    public Path library() { return library; }

    /** The binding over this library alone. */
    public Nccl open() {
        return Nccl.open(new LibraryLocator.Search(List.of(new LibraryLocator.Candidate("test", library.toString(), null)), List.of()),
                NativeLibrary::open);
    }

    /** The last all-reduce's arguments (see the field indices). */
    public long[] last() { return longs(call("fake_nccl_last"), 8); }

    /** Communicators created and not yet destroyed. */
    public long live() {
        try {
            return (long) handle("fake_nccl_live", FunctionDescriptor.of(ValueLayout.JAVA_LONG)).invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private MemorySegment call(String name) {
        try {
            return (MemorySegment) handle(name, FunctionDescriptor.of(ValueLayout.ADDRESS)).invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private MethodHandle handle(String name, FunctionDescriptor fd) {
        NativeLibrary lib = NativeLibrary.open(library.toString()); // the same handle: dlopen counts references
        return Linker.nativeLinker().downcallHandle(lib.symbols().find(name).orElseThrow(), fd);
    }

    private static long[] longs(MemorySegment p, int n) {
        MemorySegment s = p.reinterpret(8L * n);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = s.getAtIndex(ValueLayout.JAVA_LONG, i);
        return out;
    }
}
