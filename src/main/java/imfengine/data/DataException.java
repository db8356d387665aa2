package imfengine.data;

/**
 * A dataset that cannot be used: missing, truncated or malformed. The message is one line naming
 * the file, what is wrong, and what to do where there is something to do, e.g.
 * {@code "dataset not found: data/mnist.bin (run `make data`)"}.
 */
public final class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
