package imfengine.ops;

import imfengine.autodiff.Var;
import imfengine.tensor.Permutation;
import imfengine.tensor.Shape;

/**
 * Image ↔ patch tokens, as a reshape–permute–reshape (so JVP and VJP come from {@link Shapes}):
 * <pre>
 *   patchify    n (h p) (w q) c → n (h w) (p q c)     [N, H, W, C] → [N, (H/p)(W/p), p·p·C]
 *   unpatchify  n (h w) (p q c) → n (h p) (w q) c     its exact inverse
 * </pre>
 */
public final class Patchify {
    private static final Permutation SWAP_P_W = Permutation.of(0, 1, 3, 2, 4, 5);

    private Patchify() {}

    public static Var patchify(Var x, int p) {
        Shape s = x.shape();
        if (s.rank() != 4) throw new IllegalArgumentException("patchify: need x [N, H, W, C], got " + s);
        int n = s.dim(0), hh = s.dim(1), ww = s.dim(2), c = s.dim(3);
        checkDivisible("patchify", s, hh, ww, p);
        int h = hh / p, w = ww / p;
        Var six = Shapes.reshape(x, Shape.of(n, h, p, w, p, c)); // n h p w q c
        Var moved = Shapes.permute(six, SWAP_P_W);                // n h w p q c
        return Shapes.reshape(moved, Shape.of(n, h * w, p * p * c));
    }

    public static Var unpatchify(Var tokens, int p, int height, int width, int channels) {
        Shape s = tokens.shape();
        checkDivisible("unpatchify", s, height, width, p);
        int h = height / p, w = width / p;
        if (s.rank() != 3 || s.dim(1) != h * w || s.dim(2) != p * p * channels)
            throw new IllegalArgumentException("unpatchify: tokens " + s + " do not match [N, " + h * w + ", " + p * p * channels
                    + "] for a " + height + "x" + width + "x" + channels + " image with patch " + p);
        int n = s.dim(0);
        Var six = Shapes.reshape(tokens, Shape.of(n, h, w, p, p, channels)); // n h w p q c
        Var moved = Shapes.permute(six, SWAP_P_W);                           // n h p w q c
        return Shapes.reshape(moved, Shape.of(n, height, width, channels));
    }

    private static void checkDivisible(String op, Shape s, int height, int width, int p) {
        if (p <= 0 || height % p != 0 || width % p != 0)
            throw new IllegalArgumentException(op + ": image " + height + "x" + width + " (shape " + s
                    + ") is not divisible by patch size " + p);
    }
}
