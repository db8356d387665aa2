package imfengine.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

/**
 * Host↔device copies through page-locked host buffers on the context's (non-blocking) stream, so an
 * upload returns once the data is staged and the copy is queued behind the work before it. A small ring
 * of pinned slots, each with an event: a slot is reused once its last copy has finished. A download
 * queues its copy, waits for the stream, and hands the values over. Slots grow to the largest copy seen.
 */
final class PinnedStaging {
    private static final int SLOTS = 4;

    private final CudaContext context;
    private final Pointer[] buffers = new Pointer[SLOTS];
    private final long[] capacity = new long[SLOTS];
    private final CUevent[] done = new CUevent[SLOTS];
    private int next;

    PinnedStaging(CudaContext context) {
        this.context = context;
        for (int i = 0; i < SLOTS; i++) {
            done[i] = new CUevent();
            cuEventCreate(done[i], 0);
            cuEventRecord(done[i], context.stream()); // "finished": nothing was copied yet
        }
    }

    /** Stages {@code bytes} from {@code fill} into a pinned slot and queues its copy to {@code dst}. */
    synchronized void upload(CUdeviceptr dst, long bytes, java.util.function.Consumer<ByteBuffer> fill) {
        int s = slot(bytes);
        ByteBuffer staged = buffers[s].getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
        fill.accept(staged);
        cuMemcpyHtoDAsync(dst, buffers[s], bytes, context.stream());
        cuEventRecord(done[s], context.stream());
    }

    /** Queues a copy of {@code bytes} from {@code src}, waits for it, and lets {@code take} read the values. */
    synchronized void download(CUdeviceptr src, long bytes, java.util.function.Consumer<ByteBuffer> take) {
        int s = slot(bytes);
        cuMemcpyDtoHAsync(buffers[s], src, bytes, context.stream());
        cuEventRecord(done[s], context.stream());
        cuEventSynchronize(done[s]);
        take.accept(buffers[s].getByteBuffer(0, bytes).order(ByteOrder.nativeOrder()));
    }

    /** The next slot, once its last copy is done, with room for {@code bytes}. */
    private int slot(long bytes) {
        int s = next;
        next = (next + 1) % SLOTS;
        cuEventSynchronize(done[s]);
        if (capacity[s] < bytes) {
            if (buffers[s] != null) cuMemFreeHost(buffers[s]);
            long size = Math.max(bytes, 1 << 20);
            buffers[s] = new Pointer();
            cuMemAllocHost(buffers[s], size);
            capacity[s] = size;
        }
        return s;
    }
}
