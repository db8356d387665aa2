package imfengine.backend.cuda.emu;

/**
 * A launch or query the kernel emulator refused, with the library's message (the kernel, and for a
 * {@link Failure#KERNEL_FAULT} the block and thread that misused a barrier or warp intrinsic).
 */
public final class EmulatorException extends RuntimeException {
    /** The error codes of {@code native-kernels/emu/imf_emu.h}. */
    public enum Failure {
        UNKNOWN_KERNEL(1), INVALID_LAUNCH(2), SHARED_MEMORY(3), INVALID_ARGUMENT(4), KERNEL_FAULT(5), INTERNAL(6);

        final int code;

        Failure(int code) { this.code = code; }

        static Failure of(int code) {
            for (Failure f : values()) if (f.code == code) return f;
            return INTERNAL;
        }
    }

    private final Failure failure;

    EmulatorException(Failure failure, String message) {
        super(failure + ": " + message);
        this.failure = failure;
    }

    public Failure failure() { return failure; }
}
