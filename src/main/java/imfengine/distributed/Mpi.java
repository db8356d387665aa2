package imfengine.distributed;

import imfengine.backend.cuda.NativeLibrary;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The few calls of Open MPI's C API that data-parallel training needs, through {@code java.lang.foreign}
 * ({@code libmpi.so.40}, Debian's {@code libopenmpi3}). In Open MPI the predefined handles
 * ({@code MPI_COMM_WORLD}, {@code MPI_FLOAT}, {@code MPI_SUM}, …) are the addresses of global objects
 * ({@code ompi_mpi_comm_world}, …), not integers as in MPICH, so they are looked up as symbols; this binding
 * is Open MPI's alone. Errors use MPI's default handler, {@code MPI_ERRORS_ARE_FATAL}: a failed call ends
 * the whole job, and the return codes are checked only as a second line of defence.
 */
final class Mpi {
    /** {@code MPI_IN_PLACE} in Open MPI's {@code mpi.h}: {@code ((void *) 1)}. */
    private static final MemorySegment IN_PLACE = MemorySegment.ofAddress(1);
    private static final String LIBRARY = "libmpi.so.40";

    private final String path;
    private final MemorySegment world, floatType, intType, byteType, sum, max;
    private final MethodHandle init, initialized, finalized, finish, commRank, commSize, allreduce, bcast;

    private Mpi(NativeLibrary lib) {
        this.path = lib.path();
        SymbolLookup s = lib.symbols();
        world = symbol(s, "ompi_mpi_comm_world");
        floatType = symbol(s, "ompi_mpi_float");
        intType = symbol(s, "ompi_mpi_int");
        byteType = symbol(s, "ompi_mpi_byte");
        sum = symbol(s, "ompi_mpi_op_sum");
        max = symbol(s, "ompi_mpi_op_max");
        Linker l = Linker.nativeLinker();
        init = bind(l, s, "MPI_Init", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        initialized = bind(l, s, "MPI_Initialized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        finalized = bind(l, s, "MPI_Finalized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        finish = bind(l, s, "MPI_Finalize", FunctionDescriptor.of(JAVA_INT));
        commRank = bind(l, s, "MPI_Comm_rank", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        commSize = bind(l, s, "MPI_Comm_size", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        // int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype, MPI_Op, MPI_Comm)
        allreduce = bind(l, s, "MPI_Allreduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        // int MPI_Bcast(void *buffer, int count, MPI_Datatype, int root, MPI_Comm)
        bcast = bind(l, s, "MPI_Bcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    }

    /**
     * Loads {@code libmpi.so.40} ({@code IMF_MPI} may name another file) with {@code RTLD_GLOBAL}, which
     * Open MPI's plug-ins need; throws {@link IllegalStateException} with one line saying why it cannot.
     */
    static Mpi open() {
        String file = System.getenv().getOrDefault("IMF_MPI", LIBRARY);
        try {
            return new Mpi(NativeLibrary.openGlobal(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("started by mpirun, but Open MPI's " + file + " does not load (" + e.getMessage()
                    + "); install it: apt-get install openmpi-bin libopenmpi3");
        }
    }

    String path() { return path; }

    /** {@code MPI_Init(NULL, NULL)}, once per process. */
    void init() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment flag = a.allocate(JAVA_INT);
            check("MPI_Initialized", (int) initialized.invokeExact(flag));
            if (flag.get(JAVA_INT, 0) != 0) return;
            check("MPI_Init", (int) init.invokeExact(MemorySegment.NULL, MemorySegment.NULL));
        } catch (Throwable t) {
            throw rethrow("MPI_Init", t);
        }
    }

    /** {@code MPI_Finalize()} unless it already ran: a clean end, which {@code mpirun} expects of every rank. */
    void finish() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment flag = a.allocate(JAVA_INT);
            check("MPI_Finalized", (int) finalized.invokeExact(flag));
            if (flag.get(JAVA_INT, 0) == 0) check("MPI_Finalize", (int) finish.invokeExact());
        } catch (Throwable t) {
            throw rethrow("MPI_Finalize", t);
        }
    }

    int rank() { return query("MPI_Comm_rank", commRank); }

    int size() { return query("MPI_Comm_size", commSize); }

    /** {@code MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD)}. */
    void sumFloats(MemorySegment buffer, int count) {
        try {
            check("MPI_Allreduce", (int) allreduce.invokeExact(IN_PLACE, buffer, count, floatType, sum, world));
        } catch (Throwable t) {
            throw rethrow("MPI_Allreduce", t);
        }
    }

    /** {@code MPI_Allreduce} of {@code count} ints in place with {@code MPI_MAX}. */
    void maxInts(MemorySegment buffer, int count) {
        try {
            check("MPI_Allreduce", (int) allreduce.invokeExact(IN_PLACE, buffer, count, intType, max, world));
        } catch (Throwable t) {
            throw rethrow("MPI_Allreduce", t);
        }
    }

    /** {@code MPI_Bcast(buffer, bytes, MPI_BYTE, root, MPI_COMM_WORLD)}. */
    void broadcast(MemorySegment buffer, int bytes, int root) {
        try {
            check("MPI_Bcast", (int) bcast.invokeExact(buffer, bytes, byteType, root, world));
        } catch (Throwable t) {
            throw rethrow("MPI_Bcast", t);
        }
    }

    private int query(String name, MethodHandle h) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check(name, (int) h.invokeExact(world, out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(name, t);
        }
    }

    private static void check(String call, int code) {
        if (code != 0) throw new IllegalStateException(call + " failed with MPI error " + code);
    }

    private static RuntimeException rethrow(String call, Throwable t) {
        return t instanceof RuntimeException r ? r : new IllegalStateException(call + ": " + t, t);
    }

    private static MemorySegment symbol(SymbolLookup s, String name) {
        return s.find(name).orElseThrow(() -> new IllegalArgumentException(
                "no symbol " + name + " (an Open MPI libmpi is needed; MPICH's handles are integers)"));
    }

    private static MethodHandle bind(Linker l, SymbolLookup s, String name, FunctionDescriptor fd) {
        return l.downcallHandle(symbol(s, name), fd);
    }
}
