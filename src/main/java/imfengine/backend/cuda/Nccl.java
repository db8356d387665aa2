package imfengine.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * NCCL ({@code libnccl.so.2}) through {@code java.lang.foreign}: the few calls a data-parallel run needs, a
 * communicator per process and an in-place float32 all-reduce queued on the backend's stream. Where the library
 * is looked for is {@link LibraryLocator#NCCL}'s job (PyTorch's pip wheels bring it as {@code nvidia/nccl/lib});
 * when none loads, one line names every place tried and the override ({@code IMF_NCCL}).
 * <p>{@code ncclCommInitRank} takes the 128-byte {@code ncclUniqueId} <em>by value</em>, so its descriptor has a
 * struct layout, not a pointer. Every call's {@code ncclResult_t} is checked; a failure is one
 * {@link CudaException} line with {@code ncclGetErrorString}'s text.
 */
public final class Nccl {
    /** {@code NCCL_UNIQUE_ID_BYTES} of {@code nccl.h}. */
    public static final int UNIQUE_ID_BYTES = 128;
    private static final StructLayout UNIQUE_ID = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(UNIQUE_ID_BYTES, JAVA_BYTE).withName("internal"));
    /** {@code ncclFloat32} of {@code ncclDataType_t}. */
    static final int FLOAT32 = 7;

    /**
     * {@code ncclRedOp_t}: the reductions we use. No {@code ncclAvg}: NCCL before 2.29.7 leaves the tail of a 1-rank
     * average unwritten (NVIDIA/nccl#1950; the device check met it on 2.28.3), and the trainer sums, then scales.
     */
    public enum Op {
        SUM(0);

        final int code;

        Op(int code) { this.code = code; }
    }

    private final String library, place;
    private final MethodHandle getVersion, getUniqueId, commInitRank, allReduce, commDestroy, errorString;

    private Nccl(String library, String place, SymbolLookup s) {
        this.library = library;
        this.place = place;
        getVersion = NativeLibrary.downcall(s, "ncclGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getUniqueId = NativeLibrary.downcall(s, "ncclGetUniqueId", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        // ncclResult_t ncclCommInitRank(ncclComm_t* comm, int nranks, ncclUniqueId commId, int rank)
        commInitRank = NativeLibrary.downcall(s, "ncclCommInitRank", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, UNIQUE_ID, JAVA_INT));
        // ncclResult_t ncclAllReduce(const void* send, void* recv, size_t count, ncclDataType_t, ncclRedOp_t, ncclComm_t, cudaStream_t)
        allReduce = NativeLibrary.downcall(s, "ncclAllReduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        commDestroy = NativeLibrary.downcall(s, "ncclCommDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        errorString = NativeLibrary.downcall(s, "ncclGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    /** Opens the first NCCL of this JVM's {@link LibraryLocator#search(LibraryLocator.Library)} that loads. */
    public static Nccl open() { return open(LibraryLocator.search(LibraryLocator.NCCL), NativeLibrary::open); }

    /**
     * Opens the first candidate of {@code search} that loads with {@code loader} and has every symbol used here;
     * throws a {@link CudaException} whose one-line message names each candidate tried and why it failed.
     */
    public static Nccl open(LibraryLocator.Search search, NativeLibrary.Loader loader) {
        return search.open(loader, (lib, found) -> new Nccl(lib.path(), found.place(), lib.symbols()), "NCCL (libnccl.so.2)",
                "set " + LibraryLocator.NCCL.variable() + " or -D" + LibraryLocator.NCCL.property()
                        + " to libnccl.so.2 or its folder; pip install nvidia-nccl-cu12 brings one");
    }

    /** The file loaded. */
    public String library() { return library; }

    /** Where {@link LibraryLocator} found it. */
    public String place() { return place; }

    /** NCCL's version, e.g. {@code 2.27.3} ({@code ncclGetVersion}: major·10000 + minor·100 + patch since 2.9). */
    public String version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("ncclGetVersion", (int) getVersion.invokeExact(v));
            int x = v.get(JAVA_INT, 0);
            return x / 10000 + "." + x % 10000 / 100 + "." + x % 100;
        } catch (Throwable t) {
            throw rethrow("ncclGetVersion", t);
        }
    }

    /** A new {@code ncclUniqueId} (on one rank; the others receive it from that rank). */
    public byte[] uniqueId() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(UNIQUE_ID);
            check("ncclGetUniqueId", (int) getUniqueId.invokeExact(id));
            return id.toArray(JAVA_BYTE);
        } catch (Throwable t) {
            throw rethrow("ncclGetUniqueId", t);
        }
    }

    /**
     * {@code ncclCommInitRank}: this process's communicator of {@code ranks} processes, as {@code rank}, on the device
     * current on this thread; every rank must call it with the same {@code id}. Blocks until all have.
     */
    public Communicator communicator(int ranks, byte[] id, int rank) {
        if (id.length != UNIQUE_ID_BYTES) throw new IllegalArgumentException("an ncclUniqueId has " + UNIQUE_ID_BYTES + " bytes, got " + id.length);
        if (rank < 0 || rank >= ranks) throw new IllegalArgumentException("rank " + rank + " of " + ranks);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            MemorySegment value = a.allocate(UNIQUE_ID);
            MemorySegment.copy(id, 0, value, JAVA_BYTE, 0, UNIQUE_ID_BYTES);
            check("ncclCommInitRank", (int) commInitRank.invokeExact(out, ranks, value, rank));
            return new Communicator(out.get(ADDRESS, 0), ranks, rank);
        } catch (Throwable t) {
            throw rethrow("ncclCommInitRank", t);
        }
    }

    /** One process's end of an NCCL communicator. */
    public final class Communicator implements AutoCloseable {
        private MemorySegment comm;
        private final int ranks, rank;

        private Communicator(MemorySegment comm, int ranks, int rank) {
            this.comm = comm;
            this.ranks = ranks;
            this.rank = rank;
        }

        public int ranks() { return ranks; }

        public int rank() { return rank; }

        /**
         * {@code ncclAllReduce} of {@code count} float32 values from device address {@code send} into {@code recv}
         * (the same address: in place), queued on {@code stream} (a {@code cudaStream_t}; 0 is the default stream).
         */
        public void allReduce(long send, long recv, long count, Op op, long stream) {
            if (comm.equals(MemorySegment.NULL)) throw new IllegalStateException("NCCL communicator used after close");
            try {
                check("ncclAllReduce", (int) allReduce.invokeExact(MemorySegment.ofAddress(send), MemorySegment.ofAddress(recv), count, FLOAT32,
                        op.code, comm, MemorySegment.ofAddress(stream)));
            } catch (Throwable t) {
                throw rethrow("ncclAllReduce of " + count + " floats", t);
            }
        }

        /** {@code ncclCommDestroy}, once. */
        @Override public void close() {
            if (comm.equals(MemorySegment.NULL)) return;
            try {
                check("ncclCommDestroy", (int) commDestroy.invokeExact(comm));
            } catch (Throwable t) {
                throw rethrow("ncclCommDestroy", t);
            } finally {
                comm = MemorySegment.NULL;
            }
        }
    }

    private void check(String call, int result) throws Throwable {
        if (result == 0) return;
        MemorySegment s = (MemorySegment) errorString.invokeExact(result);
        String text = s.equals(MemorySegment.NULL) ? "" : ": " + LibraryLocator.oneLine(s.reinterpret(4096).getString(0));
        throw new CudaException(call + " failed with ncclResult_t " + result + text);
    }

    private static RuntimeException rethrow(String what, Throwable t) {
        if (t instanceof RuntimeException e) return e;
        return new CudaException(what + ": " + t, t);
    }
}
