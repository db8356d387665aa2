package imfengine.distributed;

import imfengine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The ranks of an {@code mpirun} job, with their collectives on host memory: a tensor is downloaded, summed
 * by {@code MPI_Allreduce} in one native buffer (grown as needed, reused), and uploaded again. For the CPU
 * backend that is two copies of the flat gradient buffer per step, small next to the step. (Device memory would
 * go through the host the same way; on the CUDA backend {@link NcclProcessGroup} sums on the device instead.)
 */
final class MpiProcessGroup implements ProcessGroup {
    private final Mpi mpi;
    private final int rank, size;
    private final Arena arena = Arena.ofShared();
    private MemorySegment staging = MemorySegment.NULL;
    /** Host arrays by length (the transfers need exact lengths): the gradient buffer's, the metrics'. */
    private final Map<Integer, float[]> hosts = new HashMap<>();

    MpiProcessGroup(Mpi mpi) {
        this.mpi = mpi;
        mpi.init();
        this.rank = mpi.rank();
        this.size = mpi.size();
    }

    @Override public int rank() { return rank; }

    @Override public int size() { return size; }

    @Override public void sumInPlace(Tensor t) {
        int n = Math.toIntExact(t.shape().size());
        if (staging.byteSize() < (long) n * Float.BYTES) staging = arena.allocate(JAVA_FLOAT, n);
        float[] host = hosts.computeIfAbsent(n, float[]::new);
        t.backend().download(t, host);
        MemorySegment.copy(host, 0, staging, JAVA_FLOAT, 0, n);
        mpi.sumFloats(staging, n);
        MemorySegment.copy(staging, JAVA_FLOAT, 0, host, 0, n);
        t.backend().upload(host, t);
    }

    @Override public int maxOverRanks(int value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            mpi.maxInts(v, 1);
            return v.get(JAVA_INT, 0);
        }
    }

    @Override public long fromRankZero(long value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            v.set(JAVA_LONG, 0, value);
            mpi.broadcast(v, Long.BYTES, 0);
            return v.get(JAVA_LONG, 0);
        }
    }

    @Override public byte[] fromRankZero(byte[] bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, v, JAVA_BYTE, 0, bytes.length);
            mpi.broadcast(v, bytes.length, 0);
            return v.asSlice(0, bytes.length).toArray(JAVA_BYTE);
        }
    }

    @Override public void close() { mpi.finish(); }
}
