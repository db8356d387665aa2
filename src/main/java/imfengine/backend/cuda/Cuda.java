package imfengine.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;

/**
 * Whether this JVM can use a CUDA device. The check runs once: first {@code libcuda.so.1} is opened
 * with {@code java.lang.foreign} (no JCuda class is touched, because a failed JCuda native load
 * leaves {@code JCudaDriver} unusable for the rest of the JVM's life); only when the driver library
 * is there does JCuda initialise and count devices.
 */
public final class Cuda {
    /** The driver library JCuda's natives link against. */
    public static final String DRIVER_LIBRARY = "libcuda.so.1";

    private static volatile String reason; // null once probed and usable
    private static volatile boolean probed;

    private Cuda() {}

    /** True when a CUDA driver and at least one device are present. Never throws. */
    public static boolean isAvailable() {
        probe();
        return reason == null;
    }

    /** Why CUDA is not available (one line), or null when it is. */
    public static String unavailableReason() {
        probe();
        return reason;
    }

    /** Null when {@code library} opens with FFM, else the loader's one-line reason. Touches no JCuda class. */
    public static String probeLibrary(String library) {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(library, arena);
            return null;
        } catch (IllegalArgumentException | IllegalCallerException e) {
            return library + " not found (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")";
        }
    }

    private static synchronized void probe() {
        if (probed) return;
        String r = probeLibrary(DRIVER_LIBRARY);
        if (r == null) r = DriverProbe.countDevices();
        reason = r;
        probed = true;
    }

    /** Kept in its own class so that JCuda is only loaded once libcuda.so.1 is known to open. */
    private static final class DriverProbe {
        static String countDevices() {
            try {
                jcuda.driver.JCudaDriver.setExceptionsEnabled(true);
                jcuda.driver.JCudaDriver.cuInit(0);
                int[] n = new int[1];
                jcuda.driver.JCudaDriver.cuDeviceGetCount(n);
                return n[0] > 0 ? null : "the CUDA driver reports no device";
            } catch (Throwable t) { // UnsatisfiedLinkError, CudaException from JCuda, …
                return "the CUDA driver did not initialise (" + t.getClass().getSimpleName()
                        + (t.getMessage() == null ? "" : ": " + t.getMessage().lines().findFirst().orElse("")) + ")";
            }
        }
    }
}
