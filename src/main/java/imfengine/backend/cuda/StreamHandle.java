package imfengine.backend.cuda;

import jcuda.driver.CUstream;

/** A {@code CUstream} whose native handle can be read (for cuBLAS's {@code cublasSetStream_v2}). */
final class StreamHandle extends CUstream {
    long address() { return getNativePointer(); }
}
