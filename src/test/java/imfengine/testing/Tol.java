package imfengine.testing;

/**
 * Named tolerances, all norm-wise relative: {@code ‖a − b‖₂ / ‖b‖₂}. The float32 engine is compared
 * with float64 references, so the floor is float32 rounding over short sums (~1e-6).
 */
public final class Tol {
    private Tol() {}

    /** Forward output (float32) against the float64 reference. */
    public static final double FORWARD = 1e-5;
    /** JVP and VJP against central finite differences of the float64 reference (the bound). */
    public static final double DERIVATIVE = 1e-3;
    /** The adjoint identity ⟨J·a, b⟩ = ⟨a, Jᵀ·b⟩, both sides from the engine. */
    public static final double ADJOINT = 1e-4;
    /** A fused kernel against the composition of its unfused ops; scalar against SIMD paths. */
    public static final double FUSED = 1e-5;
    /** Step of the central differences taken on the float64 reference. */
    public static final double FD_STEP = 1e-6;
}
