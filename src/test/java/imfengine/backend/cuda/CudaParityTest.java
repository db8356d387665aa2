package imfengine.backend.cuda;

import imfengine.autodiff.Context;
import imfengine.tensor.Host;
import imfengine.backend.AdamWStep;
import imfengine.backend.AttentionSpec;
import imfengine.backend.Backend;
import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.backend.GemmSpec;
import imfengine.backend.Distribution;
import imfengine.backend.Pooling;
import imfengine.backend.Window2d;
import imfengine.backend.RandomKey;
import imfengine.tensor.DType;
import imfengine.tensor.Permutation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import imfengine.backend.cuda.emu.EmulatedDevice;
import imfengine.backend.UnaryOp;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import imfengine.testing.OpCheck;
import imfengine.testing.Ref;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every CUDA kernel against the CPU reference (the scalar path) on random inputs with odd sizes that
 * leave partial tiles, warps and blocks: primal, tangent (dual kernels) and backward. Errors are
 * norm-wise relative, {@code ‖gpu − cpu‖₂ / ‖cpu‖₂}, with the named tolerances of {@link CudaTol}. The
 * CUDA backend runs on the GPU where there is one, else on the emulated device ({@code make emu}); there
 * the suite also shows that it launched every kernel the PTX declares.
 */
@Tag("gpu")
class CudaParityTest {
    private final Backend cpu = Backends.SCALAR;
    private CudaBackend gpu;
    /** Each test's tensors on each side, released after it. */
    private Context cpuCx, gpuCx;
    private final SplittableRandom rnd = new SplittableRandom(20261126);

    @BeforeEach void needsGpu() {
        gpu = Backends.cuda();
        assumeTrue(gpu != null, "no CUDA device and no kernel emulator (make emu)");
        cpuCx = Context.open(cpu, Context.Tape.OFF);
        gpuCx = Context.open(gpu, Context.Tape.OFF);
    }

    @AfterEach void release() {
        if (cpuCx != null) cpuCx.close();
        if (gpuCx != null) gpuCx.close();
    }

    /** Under emulation: every kernel of every family ran, as many per family as its PTX has entries. */
    @AfterAll static void everyKernelRan() {
        if (!Backends.cudaIsEmulated()) return;
        var launched = ((EmulatedDevice) Backends.cuda().device()).launched();
        for (Kernel k : Kernel.values()) assertTrue(launched.contains(k), k.symbol() + " never ran under the emulator");
        var perFamily = new java.util.TreeMap<String, Integer>();
        for (Kernel k : launched) perFamily.merge(k.family(), 1, Integer::sum);
        for (var e : perFamily.entrySet())
            assertEquals(PtxEntriesTest.entries("/ptx/" + e.getKey() + ".ptx").size(), e.getValue(), "kernels of " + e.getKey() + " that ran");
    }

    // ---- helpers ------------------------------------------------------------------------------
    private float[] normal(long n) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) OpCheck.gaussian(rnd);
        return v;
    }

    private float[] positive(long n) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) (0.5 + 1.5 * rnd.nextDouble());
        return v;
    }

    private float[] awayFromZero(long n) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) ((rnd.nextBoolean() ? 1 : -1) * (0.5 + rnd.nextDouble()));
        return v;
    }

    /** The same values on both backends: {@code [cpu, gpu]}. */
    private Tensor[] both(float[] v, int... dims) { return both(Shape.of(dims), v); }

    private Tensor[] both(Shape s, float[] v) { return new Tensor[]{Host.upload(cpuCx, v, s), Host.upload(gpuCx, v, s)}; }

    private Tensor[] both(int[] v) { return new Tensor[]{Host.upload(cpuCx, v), Host.upload(gpuCx, v)}; }

    private Tensor[] empty(Shape s, DType d) { return new Tensor[]{cpuCx.empty(s, d), gpuCx.empty(s, d)}; }

    private void close(String what, Tensor[] t, double tol) {
        float[] c = Host.floats(t[0]), g = Host.floats(t[1]);
        assertEquals(c.length, g.length, what);
        double err = Ref.relErr(g, c);
        assertTrue(err <= tol, what + ": relative error " + err + " > " + tol);
    }

    // ---- memory ------------------------------------------------------------------------------
    @Test void memoryRoundTripFillCopyAndScopes() {
        float[] v = normal(1001);
        Tensor[] a = both(v, 7, 11, 13);
        assertArrayEquals(v, Host.floats(a[1]));
        Tensor z = gpuCx.zeros(Shape.of(999));
        for (float f : Host.floats(z)) assertEquals(0f, f);
        gpu.fill(z, 2.5f);
        for (float f : Host.floats(z)) assertEquals(2.5f, f);
        Tensor c = gpuCx.empty(Shape.of(1001));
        gpu.copy(a[1], c);
        assertArrayEquals(v, Host.floats(c));
        Tensor view = c.view(7, Shape.of(3, 5));
        float[] expect = java.util.Arrays.copyOfRange(v, 7, 22);
        assertArrayEquals(expect, Host.floats(view), "a view reads from its offset");
        gpu.fill(view, -1);
        float[] after = Host.floats(c);
        for (int i = 0; i < after.length; i++) assertEquals(i >= 7 && i < 22 ? -1f : v[i], after[i], "fill of a view at " + i);
        int[] ints = {3, -7, 1 << 30, 0, 42};
        Tensor it = Host.upload(gpuCx, ints);
        assertArrayEquals(ints, Host.ints(it));
        gpu.fill(it, 9);
        assertArrayEquals(new int[]{9, 9, 9, 9, 9}, Host.ints(it));
        long live = gpu.allocator().stats().liveBytes();
        try (Context scope = Context.open(gpu, Context.Tape.OFF)) {
            scope.empty(Shape.of(1 << 20));
            assertTrue(gpu.allocator().stats().liveBytes() > live);
        }
        assertTrue(gpu.allocator().stats().liveBytes() <= live, "a closed context returns its device memory to the cache");
        assertTrue(gpu.allocator().stats().cachedBytes() >= 4L << 20);
    }

    // ---- elementwise -------------------------------------------------------------------------
    @Test void unaryAndDerivatives() {
        for (UnaryOp op : UnaryOp.values()) {
            float[] xv = op == UnaryOp.RSQRT || op == UnaryOp.LOG ? positive(4099) : normal(4099);
            Tensor[] x = both(xv, 4099), y = both(new float[4099], 4099), g = both(normal(4099), 4099), d = both(new float[4099], 4099);
            cpu.unary(op, x[0], y[0]);
            gpu.unary(op, x[1], y[1]);
            close(op + " forward", y, CudaTol.ELEMENTWISE);
            cpu.unaryDerivative(op, x[0], y[0], g[0], d[0]);
            gpu.unaryDerivative(op, x[1], y[1], g[1], d[1]);
            close(op + " derivative", d, CudaTol.ELEMENTWISE);
        }
    }

    @Test void binaryBroadcasts() {
        int[][][] cases = {{{5, 7, 9}, {5, 7, 9}}, {{5, 7, 9}, {9}}, {{5, 7, 9}, {5, 1, 1}}, {{5, 7, 9}, {1}}, {{5, 7, 9}, {7, 1}}};
        for (BinaryOp op : BinaryOp.values())
            for (int[][] c : cases) {
                Shape sa = Shape.of(c[0]), sb = Shape.of(c[1]);
                Broadcast bc = Broadcast.of(op.name(), sa, sb);
                Tensor[] a = both(sa, normal(sa.size())), b = both(sb, op == BinaryOp.DIV ? awayFromZero(sb.size()) : normal(sb.size()));
                Tensor[] out = both(sa, new float[(int) sa.size()]);
                cpu.binary(op, a[0], b[0], bc, out[0]);
                gpu.binary(op, a[1], b[1], bc, out[1]);
                close(op + " " + sb + " over " + sa, out, CudaTol.ELEMENTWISE);
            }
    }

    @Test void axpbyAndWhere() {
        Tensor[] x = both(normal(3001), 3001), y = both(normal(3001), 3001), out = both(new float[3001], 3001);
        cpu.axpby(0.7f, x[0], -1.3f, y[0], out[0]);
        gpu.axpby(0.7f, x[1], -1.3f, y[1], out[1]);
        close("axpby", out, CudaTol.ELEMENTWISE);
        cpu.axpby(2f, x[0], 0f, null, out[0]);
        gpu.axpby(2f, x[1], 0f, null, out[1]);
        close("axpby without y", out, CudaTol.ELEMENTWISE);
        float[] mv = new float[7];
        for (int i = 0; i < 7; i++) mv[i] = i % 3 == 0 ? 1f : 0f;
        Shape sa = Shape.of(7, 3, 143);
        Tensor[] mask = both(mv, 7, 1, 1), a = both(sa, normal(3003)), b = both(sa, normal(3003)), w = both(sa, new float[3003]);
        Broadcast bc = Broadcast.of("where", sa, Shape.of(7, 1, 1));
        cpu.where(mask[0], bc, a[0], b[0], w[0]);
        gpu.where(mask[1], bc, a[1], b[1], w[1]);
        close("where", w, 0);
    }

    // ---- reductions --------------------------------------------------------------------------
    @Test void reductions() {
        Tensor[] x = both(normal(13 * 37), 13, 37), rows = both(new float[13], 13);
        cpu.sumLastAxis(x[0], rows[0]);
        gpu.sumLastAxis(x[1], rows[1]);
        close("sumLastAxis", rows, CudaTol.REDUCTION);
        Tensor[] big = both(normal(100_003), 100_003), all = both(new float[1], 1);
        cpu.sumAll(big[0], all[0]);
        gpu.sumAll(big[1], all[1]);
        close("sumAll", all, CudaTol.REDUCTION);
        // column sums: one slice of rows; many rows and few columns, cut into slices (the last one short)
        for (int[] rc : new int[][]{{19, 45}, {3001, 7}, {1000, 45}}) {
            int r = rc[0], c = rc[1];
            assertEquals(r > 128, ColumnSums.slices(r, c) > 1, "rows " + r + " × " + c + " take the path meant");
            Shape sa = Shape.of(r, c);
            Tensor[] g = both(sa, normal(sa.size())), col = both(normal(c), c);
            cpu.reduceBroadcast(g[0], Broadcast.of("r", sa, Shape.of(c)), col[0]);
            gpu.reduceBroadcast(g[1], Broadcast.of("r", sa, Shape.of(c)), col[1]);
            close("reduceBroadcast (columns) " + sa + " in " + ColumnSums.slices(r, c) + " slices", col, CudaTol.REDUCTION);
        }
        Shape s3 = Shape.of(6, 5, 33);
        Tensor[] g3 = both(s3, normal(s3.size())), per = both(new float[5], 5);
        cpu.reduceBroadcast(g3[0], Broadcast.of("r", s3, Shape.of(5, 1)), per[0]);
        gpu.reduceBroadcast(g3[1], Broadcast.of("r", s3, Shape.of(5, 1)), per[1]);
        close("reduceBroadcast (inner runs)", per, CudaTol.REDUCTION);
    }

    // ---- GEMM --------------------------------------------------------------------------------
    @Test void gemmAllTransposesBatchedWithOffsets() {
        int m = 33, n = 17, k = 29;
        for (boolean ta : new boolean[]{false, true})
            for (boolean tb : new boolean[]{false, true})
                for (int batch : new int[]{1, 3}) {
                    GemmSpec s = GemmSpec.batched(batch, m, n, k, ta, tb, 0.75f, batch == 1 ? 0f : 0.5f);
                    Tensor[] a = both(normal((long) batch * m * k), batch * m * k), b = both(normal((long) batch * k * n), batch * k * n);
                    Tensor[] c = both(normal((long) batch * m * n), batch * m * n);
                    cpu.gemm(s, a[0], b[0], c[0]);
                    gpu.gemm(s, a[1], b[1], c[1]);
                    close("gemm transA=" + ta + " transB=" + tb + " batch=" + batch, c, CudaTol.GEMM);
                }
        // a sub-matrix product with leading dimensions and offsets (as attention-free views use)
        GemmSpec s = new GemmSpec(2, 5, 6, 7, false, true, 11, 9, 8, 3, 2, 1, 70, 60, 50, 1f, 0f);
        Tensor[] a = both(normal(160), 160), b = both(normal(140), 140), c = both(normal(120), 120);
        cpu.gemm(s, a[0], b[0], c[0]);
        gpu.gemm(s, a[1], b[1], c[1]);
        close("gemm with lda/ldb/ldc and offsets", c, CudaTol.GEMM);
    }

    // ---- movement ----------------------------------------------------------------------------
    @Test void permuteCopyRunsGatherScatter() {
        int[] dims = {2, 3, 5, 2, 4, 3};
        Permutation perm = Permutation.of(0, 1, 3, 2, 4, 5);
        Shape s = Shape.of(dims);
        Tensor[] x = both(s, normal(s.size())), out = both(s, new float[(int) s.size()]);
        cpu.permute(x[0], perm, out[0]);
        gpu.permute(x[1], perm, out[1]);
        close("permute rank 6", out, 0);
        Tensor[] x3 = both(normal(7 * 9 * 11), 7, 9, 11), o3 = both(new float[693], 11, 7, 9);
        cpu.permute(x3[0], Permutation.of(2, 0, 1), o3[0]);
        gpu.permute(x3[1], Permutation.of(2, 0, 1), o3[1]);
        close("permute rank 3", o3, 0);
        for (boolean acc : new boolean[]{false, true}) {
            Tensor[] src = both(normal(500), 500), dst = both(normal(600), 600);
            cpu.copyRuns(src[0], 3, 41, dst[0], 5, 47, 11, 29, acc);
            gpu.copyRuns(src[1], 3, 41, dst[1], 5, 47, 11, 29, acc);
            close("copyRuns accumulate=" + acc, dst, CudaTol.ELEMENTWISE);
        }
        Tensor[] idx = both(new int[]{4, 0, 4, 9, 2, 2, 2, 7});
        Tensor[] table = both(normal(10 * 13), 10, 13), rows = both(new float[8 * 13], 8, 13);
        cpu.gatherRows(table[0], idx[0], rows[0]);
        gpu.gatherRows(table[1], idx[1], rows[1]);
        close("gatherRows", rows, 0);
        Tensor[] g = both(normal(8 * 13), 8, 13), tg = both(normal(130), 10, 13);
        cpu.scatterAddRows(g[0], idx[0], tg[0]);
        gpu.scatterAddRows(g[1], idx[1], tg[1]);
        // no atomics: each table row sums its rows in index order, as the CPU's loop does, so the bits agree
        close("scatterAddRows (repeated indices)", tg, 0);
    }

    // ---- fused kernels -----------------------------------------------------------------------
    /**
     * Rows shorter and longer than a warp in the warp-per-row layout, rows too long for it (a block each), and
     * enough rows for the weight gradient's column sums to be cut into slices.
     */
    @Test void rmsNormPrimalTangentBackward() {
        for (int[] rn : new int[][]{{21, 77}, {37, 13}, {5, 1100}, {2999, 13}}) {
            int rows = rn[0], n = rn[1];
            String tag = " [" + rows + ", " + n + "]";
            assertEquals(n <= 1024, RowGeometry.warpPerRow("rmsnorm", n), "the row layout meant for" + tag);
            assertEquals(rows > 128, ColumnSums.slices(rows, n) > 1, "the dw slices meant for" + tag);
            Tensor[] x = both(normal(rows * n), rows, n), tx = both(normal(rows * n), rows, n), w = both(normal(n), n);
            Tensor[] y = both(new float[rows * n], rows, n), ty = both(new float[rows * n], rows, n), rstd = both(new float[rows], rows);
            cpu.rmsNorm(x[0], w[0], 1e-6f, y[0], rstd[0]);
            gpu.rmsNorm(x[1], w[1], 1e-6f, y[1], rstd[1]);
            close("rmsNorm y" + tag, y, CudaTol.REDUCTION);
            close("rmsNorm rstd" + tag, rstd, CudaTol.REDUCTION);
            cpu.rmsNormDual(x[0], tx[0], w[0], 1e-6f, y[0], ty[0], rstd[0]);
            gpu.rmsNormDual(x[1], tx[1], w[1], 1e-6f, y[1], ty[1], rstd[1]);
            close("rmsNormDual y" + tag, y, CudaTol.REDUCTION);
            close("rmsNormDual ty" + tag, ty, CudaTol.REDUCTION);
            Tensor[] dy = both(normal(rows * n), rows, n), dx = both(new float[rows * n], rows, n), dw = both(normal(n), n);
            cpu.rmsNormBackward(x[0], w[0], rstd[0], dy[0], dx[0], dw[0]);
            gpu.rmsNormBackward(x[1], w[1], rstd[1], dy[1], dx[1], dw[1]);
            close("rmsNormBackward dx" + tag, dx, CudaTol.REDUCTION);
            close("rmsNormBackward dw (accumulated)" + tag, dw, CudaTol.REDUCTION);
            cpu.rmsNormBackward(x[0], w[0], rstd[0], dy[0], dx[0], null);
            gpu.rmsNormBackward(x[1], w[1], rstd[1], dy[1], dx[1], null);
            close("rmsNormBackward dx without dw" + tag, dx, CudaTol.REDUCTION);
        }
    }

    /** The column sums' two passes give the same bits on every run: a fixed order, no atomics. */
    @Test void columnSumsAreReproducible() {
        int rows = 2999, n = 45;
        Shape sa = Shape.of(rows, n);
        Tensor[] g = both(sa, normal(sa.size())), x = both(sa, normal(sa.size())), rstd = both(positive(rows), rows);
        float[] first = null, firstDw = null;
        for (int run = 0; run < 3; run++) {
            Tensor col = gpuCx.empty(Shape.of(n)), dw = gpuCx.zeros(Shape.of(n)), dx = gpuCx.empty(sa), w = gpuCx.zeros(Shape.of(n));
            gpu.reduceBroadcast(g[1], Broadcast.of("r", sa, Shape.of(n)), col);
            gpu.rmsNormBackward(x[1], w, rstd[1], g[1], dx, dw);
            float[] c = Host.floats(col), d = Host.floats(dw);
            if (first == null) {
                first = c;
                firstDw = d;
            } else {
                assertArrayEquals(first, c, "reduce_cols, run " + run);
                assertArrayEquals(firstDw, d, "rmsnorm dw, run " + run);
            }
        }
    }

    @Test void ropeForwardInverseDual() {
        int b = 3, len = 7, heads = 3, dh = 10, w = heads * dh;
        Tensor[] x = both(normal(b * len * w), b, len, w), tx = both(normal(b * len * w), b, len, w);
        Tensor[] cos = both(normal(len * dh / 2), len, dh / 2), sin = both(normal(len * dh / 2), len, dh / 2);
        Tensor[] y = both(new float[b * len * w], b, len, w), ty = both(new float[b * len * w], b, len, w);
        for (boolean inverse : new boolean[]{false, true}) {
            cpu.rope(x[0], cos[0], sin[0], heads, inverse, y[0]);
            gpu.rope(x[1], cos[1], sin[1], heads, inverse, y[1]);
            close("rope inverse=" + inverse, y, CudaTol.ELEMENTWISE);
        }
        cpu.ropeDual(x[0], tx[0], cos[0], sin[0], heads, y[0], ty[0]);
        gpu.ropeDual(x[1], tx[1], cos[1], sin[1], heads, y[1], ty[1]);
        close("ropeDual y", y, CudaTol.ELEMENTWISE);
        close("ropeDual ty", ty, CudaTol.ELEMENTWISE);
        cpu.rope(x[0], cos[0], sin[0], heads, false, x[0]);
        gpu.rope(x[1], cos[1], sin[1], heads, false, x[1]);
        close("rope in place", x, CudaTol.ELEMENTWISE);
    }

    @Test void swigluAndSoftmax() {
        int n = 5003;
        Tensor[] a = both(normal(n), n), ta = both(normal(n), n), b = both(normal(n), n), tb = both(normal(n), n);
        Tensor[] y = both(new float[n], n), ty = both(new float[n], n), da = both(new float[n], n), db = both(new float[n], n);
        cpu.swiglu(a[0], b[0], y[0]);
        gpu.swiglu(a[1], b[1], y[1]);
        close("swiglu", y, CudaTol.ELEMENTWISE);
        cpu.swigluDual(a[0], ta[0], b[0], tb[0], y[0], ty[0]);
        gpu.swigluDual(a[1], ta[1], b[1], tb[1], y[1], ty[1]);
        close("swigluDual y", y, CudaTol.ELEMENTWISE);
        close("swigluDual ty", ty, CudaTol.ELEMENTWISE);
        cpu.swigluBackward(a[0], b[0], ty[0], da[0], db[0]);
        gpu.swigluBackward(a[1], b[1], ty[1], da[1], db[1]);
        close("swigluBackward da", da, CudaTol.ELEMENTWISE);
        close("swigluBackward db", db, CudaTol.ELEMENTWISE);

        // rows longer and shorter than a warp, a warp each; rows too long for that, a block each
        for (int[] rm : new int[][]{{17, 301}, {9, 13}, {4, 1301}}) {
            int rows = rm[0], m = rm[1];
            String tag = " [" + rows + ", " + m + "]";
            assertEquals(m <= 1024, RowGeometry.warpPerRow("softmax", m), "the row layout meant for" + tag);
            Tensor[] x = both(normal(rows * m), rows, m), tx = both(normal(rows * m), rows, m);
            Tensor[] p = both(new float[rows * m], rows, m), tp = both(new float[rows * m], rows, m), dx = both(new float[rows * m], rows, m);
            cpu.softmax(x[0], p[0]);
            gpu.softmax(x[1], p[1]);
            close("softmax" + tag, p, CudaTol.REDUCTION);
            cpu.softmaxDual(x[0], tx[0], p[0], tp[0]);
            gpu.softmaxDual(x[1], tx[1], p[1], tp[1]);
            close("softmaxDual y" + tag, p, CudaTol.REDUCTION);
            close("softmaxDual ty" + tag, tp, CudaTol.REDUCTION);
            cpu.softmaxBackward(p[0], tx[0], dx[0]);
            gpu.softmaxBackward(p[1], tx[1], dx[1]);
            close("softmaxBackward" + tag, dx, CudaTol.REDUCTION);
        }
    }

    /** The image kernels on views at an odd offset; movement and max exact, sums within rounding. */
    @Test void imageKernels() {
        int n = 2, c = 64, h = 9, w = 7;
        Shape xs = Shape.of(n, c, h, w);
        Tensor[] big = both(normal(xs.size() + 13), (int) xs.size() + 13);
        Tensor[] x = {big[0].view(13, xs), big[1].view(13, xs)};
        for (Window2d win : new Window2d[]{new Window2d(3, 1, 1), new Window2d(3, 2, 0), new Window2d(1, 2, 0)}) {
            Shape cs = Shape.of(n, c * win.size() * win.size(), win.out(h) * win.out(w));
            Tensor[] cols = empty(cs, DType.F32);
            cpu.im2col(x[0], win, cols[0]);
            gpu.im2col(x[1], win, cols[1]);
            assertArrayEquals(Host.floats(cols[0]), Host.floats(cols[1]), "im2col " + win);
        }
        Tensor[] gamma = both(normal(c), c), beta = both(normal(c), c), y = empty(xs, DType.F32);
        for (int groups : new int[]{32, 1, 64}) {
            cpu.groupNorm(x[0], gamma[0], beta[0], groups, 1e-6f, y[0]);
            gpu.groupNorm(x[1], gamma[1], beta[1], groups, 1e-6f, y[1]);
            close("groupNorm, " + groups + " groups", y, CudaTol.REDUCTION);
        }
        Tensor[] up = empty(Shape.of(n, c, 2 * h, 2 * w), DType.F32);
        cpu.upsampleNearest2x(x[0], up[0]);
        gpu.upsampleNearest2x(x[1], up[1]);
        assertArrayEquals(Host.floats(up[0]), Host.floats(up[1]), "upsampleNearest2x");
        for (Window2d win : new Window2d[]{new Window2d(2, 2, 0), new Window2d(3, 1, 1), new Window2d(3, 2, 1)})
            for (Pooling kind : Pooling.values()) {
                Tensor[] p = empty(Shape.of(n, c, win.out(h), win.out(w)), DType.F32);
                cpu.pool2d(kind, win, x[0], p[0]);
                gpu.pool2d(kind, win, x[1], p[1]);
                if (kind == Pooling.MAX) assertArrayEquals(Host.floats(p[0]), Host.floats(p[1]), kind + " " + win);
                else close(kind + " " + win, p, CudaTol.ELEMENTWISE);
            }
    }

    @Test void attentionPrimalTangentBackward() {
        int[][] shapes = {{2, 37, 3, 8}, {1, 70, 2, 64}, {2, 33, 1, 40}, {1, 45, 2, 128}, {3, 1, 2, 16}};
        for (int[] sh : shapes) {
            AttentionSpec s = new AttentionSpec(sh[0], sh[1], sh[2], sh[3], (float) (1 / Math.sqrt(sh[3])));
            int n = (int) s.elements(), nl = sh[0] * sh[2] * sh[1];
            int[] d = {sh[0], sh[1], sh[2] * sh[3]};
            String tag = " B=" + sh[0] + " L=" + sh[1] + " H=" + sh[2] + " Dh=" + sh[3];
            Tensor[] q = both(normal(n), d), k = both(normal(n), d), v = both(normal(n), d);
            Tensor[] tq = both(normal(n), d), tk = both(normal(n), d), tv = both(normal(n), d);
            Tensor[] o = both(new float[n], d), to = both(new float[n], d), lse = both(new float[nl], sh[0], sh[2], sh[1]);
            cpu.attention(s, q[0], k[0], v[0], o[0], lse[0]);
            gpu.attention(s, q[1], k[1], v[1], o[1], lse[1]);
            close("attention o" + tag, o, CudaTol.ATTENTION);
            close("attention lse" + tag, lse, CudaTol.ATTENTION);
            cpu.attentionDual(s, q[0], tq[0], k[0], tk[0], v[0], tv[0], o[0], to[0], lse[0]);
            gpu.attentionDual(s, q[1], tq[1], k[1], tk[1], v[1], tv[1], o[1], to[1], lse[1]);
            close("attentionDual o" + tag, o, CudaTol.ATTENTION);
            close("attentionDual to" + tag, to, CudaTol.ATTENTION);
            close("attentionDual lse" + tag, lse, CudaTol.ATTENTION);
            Tensor[] dO = both(normal(n), d), dq = both(new float[n], d), dk = both(new float[n], d), dv = both(new float[n], d);
            cpu.attentionBackward(s, q[0], k[0], v[0], o[0], lse[0], dO[0], dq[0], dk[0], dv[0]);
            gpu.attentionBackward(s, q[1], k[1], v[1], o[1], lse[1], dO[1], dq[1], dk[1], dv[1]);
            close("attentionBackward dq" + tag, dq, CudaTol.ATTENTION);
            close("attentionBackward dk" + tag, dk, CudaTol.ATTENTION);
            close("attentionBackward dv" + tag, dv, CudaTol.ATTENTION);
        }
    }

    @Test void timestepFeatures() {
        float[] sv = new float[9];
        for (int i = 0; i < sv.length; i++) sv[i] = (float) (1000 * rnd.nextDouble());
        for (boolean deriv : new boolean[]{false, true}) {
            Tensor[] s = both(sv, 9), out = both(new float[9 * 66], 9, 66);
            cpu.timestepFeatures(s[0], 10000f, deriv, out[0]);
            gpu.timestepFeatures(s[1], 10000f, deriv, out[1]);
            close("timestepFeatures derivative=" + deriv, out, CudaTol.TIMESTEP);
        }
    }

    // ---- optimizer ---------------------------------------------------------------------------
    @Test void adamwAndEma() {
        int n = 4097;
        Tensor[] p = both(normal(n), n), g = both(normal(n), n), m = both(normal(n), n), v = both(positive(n), n);
        AdamWStep st = new AdamWStep(1e-3f, 0.9f, 0.95f, 1e-8f, 0.01f, 7);
        cpu.adamw(p[0], g[0], m[0], v[0], st);
        gpu.adamw(p[1], g[1], m[1], v[1], st);
        close("adamw param", p, CudaTol.ELEMENTWISE);
        close("adamw m", m, CudaTol.ELEMENTWISE);
        close("adamw v", v, CudaTol.ELEMENTWISE);
        Tensor[] e = both(normal(n), n);
        cpu.emaUpdate(e[0], p[0], 0.999f);
        gpu.emaUpdate(e[1], p[1], 0.999f);
        close("ema", e, CudaTol.ELEMENTWISE);
    }

    // ---- random numbers ----------------------------------------------------------------------
    @Test void randomDrawsEqualTheCpus() {
        for (RandomKey key : new RandomKey[]{new RandomKey(0x1234_5678_9ABCL, 7, 0, 2), new RandomKey(-5, 0xFFFF_FFFFL, 3, 255)}) {
            Tensor[] u = empty(Shape.of(1001), DType.F32), z = empty(Shape.of(1001), DType.F32);
            cpu.random(key, Distribution.UNIFORM, u[0]);
            gpu.random(key, Distribution.UNIFORM, u[1]);
            close("uniforms " + key, u, 0); // the top 24 bits of each word, exactly
            cpu.random(key, Distribution.NORMAL, z[0]);
            gpu.random(key, Distribution.NORMAL, z[1]);
            close("normals " + key, z, 1e-7); // float64 log/cos on both sides
        }
    }

    // ---- selection and conversion ------------------------------------------------------------
    @Test void iotaSelectNonzeroAndCasts() {
        Tensor[] fi = empty(Shape.of(777), DType.F32), ii = empty(Shape.of(777), DType.I32);
        cpu.iota(fi[0]);
        gpu.iota(fi[1]);
        close("iota F32", fi, 0);
        gpu.iota(ii[1]);
        int[] n = Host.ints(ii[1]);
        for (int i = 0; i < n.length; i++) assertEquals(i, n[i], "iota I32");
        float[] mask = new float[1000];
        for (int i = 0; i < mask.length; i++) mask[i] = rnd.nextInt(3) == 0 ? 1f : 0f;
        Tensor[] m = both(mask, 1000), idx = empty(Shape.of(1000), DType.I32);
        int count = cpu.selectNonzero(m[0], idx[0]);
        assertEquals(count, gpu.selectNonzero(m[1], idx[1]), "selectNonzero count");
        assertArrayEquals(java.util.Arrays.copyOf(Host.ints(idx[0]), count), java.util.Arrays.copyOf(Host.ints(idx[1]), count));
        float[] v = normal(2049);
        v[0] = Float.NaN;
        v[1] = 1f + 0x1p-8f; // a tie: rounds to even
        Tensor[] f = both(v, 2049), h = empty(Shape.of(2049), DType.BF16), back = empty(Shape.of(2049), DType.F32);
        cpu.cast(f[0], h[0]);
        gpu.cast(f[1], h[1]);
        cpu.cast(h[0], back[0]);
        gpu.cast(h[1], back[1]);
        float[] c = Host.floats(back[0]), g = Host.floats(back[1]);
        for (int i = 0; i < c.length; i++)
            assertEquals(Float.floatToIntBits(c[i]), Float.floatToIntBits(g[i]), "bf16 round trip of " + v[i]);
        Tensor[] labels = both(new int[]{4, -2, 0, 7}), lf = empty(Shape.of(4), DType.F32);
        cpu.cast(labels[0], lf[0]);
        gpu.cast(labels[1], lf[1]);
        close("cast I32 → F32", lf, 0);
    }

    @Test void whereAndMovementOfOtherDtypes() {
        float[] mv = {1, 0, 0, 1, 1};
        Tensor[] mask = both(mv, 5), a = both(new int[]{1, 2, 3, 4, 5}), b = both(new int[]{-1, -2, -3, -4, -5});
        Tensor[] out = empty(Shape.of(5), DType.I32);
        Broadcast bc = Broadcast.of("where", Shape.of(5), Shape.of(5));
        cpu.where(mask[0], bc, a[0], b[0], out[0]);
        gpu.where(mask[1], bc, a[1], b[1], out[1]);
        assertArrayEquals(Host.ints(out[0]), Host.ints(out[1]), "where on I32");
        Shape s = Shape.of(3, 4, 5);
        Tensor[] x = both(s, normal(60)), h = empty(s, DType.BF16), ph = empty(Shape.of(5, 3, 4), DType.BF16);
        cpu.cast(x[0], h[0]);
        gpu.cast(x[1], h[1]);
        cpu.permute(h[0], Permutation.of(2, 0, 1), ph[0]);
        gpu.permute(h[1], Permutation.of(2, 0, 1), ph[1]);
        close("permute BF16", ph, 0);
        Tensor[] runs = empty(Shape.of(40), DType.BF16);
        cpu.fill(runs[0], 0);
        gpu.fill(runs[1], 0);
        cpu.copyRuns(h[0], 2, 20, runs[0], 1, 13, 3, 9, false);
        gpu.copyRuns(h[1], 2, 20, runs[1], 1, 13, 3, 9, false);
        close("copyRuns BF16", runs, 0);
        Tensor[] rowMask = both(new float[]{0, 1, 1}, 3, 1, 1), hw = empty(s, DType.BF16), zero = empty(s, DType.BF16);
        cpu.fill(zero[0], 0);
        gpu.fill(zero[1], 0);
        Broadcast perRow = Broadcast.of("where", s, Shape.of(3, 1, 1));
        cpu.where(rowMask[0], perRow, h[0], zero[0], hw[0]);
        gpu.where(rowMask[1], perRow, h[1], zero[1], hw[1]);
        close("where BF16", hw, 0);
    }
}
