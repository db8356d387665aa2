package imfengine.cli;

import jdk.incubator.vector.FloatVector;

/** Describes the Vector API species; only loaded when the module is present. */
final class SimdInfo {
    private SimdInfo() {}

    static String describe() {
        var s = FloatVector.SPECIES_PREFERRED;
        return s.length() + " float lanes (" + s.vectorBitSize() + "-bit vectors)";
    }
}
