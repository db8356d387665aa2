package imfengine.backend.cuda;

/** A CUDA driver, cuBLAS or PTX-loading failure, with the call that failed in the message. */
public final class CudaException extends RuntimeException {
    public CudaException(String message) { super(message); }

    public CudaException(String message, Throwable cause) { super(message, cause); }
}
