package imfengine.backend.cuda;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * bf16 copies of the parameters' flat fp32 buffers, for bf16 GEMMs. A registered buffer is cast whole, in one
 * launch, when a GEMM first reads it after it was written; a GEMM operand lying inside it then reads the copy at
 * the same element offset (same leading dimensions and strides) instead of being cast on its own.
 *
 * <p>Freshness is the storage's write count ({@link CudaStorage#writes()}), which {@link CudaBackend} raises for
 * every tensor it hands to a kernel, copy, fill or upload as anything but a read-only input. So AdamW, checkpoint
 * loads, EMA copies and any later kernel that writes parameters make the copy stale without telling anyone; a
 * kernel wrongly counted as a writer costs one extra cast, never a stale weight.
 */
final class Bf16WeightCache {
    /** fp32 {@code n} elements at {@code src} rounded to bf16 at {@code dst}: the backend's cast, queued on its stream. */
    @FunctionalInterface
    interface Cast {
        void toBf16(long src, long dst, long n);
    }

    /** A registered buffer, its bf16 copy, and the write count the copy was cast at (-1: never cast). */
    private static final class Copy {
        final CudaStorage source;
        final MemoryBlock bf16;
        long castAtWrites = -1;

        Copy(CudaStorage source, MemoryBlock bf16) {
            this.source = source;
            this.bf16 = bf16;
        }
    }

    private final DeviceAllocator allocator;
    private final Cast cast;
    private final List<Copy> copies = new ArrayList<>();
    private long refreshes, operandsRead;

    Bf16WeightCache(DeviceAllocator allocator, Cast cast) {
        this.allocator = allocator;
        this.cast = cast;
    }

    /** Keeps a bf16 copy of {@code source} (an fp32 buffer) from now on; registering it again changes nothing. */
    synchronized void register(CudaStorage source) {
        dropReleased();
        for (Copy c : copies) if (c.source == source) return;
        copies.add(new Copy(source, allocator.allocate(source.bytes() / Float.BYTES * Short.BYTES)));
    }

    /**
     * The bf16 address of the fp32 span of {@code elements} at {@code address} when it lies inside a registered
     * buffer, that buffer's copy first recast if it was written since; 0 when it lies in none (the caller casts it).
     */
    synchronized long operand(long address, long elements) {
        dropReleased();
        for (Copy c : copies) {
            long base = c.source.address();
            if (address < base || address + elements * Float.BYTES > base + c.source.bytes()) continue;
            long writes = c.source.writes();
            if (c.castAtWrites != writes) {
                cast.toBf16(base, c.bf16.address(), c.source.bytes() / Float.BYTES);
                c.castAtWrites = writes;
                refreshes++;
            }
            operandsRead++;
            return c.bf16.address() + (address - base) / Float.BYTES * Short.BYTES;
        }
        return 0;
    }

    /** Whole-buffer casts so far (one per registered buffer per optimizer step in training). */
    synchronized long refreshes() { return refreshes; }

    /** GEMM operands read from a copy so far: each one a cast not made. */
    synchronized long operandsRead() { return operandsRead; }

    /** A buffer whose storage went back to the allocator takes its copy with it (queue order keeps GEMMs first). */
    private void dropReleased() {
        for (Iterator<Copy> it = copies.iterator(); it.hasNext(); ) {
            Copy c = it.next();
            if (!c.source.isReleased()) continue;
            allocator.free(c.bf16);
            it.remove();
        }
    }
}
