package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.backend.Window2d;
import imfengine.io.HostArray;
import imfengine.io.Safetensors;
import imfengine.io.SafetensorsFile;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.testing.Backends;
import imfengine.testing.Ref;
import imfengine.testing.Tol;
import imfengine.vision.BatchNormFold;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image ops against PyTorch's ({@code conv2d}, {@code group_norm}, {@code interpolate}, {@code max_pool2d},
 * {@code avg_pool2d}, eval {@code batch_norm}) on the inputs of the committed fixture written by
 * {@code tools/reference/make_image_ops_fixture.py} (cases and shapes in its docstring), on every backend.
 */
class TorchImageOpsTest {
    private static SafetensorsFile fixture;

    @BeforeAll static void load() throws Exception {
        var url = TorchImageOpsTest.class.getResource("/fixtures/image_ops_v1.safetensors");
        if (url == null) throw new IllegalStateException("fixture missing; run /usr/bin/python3 tools/reference/make_image_ops_fixture.py");
        fixture = Safetensors.read(Path.of(url.toURI()));
    }

    @Test void convolutions() {
        conv("conv_k3_s1_p1", 1, 1);
        conv("conv_k3_s2_p1", 2, 1);
        conv("conv_k3_s2_p0", 2, 0);
        conv("conv_k1_s1_p0", 1, 0);
        conv("conv_k1_s2_p0", 2, 0);
    }

    @Test void groupNorm() {
        check("group_norm", (cx, x) -> GroupNorm.apply(x, constant(cx, "group_norm.gamma"), constant(cx, "group_norm.beta"), 32, 1e-6f));
    }

    @Test void resampling() {
        check("upsample", (cx, x) -> Resampling.upsampleNearest2x(x));
        check("max_pool_k3_s2", (cx, x) -> Resampling.maxPool(x, new Window2d(3, 2, 0)));
        check("avg_pool_k3_s1_p1_exclude", (cx, x) -> Resampling.avgPool(x, new Window2d(3, 1, 1), false));
        check("avg_pool_k2_s2", (cx, x) -> Resampling.avgPool(x, new Window2d(2, 2, 0), true));
    }

    @Test void foldedBatchNorm() {
        HostArray w = fixture.get("conv_bn.w");
        BatchNormFold.Conv f = BatchNormFold.fold(w.data(), null, data("conv_bn.gamma"), data("conv_bn.beta"), data("conv_bn.mean"),
                data("conv_bn.var"), 1e-3);
        check("conv_bn", (cx, x) -> Conv2d.apply(x, cx.constant(Host.upload(cx, f.weight(), Shape.of(w.shape()))),
                cx.constant(Host.upload(cx, f.bias(), Shape.of(f.bias().length))), 1, 1));
    }

    /** Runs {@code op} on {@code <name>.x} on every backend and compares with {@code <name>.y}. */
    private static void check(String name, BiFunction<Context, Var, Var> op) {
        HostArray want = fixture.get(name + ".y");
        for (Backend be : Backends.all()) {
            try (Context cx = Context.open(be, Context.Tape.OFF)) {
                Var y = op.apply(cx, constant(cx, name + ".x"));
                assertTrue(y.shape().equals(Shape.of(want.shape())), name + " on " + be.name() + ": shape " + y.shape());
                double e = Ref.relErr(Host.floats(y.value()), want.data());
                assertTrue(e <= Tol.FORWARD, name + " on " + be.name() + " vs PyTorch: rel err " + e);
            }
        }
    }

    private static void conv(String name, int stride, int padding) {
        check(name, (cx, x) -> Conv2d.apply(x, constant(cx, name + ".w"), constant(cx, name + ".b"), stride, padding));
    }

    private static Var constant(Context cx, String name) {
        HostArray a = fixture.get(name);
        return cx.constant(Host.upload(cx, a.data(), Shape.of(a.shape())));
    }

    private static float[] data(String name) { return fixture.get(name).data(); }
}
