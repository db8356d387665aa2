package imfengine.tensor;

/** Memory behind a tensor, owned by one backend. Released storage must not be read again. */
public interface Storage {
    /** Number of float32 elements. */
    long floats();

    /** Returns the memory to its backend's pool; idempotent. */
    void release();

    boolean isReleased();
}
