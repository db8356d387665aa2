import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.cpu.CpuBackend;
import imfengine.imf.Checkpoint;
import imfengine.imf.PthImport;
import imfengine.io.Npy;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import java.nio.file.Path;

/**
 * XL/2 from a released-layout .pth (tools/reference/make_xl2_pth.py DIR): the engine's u on the fixed input
 * against PyTorch's. Run with the jar on the class path:
 *   java --add-modules=jdk.incubator.vector -Xmx8g -cp target/imf-engine.jar tools/reference/Xl2PthCheck.java DIR
 */
public class Xl2PthCheck {
    static Path dir;

    static float[] f(String n) { return Npy.read(dir.resolve(n + ".npy")).floats(); }
    public static void main(String[] a) throws Exception {
        dir = Path.of(a[0]);
        CpuBackend be = new CpuBackend(Runtime.getRuntime().availableProcessors(), true);
        long t0 = System.nanoTime();
        ImfDiT net = new ImfDiT(ModelConfig.preset("XL/2"), be, 0, false);
        try (PthImport pth = PthImport.open(dir.resolve("xl2.pth"), false)) {
            pth.checkMatches(ModelConfig.preset("XL/2"));
            pth.load(net.parameters(), Checkpoint.values(net.parameters()));
        }
        long t1 = System.nanoTime();
        int[] y = Npy.read(dir.resolve("y.npy")).ints();
        float[] u;
        try (Context cx = Context.open(be, Context.Tape.OFF)) {
            Var x = cx.constant(Host.upload(cx, f("x"), Shape.of(2, 32, 32, 4)));
            Var h = cx.constant(Host.upload(cx, f("h"), 2));
            ImfDiT.Conditions c = new ImfDiT.Conditions(Host.upload(cx, f("w"), 2), Host.upload(cx, f("a"), 2), Host.upload(cx, f("b"), 2), Host.upload(cx, y));
            u = Host.floats(net.forward(cx, x, h, c, ImfDiT.Heads.U).u().value());
        }
        long t2 = System.nanoTime();
        float[] ref = f("u");
        double num = 0, den = 0;
        for (int i = 0; i < u.length; i++) { num += Math.pow(u[i] - ref[i], 2); den += Math.pow(ref[i], 2); }
        System.out.printf("XL/2 %,d parameters loaded in %.1f s; forward of 2 in %.1f s; u rel diff vs PyTorch (float32): %.2e%n",
                net.parameterCount(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, Math.sqrt(num / den));
    }
}
