package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API rows for {@link CpuGatedResidual}; tails fall back to the scalar code. Products and sums are
 * rounded separately (no FMA), so both paths give the bits of the unfused mul and add.
 */
final class GatedResidualSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private GatedResidualSimd() {}

    static void forwardRow(float[] x, float[] branch, float[] g, int go, float[] out, int o, int n) {
        int j = 0, end = S.loopBound(n);
        for (; j < end; j += S.length())
            FloatVector.fromArray(S, branch, o + j).mul(FloatVector.fromArray(S, g, go + j))
                    .add(FloatVector.fromArray(S, x, o + j)).intoArray(out, o + j);
        CpuGatedResidual.forwardRow(x, branch, g, go, out, o, j, n);
    }

    static void backwardRow(float[] dy, float[] branch, float[] g, int go, float[] dBranch, float[] gateAcc, int o, int n) {
        int j = 0, end = S.loopBound(n);
        for (; j < end; j += S.length()) {
            FloatVector d = FloatVector.fromArray(S, dy, o + j);
            d.mul(FloatVector.fromArray(S, g, go + j)).intoArray(dBranch, o + j);
            d.mul(FloatVector.fromArray(S, branch, o + j)).add(FloatVector.fromArray(S, gateAcc, j)).intoArray(gateAcc, j);
        }
        CpuGatedResidual.backwardRow(dy, branch, g, go, dBranch, gateAcc, o, j, n);
    }
}
