package imfengine.vision;

import imfengine.autodiff.Var;
import imfengine.backend.Window2d;
import imfengine.ops.Resampling;
import imfengine.ops.Shapes;

/**
 * The mixed blocks of torch-fidelity's FID Inception-v3, one record each, named after the checkpoint's
 * modules ({@code Mixed_5b} … {@code Mixed_7c}); each concatenates its branches along the channels. The FID
 * variant's quirks (TensorFlow's graph, as pytorch-fid and torch-fidelity patch torchvision's blocks): the
 * pool branches of A, C and the first E average with {@code count_include_pad=False}, and the last E block
 * max-pools instead.
 */
final class InceptionBlocks {
    private InceptionBlocks() {}

    /** A convolution's kernel, stride and padding as the topology fixes them (widths come from the file). */
    record Geometry(int kh, int kw, int stride, int padY, int padX) {
        static final Geometry K1 = new Geometry(1, 1, 1, 0, 0);

        /** {@code k × k}, stride 1, "same" padding. */
        static Geometry same(int k) { return new Geometry(k, k, 1, k / 2, k / 2); }

        /** {@code k × k} without padding. */
        static Geometry valid(int k, int stride) { return new Geometry(k, k, stride, 0, 0); }

        /** {@code 1 × k} along a row, padding {@code (0, k/2)}. */
        static Geometry row(int k) { return new Geometry(1, k, 1, 0, k / 2); }

        /** {@code k × 1} along a column, padding {@code (k/2, 0)}. */
        static Geometry column(int k) { return new Geometry(k, 1, 1, k / 2, 0); }
    }

    /** Builds the named {@link ConvBnRelu} of the checkpoint (checks its kernel against the geometry). */
    interface Convs {
        ConvBnRelu conv(String name, Geometry g);
    }

    interface Block {
        Var apply(Var x);
    }

    private static final Window2d POOL_3X3_SAME = new Window2d(3, 1, 1), POOL_3X3_S2 = new Window2d(3, 2, 0);

    private static Var avgPoolSame(Var x) { return Resampling.avgPool(x, POOL_3X3_SAME, false); }

    /** 35×35: 1×1 | 1×1 → 5×5 | 1×1 → 3×3 → 3×3 | avg pool → 1×1. */
    record A(ConvBnRelu b1, ConvBnRelu b5a, ConvBnRelu b5b, ConvBnRelu d1, ConvBnRelu d2, ConvBnRelu d3, ConvBnRelu pool) implements Block {
        static A load(Convs c, String p) {
            return new A(c.conv(p + ".branch1x1", Geometry.K1), c.conv(p + ".branch5x5_1", Geometry.K1), c.conv(p + ".branch5x5_2", Geometry.same(5)),
                    c.conv(p + ".branch3x3dbl_1", Geometry.K1), c.conv(p + ".branch3x3dbl_2", Geometry.same(3)),
                    c.conv(p + ".branch3x3dbl_3", Geometry.same(3)), c.conv(p + ".branch_pool", Geometry.K1));
        }

        @Override public Var apply(Var x) {
            return Shapes.concat(1, b1.apply(x), b5b.apply(b5a.apply(x)), d3.apply(d2.apply(d1.apply(x))), pool.apply(avgPoolSame(x)));
        }
    }

    /** 35×35 → 17×17: 3×3/2 | 1×1 → 3×3 → 3×3/2 | max pool 3×3/2. */
    record B(ConvBnRelu b3, ConvBnRelu d1, ConvBnRelu d2, ConvBnRelu d3) implements Block {
        static B load(Convs c, String p) {
            return new B(c.conv(p + ".branch3x3", Geometry.valid(3, 2)), c.conv(p + ".branch3x3dbl_1", Geometry.K1),
                    c.conv(p + ".branch3x3dbl_2", Geometry.same(3)), c.conv(p + ".branch3x3dbl_3", Geometry.valid(3, 2)));
        }

        @Override public Var apply(Var x) {
            return Shapes.concat(1, b3.apply(x), d3.apply(d2.apply(d1.apply(x))), Resampling.maxPool(x, POOL_3X3_S2));
        }
    }

    /** 17×17: 1×1 | 1×1 → 1×7 → 7×1 | 1×1 → 7×1 → 1×7 → 7×1 → 1×7 | avg pool → 1×1. */
    record C(ConvBnRelu b1, ConvBnRelu[] b7, ConvBnRelu[] d7, ConvBnRelu pool) implements Block {
        static C load(Convs c, String p) {
            ConvBnRelu[] b7 = {c.conv(p + ".branch7x7_1", Geometry.K1), c.conv(p + ".branch7x7_2", Geometry.row(7)),
                    c.conv(p + ".branch7x7_3", Geometry.column(7))};
            ConvBnRelu[] d7 = {c.conv(p + ".branch7x7dbl_1", Geometry.K1), c.conv(p + ".branch7x7dbl_2", Geometry.column(7)),
                    c.conv(p + ".branch7x7dbl_3", Geometry.row(7)), c.conv(p + ".branch7x7dbl_4", Geometry.column(7)),
                    c.conv(p + ".branch7x7dbl_5", Geometry.row(7))};
            return new C(c.conv(p + ".branch1x1", Geometry.K1), b7, d7, c.conv(p + ".branch_pool", Geometry.K1));
        }

        @Override public Var apply(Var x) {
            return Shapes.concat(1, b1.apply(x), chain(b7, x), chain(d7, x), pool.apply(avgPoolSame(x)));
        }
    }

    /** 17×17 → 8×8: 1×1 → 3×3/2 | 1×1 → 1×7 → 7×1 → 3×3/2 | max pool 3×3/2. */
    record D(ConvBnRelu b3a, ConvBnRelu b3b, ConvBnRelu[] b7) implements Block {
        static D load(Convs c, String p) {
            ConvBnRelu[] b7 = {c.conv(p + ".branch7x7x3_1", Geometry.K1), c.conv(p + ".branch7x7x3_2", Geometry.row(7)),
                    c.conv(p + ".branch7x7x3_3", Geometry.column(7)), c.conv(p + ".branch7x7x3_4", Geometry.valid(3, 2))};
            return new D(c.conv(p + ".branch3x3_1", Geometry.K1), c.conv(p + ".branch3x3_2", Geometry.valid(3, 2)), b7);
        }

        @Override public Var apply(Var x) {
            return Shapes.concat(1, b3b.apply(b3a.apply(x)), chain(b7, x), Resampling.maxPool(x, POOL_3X3_S2));
        }
    }

    /**
     * 8×8: 1×1 | 1×1 → (1×3 | 3×1) | 1×1 → 3×3 → (1×3 | 3×1) | pool → 1×1, the pool an average without the
     * padding ({@code maxPool = false}, Mixed_7b) or a max (Mixed_7c).
     */
    record E(ConvBnRelu b1, ConvBnRelu b3, ConvBnRelu b3a, ConvBnRelu b3b, ConvBnRelu d1, ConvBnRelu d2, ConvBnRelu d3a, ConvBnRelu d3b,
             ConvBnRelu pool, boolean maxPool) implements Block {
        static E load(Convs c, String p, boolean maxPool) {
            return new E(c.conv(p + ".branch1x1", Geometry.K1), c.conv(p + ".branch3x3_1", Geometry.K1), c.conv(p + ".branch3x3_2a", Geometry.row(3)),
                    c.conv(p + ".branch3x3_2b", Geometry.column(3)), c.conv(p + ".branch3x3dbl_1", Geometry.K1),
                    c.conv(p + ".branch3x3dbl_2", Geometry.same(3)), c.conv(p + ".branch3x3dbl_3a", Geometry.row(3)),
                    c.conv(p + ".branch3x3dbl_3b", Geometry.column(3)), c.conv(p + ".branch_pool", Geometry.K1), maxPool);
        }

        @Override public Var apply(Var x) {
            Var s = b3.apply(x), d = d2.apply(d1.apply(x));
            Var pooled = maxPool ? Resampling.maxPool(x, POOL_3X3_SAME) : avgPoolSame(x);
            return Shapes.concat(1, b1.apply(x), b3a.apply(s), b3b.apply(s), d3a.apply(d), d3b.apply(d), pool.apply(pooled));
        }
    }

    private static Var chain(ConvBnRelu[] convs, Var x) {
        for (ConvBnRelu c : convs) x = c.apply(x);
        return x;
    }
}
