package imfengine.tensor;

/** Memory behind tensors, owned by one backend. Released storage must not be read again. */
public interface Storage {
    /** Capacity in bytes. */
    long bytes();

    /** Returns the memory to its backend's pool; idempotent. */
    void release();

    boolean isReleased();
}
