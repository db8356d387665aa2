package imfengine.io;

import java.nio.file.Path;

/**
 * A file that is missing, truncated or malformed. The message is one line: the path, then what is
 * wrong (and, where there is one, what to do), e.g. {@code "ckpt.safetensors: truncated: header says
 * 4096 bytes of tensor data, file has 1000"}.
 */
public final class FileFormatException extends RuntimeException {
    public FileFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public FileFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
