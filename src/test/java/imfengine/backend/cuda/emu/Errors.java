package imfengine.backend.cuda.emu;

import imfengine.testing.Ref;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Norm-wise relative errors {@code ‖emu − cpu‖₂ / ‖cpu‖₂} of the outputs one check compared, by name.
 * A NaN anywhere makes the error NaN, which is never within a tolerance.
 */
final class Errors {
    private final Map<String, Double> byOutput = new LinkedHashMap<>();

    Errors add(String output, float[] emu, float[] cpu) {
        if (emu.length != cpu.length) throw new AssertionError(output + ": " + emu.length + " values, expected " + cpu.length);
        byOutput.put(output, Ref.relErr(emu, cpu));
        return this;
    }

    Errors addAll(Errors other) {
        byOutput.putAll(other.byOutput);
        return this;
    }

    /** True when every output is within {@code tol} (and none is NaN). */
    boolean within(double tol) {
        for (double e : byOutput.values()) if (!(e <= tol)) return false;
        return !byOutput.isEmpty();
    }

    void assertWithin(double tol) {
        if (!within(tol)) throw new AssertionError("relative errors over " + tol + ": " + this);
    }

    @Override public String toString() { return byOutput.toString(); }
}
