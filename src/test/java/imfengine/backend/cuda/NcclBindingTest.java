package imfengine.backend.cuda;

import imfengine.testing.FakeNccl;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Nccl}'s downcalls against the fake {@code libnccl.so.2} ({@link FakeNccl}; no GPU, no NCCL): the 128-byte
 * unique id passed by value to {@code ncclCommInitRank}, the all-reduce's datatype, op, count, buffers and stream,
 * and NCCL's error codes turned into one line with {@code ncclGetErrorString}'s text. Also where
 * {@link LibraryLocator#NCCL} looks, and the line when there is no NCCL.
 */
class NcclBindingTest {
    @TempDir static Path dir;
    static FakeNccl fake;

    @BeforeAll static void build() throws Exception { fake = FakeNccl.build(dir); }

    private static MemorySegment floats(Arena a, float... v) {
        MemorySegment s = a.allocate(JAVA_FLOAT, v.length);
        MemorySegment.copy(v, 0, s, JAVA_FLOAT, 0, v.length);
        return s;
    }

    @Test void aOneRankCommunicatorAllReducesInPlaceWithFloat32SumOnTheGivenStream() {
        Nccl nccl = fake.open();
        assertEquals("2.27.3", nccl.version());
        byte[] id = nccl.uniqueId();
        assertEquals(Nccl.UNIQUE_ID_BYTES, id.length);
        assertEquals("FAKENCCL", new String(id, 0, 8));
        long before = fake.live();
        try (Arena a = Arena.ofConfined(); Nccl.Communicator c = nccl.communicator(1, id, 0)) {
            assertEquals(before + 1, fake.live());
            MemorySegment buf = floats(a, 1.5f, -2f, 3f, 4f);
            c.allReduce(buf.address(), buf.address(), 4, Nccl.Op.SUM, 0);
            long[] got = fake.last();
            assertArrayEquals(new long[]{buf.address(), buf.address(), 4, Nccl.FLOAT32, 0, 0, 1},
                    Arrays.copyOf(got, FakeNccl.RANKS + 1), "send, recv, count, ncclFloat32, ncclSum, stream 0, 1 rank");
            assertArrayEquals(new float[]{1.5f, -2f, 3f, 4f}, buf.toArray(JAVA_FLOAT), "one rank's sum is its own values");
            MemorySegment out = floats(a, 0, 0, 0);
            c.allReduce(buf.address() + 4, out.address(), 3, Nccl.Op.SUM, 0);
            assertEquals(0, fake.last()[FakeNccl.OP], "ncclSum");
            assertArrayEquals(new float[]{-2f, 3f, 4f}, out.toArray(JAVA_FLOAT), "out of place, from an offset");
        }
        assertEquals(before, fake.live(), "closing destroys the communicator");
    }

    @Test void ncclErrorsAreOneLineWithNcclsText() {
        Nccl nccl = fake.open();
        byte[] id = nccl.uniqueId();
        try (Arena a = Arena.ofConfined(); Nccl.Communicator c = nccl.communicator(1, id, 0)) {
            MemorySegment buf = floats(a, 1f);
            CudaException e = assertThrows(CudaException.class, () -> c.allReduce(buf.address(), buf.address(), 1, Nccl.Op.SUM, 0x1234));
            assertEquals("ncclAllReduce failed with ncclResult_t 4: invalid argument (fake libnccl: ncclAllReduce: not the expected stream)",
                    e.getMessage());
        }
        byte[] changed = id.clone();
        changed[40] ^= 1;
        CudaException e = assertThrows(CudaException.class, () -> nccl.communicator(1, changed, 0));
        assertEquals("ncclCommInitRank failed with ncclResult_t 4: invalid argument (fake libnccl: ncclCommInitRank: the id's bytes were changed)",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> nccl.communicator(1, new byte[16], 0));
        assertThrows(IllegalArgumentException.class, () -> nccl.communicator(2, id, 2));
        Nccl.Communicator c = nccl.communicator(1, id, 0);
        c.close();
        c.close(); // once only
        assertThrows(IllegalStateException.class, () -> c.allReduce(0x1000, 0x1000, 1, Nccl.Op.SUM, 0));
    }

    @Test void ncclIsLookedForInPytorchsWheelFolderAndItsAbsenceIsOneLineNamingTheOverride() throws IOException {
        Path root = dir.resolve("tree");
        Path wheel = Files.createDirectories(root.resolve("venv/lib/python3.12/site-packages/nvidia/nccl/lib"));
        Path lib = Files.createFile(wheel.resolve("libnccl.so.2"));
        LibraryLocator.Search s = LibraryLocator.search(LibraryLocator.NCCL,
                new LibraryLocator.Environment(Map.of("VIRTUAL_ENV", root.resolve("venv").toString()), null, root, "x86_64-linux"));
        assertEquals("libnccl.so.2", s.candidates().getFirst().library(), "the loader's search first");
        assertEquals(List.of(lib.toString()), s.candidates().stream().skip(1).map(LibraryLocator.Candidate::library).toList());
        assertEquals("python wheel", s.candidates().get(1).place());
        assertNull(s.candidates().get(1).companion());

        LibraryLocator.Search none = LibraryLocator.search(LibraryLocator.NCCL,
                new LibraryLocator.Environment(Map.of("IMF_NCCL", root.resolve("absent").toString()), null, root, "x86_64-linux"));
        CudaException e = assertThrows(CudaException.class, () -> Nccl.open(none, NativeLibrary::open));
        String m = e.getMessage();
        assertTrue(m.startsWith("NCCL (libnccl.so.2) is not available: tried IMF_NCCL=" + root.resolve("absent") + " (no such file or folder)"), m);
        assertTrue(m.contains("(set IMF_NCCL or -Dimf.nccl to libnccl.so.2 or its folder"), m);
        assertTrue(!m.contains("\n"), m);
        CudaException e2 = assertThrows(CudaException.class, () -> Nccl.open(new LibraryLocator.Search(
                List.of(new LibraryLocator.Candidate("test", "libc.so.6", null)), List.of()), NativeLibrary::open));
        assertTrue(e2.getMessage().contains("libc.so.6 [test]: symbol ncclGetVersion missing"), e2.getMessage());
    }
}
