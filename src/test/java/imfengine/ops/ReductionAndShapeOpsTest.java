package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.tensor.Host;
import imfengine.autodiff.Var;
import imfengine.testing.OpCheck;
import imfengine.testing.Backends;
import imfengine.tensor.Permutation;
import imfengine.tensor.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reductions and movement ops: sum/mean, reshape/permute/transpose, concat/slice, gather, where, stop-gradient. */
class ReductionAndShapeOpsTest {

    @Test void sumAndMeanLastAxis() {
        OpCheck.op("sum").input(4, 23).engine(in -> Reductions.sumLastAxis(in[0])).reference(in -> rowSums(in[0], 4, 23, 1)).check();
        OpCheck.op("mean").input(3, 17).engine(in -> Reductions.meanLastAxis(in[0])).reference(in -> rowSums(in[0], 3, 17, 1.0 / 17)).check();
    }

    @Test void sumAndMeanAll() {
        OpCheck.op("sumAll").input(5, 13).engine(in -> Reductions.sumAll(in[0])).reference(in -> rowSums(in[0], 1, 65, 1)).check();
        OpCheck.op("meanAll").input(2, 3, 11).engine(in -> Reductions.meanAll(in[0])).reference(in -> rowSums(in[0], 1, 66, 1.0 / 66)).check();
    }

    @Test void permuteAndTranspose() {
        int a = 2, b = 3, c = 5, d = 4;
        OpCheck.op("permute").input(a, b, c, d).engine(in -> Shapes.permute(in[0], Permutation.of(0, 2, 1, 3)))
                .reference(in -> {
                    double[] y = new double[a * b * c * d];
                    int o = 0;
                    for (int i = 0; i < a; i++) for (int k = 0; k < c; k++) for (int j = 0; j < b; j++) for (int l = 0; l < d; l++)
                        y[o++] = in[0][((i * b + j) * c + k) * d + l];
                    return y;
                }).check();
        OpCheck.op("transpose").input(7, 9).engine(in -> Shapes.transpose(in[0], 0, 1))
                .reference(in -> {
                    double[] y = new double[63];
                    for (int i = 0; i < 7; i++) for (int j = 0; j < 9; j++) y[j * 7 + i] = in[0][i * 9 + j];
                    return y;
                }).check();
        OpCheck.op("reshape").input(6, 5).engine(in -> Shapes.reshape(Activations.square(in[0]), Shape.of(3, 10)))
                .reference(in -> ElementwiseOpsTest.map(in[0], v -> v * v)).check();
    }

    @Test void concatAndSlice() {
        OpCheck.op("concat axis 1").input(3, 4, 2).input(3, 5, 2)
                .engine(in -> Shapes.concat(1, in[0], in[1]))
                .reference(in -> {
                    double[] y = new double[3 * 9 * 2];
                    for (int i = 0; i < 3; i++) for (int j = 0; j < 9; j++) for (int k = 0; k < 2; k++)
                        y[(i * 9 + j) * 2 + k] = j < 4 ? in[0][(i * 4 + j) * 2 + k] : in[1][(i * 5 + j - 4) * 2 + k];
                    return y;
                }).check();
        OpCheck.op("slice axis -1").input(4, 19).engine(in -> Shapes.slice(in[0], -1, 3, 11))
                .reference(in -> {
                    double[] y = new double[4 * 8];
                    for (int i = 0; i < 4; i++) for (int j = 0; j < 8; j++) y[i * 8 + j] = in[0][i * 19 + 3 + j];
                    return y;
                }).check();
    }

    @Test void gatherRowsWithRepeats() {
        int[] idx = {2, 0, 2, 4, 1};
        OpCheck.op("gather").input(5, 7).engine(in -> Gather.rows(in[0], Host.upload(in[0].context(), idx)))
                .reference(in -> {
                    double[] y = new double[idx.length * 7];
                    for (int i = 0; i < idx.length; i++) System.arraycopy(in[0], idx[i] * 7, y, i * 7, 7);
                    return y;
                }).check();
    }

    @Test void whereByMaskAndStopGradient() {
        float[] mask = {1, 0, 0, 1};
        OpCheck.op("where").input(4, 6).input(4, 6)
                .engine(in -> Masking.where(Host.upload(in[0].context(), mask, Shape.of(4, 1)), in[0], in[1]))
                .reference(in -> {
                    double[] y = new double[24];
                    for (int i = 0; i < 24; i++) y[i] = mask[i / 6] != 0 ? in[0][i] : in[1][i];
                    return y;
                }).check();
        // y = x ⊙ sg(x): derivative x (not 2x), in both modes
        var be = Backends.SIMD;
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            Var x = cx.dualInput(Host.upload(cx, new float[]{3f}, Shape.of(1)), Host.upload(cx, new float[]{1f}, Shape.of(1)));
            Var y = Arithmetic.mul(x, Masking.stopGradient(x));
            assertTrue(Host.floats(y.tangent())[0] == 3f, "tangent through stop-gradient is x·tx");
            imfengine.autodiff.Autodiff.backward(y);
            assertTrue(Host.floats(x.grad())[0] == 3f, "gradient through stop-gradient is x");
        }
    }

    @Test void badInputNamesOpAndShapes() {
        var be = Backends.SIMD;
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            Var a = cx.constant(cx.zeros(Shape.of(3, 4))), b = cx.constant(cx.zeros(Shape.of(5)));
            var e = assertThrows(IllegalArgumentException.class, () -> Arithmetic.add(a, b));
            assertTrue(e.getMessage().contains("add") && e.getMessage().contains("[5]") && e.getMessage().contains("[3, 4]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Matmul.matmul(a, a));
            assertTrue(e.getMessage().contains("matmul") && e.getMessage().contains("[3, 4]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Shapes.slice(a, 2, 0, 1));
            assertTrue(e.getMessage().contains("unknown axis 2") && e.getMessage().contains("[3, 4]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Reductions.sumLastAxis(cx.constant(cx.zeros(Shape.of()))));
            assertTrue(e.getMessage().contains("sum") && e.getMessage().contains("rank"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Shapes.concat(0, a, b));
            assertTrue(e.getMessage().contains("concat"), e.getMessage());
        }
    }

    static double[] rowSums(double[] x, int rows, int cols, double scale) {
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int c = 0; c < cols; c++) s += x[r * cols + c];
            y[r] = s * scale;
        }
        return y;
    }
}
