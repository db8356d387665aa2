package imfengine.ops;

import imfengine.testing.OpCheck;
import org.junit.jupiter.api.Test;

import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

import static imfengine.testing.OpCheck.AWAY_FROM_ZERO;
import static imfengine.testing.OpCheck.NORMAL;
import static imfengine.testing.OpCheck.POSITIVE;

/** Arithmetic with broadcasts and the elementwise activations; sizes straddle the 16-lane SIMD width. */
class ElementwiseOpsTest {

    @Test void addSubMulDivSameShape() {
        binary("add", (a, b) -> a + b, 3, 37, new int[]{3, 37}, NORMAL);
        binary("sub", (a, b) -> a - b, 3, 37, new int[]{3, 37}, NORMAL);
        binary("mul", (a, b) -> a * b, 3, 37, new int[]{3, 37}, NORMAL);
        binary("div", (a, b) -> a / b, 3, 37, new int[]{3, 37}, AWAY_FROM_ZERO);
    }

    @Test void rowVectorBroadcast() {
        binary("add", (a, b) -> a + b, 5, 19, new int[]{19}, NORMAL);
        binary("mul", (a, b) -> a * b, 5, 19, new int[]{19}, NORMAL);
        binary("sub", (a, b) -> a - b, 5, 19, new int[]{19}, NORMAL);
        binary("div", (a, b) -> a / b, 5, 19, new int[]{19}, AWAY_FROM_ZERO);
    }

    @Test void perRowScalarBroadcast() {
        binary("mul", (a, b) -> a * b, 4, 33, new int[]{4, 1}, NORMAL);
        binary("add", (a, b) -> a + b, 4, 33, new int[]{4, 1}, NORMAL);
        binary("div", (a, b) -> a / b, 4, 33, new int[]{4, 1}, AWAY_FROM_ZERO);
    }

    @Test void scale() {
        OpCheck.op("scale").input(2, 21).engine(in -> Arithmetic.scale(in[0], -1.75f))
                .reference(in -> map(in[0], v -> -1.75 * v)).check();
    }

    @Test void activations() {
        unary("exp", Activations::exp, Math::exp, NORMAL);
        unary("silu", Activations::silu, v -> v / (1 + Math.exp(-v)), NORMAL);
        unary("sigmoid", Activations::sigmoid, v -> 1 / (1 + Math.exp(-v)), NORMAL);
        unary("square", Activations::square, v -> v * v, NORMAL);
        unary("rsqrt", Activations::rsqrt, v -> 1 / Math.sqrt(v), POSITIVE);
    }

    private static void unary(String name, java.util.function.Function<imfengine.autodiff.Var, imfengine.autodiff.Var> op,
                              DoubleUnaryOperator f, OpCheck.Gen gen) {
        for (int n : new int[]{1, 15, 16, 17, 70})
            OpCheck.op(name + "[" + n + "]").input(gen, 3, n).engine(in -> op.apply(in[0]))
                    .reference(in -> map(in[0], f)).check();
    }

    private static void binary(String name, DoubleBinaryOperator f, int rows, int cols, int[] bShape, OpCheck.Gen bGen) {
        long bSize = 1;
        for (int d : bShape) bSize *= d;
        long bs = bSize;
        OpCheck.op(name + " " + rows + "x" + cols + " by " + java.util.Arrays.toString(bShape))
                .input(rows, cols).input(bGen, bShape)
                .engine(in -> switch (name) {
                    case "add" -> Arithmetic.add(in[0], in[1]);
                    case "sub" -> Arithmetic.sub(in[0], in[1]);
                    case "mul" -> Arithmetic.mul(in[0], in[1]);
                    default -> Arithmetic.div(in[0], in[1]);
                })
                .reference(in -> {
                    double[] y = new double[rows * cols];
                    for (int i = 0; i < y.length; i++) {
                        int r = i / cols, c = i % cols;
                        double b = bs == (long) rows * cols ? in[1][i] : bs == cols ? in[1][c] : in[1][r];
                        y[i] = f.applyAsDouble(in[0][i], b);
                    }
                    return y;
                }).check();
    }

    static double[] map(double[] x, DoubleUnaryOperator f) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = f.applyAsDouble(x[i]);
        return y;
    }
}
