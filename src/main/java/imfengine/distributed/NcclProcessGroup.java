package imfengine.distributed;

import imfengine.backend.cuda.CudaBackend;
import imfengine.backend.cuda.Nccl;
import imfengine.tensor.DType;
import imfengine.tensor.Tensor;

/**
 * A process group whose sums of the CUDA backend's tensors are NCCL all-reduces on the device: in place, queued on
 * the backend's stream (so AdamW's launch after it waits for it, and nothing crosses to the host). The ranks and the
 * small host collectives (the stop flag, the sync check's hash, the NCCL id itself) stay the wrapped group's
 * (MPI's). The trainer calls {@link #sumInPlace} where it would on the CPU, and the sum is the same {@code SUM} of
 * the ranks' {@code (B_k/B)}-scaled gradients, so the averaging is the CPU path's, not a second copy of it.
 */
public final class NcclProcessGroup implements ProcessGroup {
    private final ProcessGroup hosts;
    private final CudaBackend backend;
    private final Nccl.Communicator comm;

    private NcclProcessGroup(ProcessGroup hosts, CudaBackend backend, Nccl.Communicator comm) {
        this.hosts = hosts;
        this.backend = backend;
        this.comm = comm;
    }

    /**
     * The ranks of {@code group} joined in one NCCL communicator on {@code backend}'s device: rank 0's
     * {@code ncclGetUniqueId} is broadcast over {@code group}, then every rank calls {@code ncclCommInitRank}
     * (a collective: every rank of the group must call this together).
     */
    public static NcclProcessGroup open(ProcessGroup group, CudaBackend backend, Nccl nccl) {
        byte[] id = group.fromRankZero(group.leads() ? nccl.uniqueId() : new byte[Nccl.UNIQUE_ID_BYTES]);
        backend.foreignStream(); // makes the backend's device current on this thread: the communicator is created for it
        return new NcclProcessGroup(group, backend, nccl.communicator(group.size(), id, group.rank()));
    }

    @Override public int rank() { return hosts.rank(); }

    @Override public int size() { return hosts.size(); }

    /** On this backend: {@code ncclAllReduce} with {@code ncclSum}, in place; any other tensor: the wrapped group's sum. */
    @Override public void sumInPlace(Tensor t) {
        if (t.backend() != backend) {
            hosts.sumInPlace(t);
            return;
        }
        if (t.dtype() != DType.F32) throw new IllegalArgumentException("NCCL sums F32 tensors here, got " + t.dtype());
        long at = backend.deviceAddress(t);
        comm.allReduce(at, at, t.size(), Nccl.Op.SUM, backend.foreignStream());
    }

    @Override public int maxOverRanks(int value) { return hosts.maxOverRanks(value); }

    @Override public long fromRankZero(long value) { return hosts.fromRankZero(value); }

    @Override public byte[] fromRankZero(byte[] bytes) { return hosts.fromRankZero(bytes); }

    /** Destroys the communicator, then ends the wrapped group. */
    @Override public void close() {
        try {
            comm.close();
        } finally {
            hosts.close();
        }
    }
}
