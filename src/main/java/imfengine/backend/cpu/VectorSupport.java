package imfengine.backend.cpu;

/**
 * Whether the Vector API module is present in this JVM. Classes that touch
 * {@code jdk.incubator.vector} (the {@code *Simd} kernels) are only loaded when it is.
 */
public final class VectorSupport {
    private static final boolean PRESENT = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private VectorSupport() {}

    public static boolean present() { return PRESENT; }

    /** SIMD on unless {@code -Dimf.scalar=true} forces the scalar kernels. */
    public static boolean enabledByDefault() { return PRESENT && !Boolean.getBoolean("imf.scalar"); }
}
