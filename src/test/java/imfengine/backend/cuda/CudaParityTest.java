package imfengine.backend.cuda;

import imfengine.autodiff.Context;
import imfengine.backend.AdamWStep;
import imfengine.backend.AttentionSpec;
import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.backend.Distribution;
import imfengine.backend.GemmSpec;
import imfengine.backend.Pooling;
import imfengine.backend.Window2d;
import imfengine.backend.RandomKey;
import imfengine.backend.UnaryOp;
import imfengine.backend.cuda.emu.EmulatedDevice;
import imfengine.tensor.DType;
import imfengine.tensor.Host;
import imfengine.tensor.Permutation;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

import static imfengine.backend.cuda.ParityCase.of;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every CUDA kernel against the CPU reference (the scalar path) on random inputs with odd sizes that
 * leave partial tiles, warps and blocks: primal, tangent (dual kernels) and backward. Each case (kernel
 * family × shape × pass) is a test of its own ({@link ParityCase}), so one failing shape hides no other,
 * and a later pass starts from the CPU's outputs of the earlier one (a backward case tests the backward
 * kernels only). Errors are norm-wise relative, {@code ‖gpu − cpu‖₂ / ‖cpu‖₂}, with the named tolerances of
 * {@link CudaTol}. The CUDA backend runs on the GPU where there is one, else on the emulated device
 * ({@code make emu}); there the suite also shows that it launched every kernel the PTX declares.
 */
@Tag("gpu")
class CudaParityTest {
    /** Under emulation: every kernel of every family ran, as many per family as its PTX has entries. */
    @AfterAll static void everyKernelRan() {
        if (!Backends.cudaIsEmulated()) return;
        var launched = ((EmulatedDevice) Backends.cuda().device()).launched();
        for (Kernel k : Kernel.values())   // the bf16 flash kernels are FlashAttentionParityTest's to run and count
            if (!k.family().equals(FlashAttentionParityTest.FAMILY)) assertTrue(launched.contains(k), k.symbol() + " never ran under the emulator");
        var perFamily = new TreeMap<String, Integer>();
        for (Kernel k : launched) perFamily.merge(k.family(), 1, Integer::sum);
        for (var e : perFamily.entrySet())
            assertEquals(PtxEntriesTest.entries("/ptx/" + e.getKey() + ".ptx").size(), e.getValue(), "kernels of " + e.getKey() + " that ran");
    }

    // ---- memory ------------------------------------------------------------------------------
    @TestFactory List<DynamicTest> memory() {
        return List.of(
                of("memory round trip, fill and copy", c -> {
                    float[] v = c.normal(1001);
                    Tensor[] a = c.both(v, 7, 11, 13);
                    assertArrayEquals(v, Host.floats(a[1]));
                    Tensor z = c.gpuCx.zeros(Shape.of(999));
                    for (float f : Host.floats(z)) assertEquals(0f, f);
                    c.gpu.fill(z, 2.5f);
                    for (float f : Host.floats(z)) assertEquals(2.5f, f);
                    Tensor copy = c.gpuCx.empty(Shape.of(1001));
                    c.gpu.copy(a[1], copy);
                    assertArrayEquals(v, Host.floats(copy));
                    int[] ints = {3, -7, 1 << 30, 0, 42};
                    Tensor it = Host.upload(c.gpuCx, ints);
                    assertArrayEquals(ints, Host.ints(it));
                    c.gpu.fill(it, 9);
                    assertArrayEquals(new int[]{9, 9, 9, 9, 9}, Host.ints(it));
                }),
                of("memory views at an offset", c -> {
                    float[] v = c.normal(1001);
                    Tensor t = Host.upload(c.gpuCx, v, Shape.of(1001));
                    Tensor view = t.view(7, Shape.of(3, 5));
                    assertArrayEquals(Arrays.copyOfRange(v, 7, 22), Host.floats(view), "a view reads from its offset");
                    c.gpu.fill(view, -1);
                    float[] after = Host.floats(t);
                    for (int i = 0; i < after.length; i++) assertEquals(i >= 7 && i < 22 ? -1f : v[i], after[i], "fill of a view at " + i);
                }),
                of("memory returned to the cache by a closed context", c -> {
                    long live = c.gpu.allocator().stats().liveBytes();
                    try (Context scope = Context.open(c.gpu, Context.Tape.OFF)) {
                        scope.empty(Shape.of(1 << 20));
                        assertTrue(c.gpu.allocator().stats().liveBytes() > live);
                    }
                    assertTrue(c.gpu.allocator().stats().liveBytes() <= live, "a closed context returns its device memory to the cache");
                    assertTrue(c.gpu.allocator().stats().cachedBytes() >= 4L << 20);
                }));
    }

    // ---- elementwise -------------------------------------------------------------------------
    @TestFactory List<DynamicTest> unary() {
        List<DynamicTest> out = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) {
            out.add(of("unary " + op + " fwd n=4099", c -> {
                Tensor[] x = c.both(input(c, op, 4099), 4099), y = c.zeros(4099);
                c.cpu.unary(op, x[0], y[0]);
                c.gpu.unary(op, x[1], y[1]);
                c.expectClose(op + " forward", y, CudaTol.ELEMENTWISE);
            }));
            out.add(of("unary " + op + " vjp n=4099", c -> {
                Tensor[] x = c.both(input(c, op, 4099), 4099), g = c.normals(4099), d = c.zeros(4099);
                Tensor yc = c.cpuCx.empty(Shape.of(4099));
                c.cpu.unary(op, x[0], yc);
                Tensor[] y = c.fromCpu(yc);
                c.cpu.unaryDerivative(op, x[0], y[0], g[0], d[0]);
                c.gpu.unaryDerivative(op, x[1], y[1], g[1], d[1]);
                c.expectClose(op + " derivative", d, CudaTol.ELEMENTWISE);
            }));
        }
        return out;
    }

    private static float[] input(ParityCase c, UnaryOp op, int n) {
        return op == UnaryOp.RSQRT || op == UnaryOp.LOG ? c.positive(n) : c.normal(n);
    }

    @TestFactory List<DynamicTest> binary() {
        int[][][] cases = {{{5, 7, 9}, {5, 7, 9}}, {{5, 7, 9}, {9}}, {{5, 7, 9}, {5, 1, 1}}, {{5, 7, 9}, {1}}, {{5, 7, 9}, {7, 1}}};
        List<DynamicTest> out = new ArrayList<>();
        for (BinaryOp op : BinaryOp.values())
            for (int[][] sh : cases) {
                Shape sa = Shape.of(sh[0]), sb = Shape.of(sh[1]);
                out.add(of("binary " + op + " fwd " + sb + " over " + sa, c -> {
                    Broadcast bc = Broadcast.of(op.name(), sa, sb);
                    Tensor[] a = c.both(sa, c.normal(sa.size())), b = c.both(sb, op == BinaryOp.DIV ? c.awayFromZero(sb.size()) : c.normal(sb.size()));
                    Tensor[] o = c.both(sa, new float[(int) sa.size()]);
                    c.cpu.binary(op, a[0], b[0], bc, o[0]);
                    c.gpu.binary(op, a[1], b[1], bc, o[1]);
                    c.expectClose(op + " " + sb + " over " + sa, o, CudaTol.ELEMENTWISE);
                }));
            }
        return out;
    }

    @TestFactory List<DynamicTest> axpbyAndWhere() {
        return List.of(
                of("axpby fwd n=3001", c -> {
                    Tensor[] x = c.normals(3001), y = c.normals(3001), o = c.zeros(3001);
                    c.cpu.axpby(0.7f, x[0], -1.3f, y[0], o[0]);
                    c.gpu.axpby(0.7f, x[1], -1.3f, y[1], o[1]);
                    c.expectClose("axpby", o, CudaTol.ELEMENTWISE);
                }),
                of("axpby fwd without y n=3001", c -> {
                    Tensor[] x = c.normals(3001), o = c.zeros(3001);
                    c.cpu.axpby(2f, x[0], 0f, null, o[0]);
                    c.gpu.axpby(2f, x[1], 0f, null, o[1]);
                    c.expectClose("axpby without y", o, CudaTol.ELEMENTWISE);
                }),
                of("where fwd F32 [7,1,1] over [7,3,143]", c -> {
                    float[] mv = new float[7];
                    for (int i = 0; i < 7; i++) mv[i] = i % 3 == 0 ? 1f : 0f;
                    Shape sa = Shape.of(7, 3, 143);
                    Tensor[] mask = c.both(mv, 7, 1, 1), a = c.both(sa, c.normal(3003)), b = c.both(sa, c.normal(3003)), w = c.both(sa, new float[3003]);
                    Broadcast bc = Broadcast.of("where", sa, Shape.of(7, 1, 1));
                    c.cpu.where(mask[0], bc, a[0], b[0], w[0]);
                    c.gpu.where(mask[1], bc, a[1], b[1], w[1]);
                    c.expectClose("where", w, 0);
                }));
    }

    // ---- reductions --------------------------------------------------------------------------
    @TestFactory List<DynamicTest> reductions() {
        List<DynamicTest> out = new ArrayList<>(List.of(
                of("reduction sumLastAxis [13,37]", c -> {
                    Tensor[] x = c.normals(13, 37), rows = c.zeros(13);
                    c.cpu.sumLastAxis(x[0], rows[0]);
                    c.gpu.sumLastAxis(x[1], rows[1]);
                    c.expectClose("sumLastAxis", rows, CudaTol.REDUCTION);
                }),
                of("reduction sumAll n=100003", c -> {
                    Tensor[] big = c.normals(100_003), all = c.zeros(1);
                    c.cpu.sumAll(big[0], all[0]);
                    c.gpu.sumAll(big[1], all[1]);
                    c.expectClose("sumAll", all, CudaTol.REDUCTION);
                }),
                of("reduction reduceBroadcast inner runs [6,5,33] to [5,1]", c -> {
                    Shape s3 = Shape.of(6, 5, 33);
                    Tensor[] g3 = c.both(s3, c.normal(s3.size())), per = c.zeros(5);
                    c.cpu.reduceBroadcast(g3[0], Broadcast.of("r", s3, Shape.of(5, 1)), per[0]);
                    c.gpu.reduceBroadcast(g3[1], Broadcast.of("r", s3, Shape.of(5, 1)), per[1]);
                    c.expectClose("reduceBroadcast (inner runs)", per, CudaTol.REDUCTION);
                })));
        // column sums: one slice of rows; many rows and few columns, cut into slices (the last one short)
        for (int[] rc : new int[][]{{19, 45}, {3001, 7}, {1000, 45}}) {
            int r = rc[0], cols = rc[1];
            Shape sa = Shape.of(r, cols);
            out.add(of("reduction reduceBroadcast columns " + sa + " to [" + cols + "] in " + ColumnSums.slices(r, cols) + " slices", c -> {
                assertEquals(r > 128, ColumnSums.slices(r, cols) > 1, "rows " + r + " × " + cols + " take the path meant");
                Tensor[] g = c.both(sa, c.normal(sa.size())), col = c.normals(cols);
                c.cpu.reduceBroadcast(g[0], Broadcast.of("r", sa, Shape.of(cols)), col[0]);
                c.gpu.reduceBroadcast(g[1], Broadcast.of("r", sa, Shape.of(cols)), col[1]);
                c.expectClose("reduceBroadcast (columns) " + sa + " in " + ColumnSums.slices(r, cols) + " slices", col, CudaTol.REDUCTION);
            }));
        }
        // the gated residual: forward elementwise, backward dBranch and the gate's column sums in one launch
        for (int[] rc : new int[][]{{19, 45}, {3001, 7}, {1000, 96}}) {
            int r = rc[0], cols = rc[1];
            Shape sa = Shape.of(r, cols);
            out.add(of("gated residual fwd and vjp " + sa + " in " + ColumnSums.slices(r, cols) + " slices", c -> {
                Tensor[] x = c.both(sa, c.normal(sa.size())), branch = c.both(sa, c.normal(sa.size())), gate = c.normals(cols);
                Tensor[] y = c.zeros(r, cols), dy = c.both(sa, c.normal(sa.size())), dBranch = c.zeros(r, cols), dGate = c.normals(cols);
                c.cpu.gatedResidual(x[0], branch[0], gate[0], y[0]);
                c.gpu.gatedResidual(x[1], branch[1], gate[1], y[1]);
                c.expectClose("gatedResidual " + sa, y, 0);
                c.cpu.gatedResidualBackward(dy[0], branch[0], gate[0], dBranch[0], dGate[0]);
                c.gpu.gatedResidualBackward(dy[1], branch[1], gate[1], dBranch[1], dGate[1]);
                c.expectClose("gatedResidualBackward dBranch " + sa, dBranch, 0);
                c.expectClose("gatedResidualBackward dGate " + sa + " (overwritten)", dGate, CudaTol.REDUCTION);
            }));
        }
        // the column sums' two passes give the same bits on every run: a fixed order, no atomics
        out.add(of("reduction column sums reproducible [2999,45] (reduce_cols, rmsnorm dw)", c -> {
            int rows = 2999, n = 45;
            Shape sa = Shape.of(rows, n);
            Tensor[] g = c.both(sa, c.normal(sa.size())), x = c.both(sa, c.normal(sa.size())), rstd = c.both(c.positive(rows), rows);
            float[] first = null, firstDw = null;
            for (int run = 0; run < 3; run++) {
                Tensor col = c.gpuCx.empty(Shape.of(n)), dw = c.gpuCx.zeros(Shape.of(n)), dx = c.gpuCx.empty(sa), w = c.gpuCx.zeros(Shape.of(n));
                c.gpu.reduceBroadcast(g[1], Broadcast.of("r", sa, Shape.of(n)), col);
                c.gpu.rmsNormBackward(x[1], w, rstd[1], g[1], dx, false, dw);
                float[] cs = Host.floats(col), d = Host.floats(dw);
                if (first == null) {
                    first = cs;
                    firstDw = d;
                } else {
                    assertArrayEquals(first, cs, "reduce_cols, run " + run);
                    assertArrayEquals(firstDw, d, "rmsnorm dw, run " + run);
                }
            }
        }));
        return out;
    }

    // ---- GEMM --------------------------------------------------------------------------------
    @TestFactory List<DynamicTest> gemm() {
        int m = 33, n = 17, k = 29;
        List<DynamicTest> out = new ArrayList<>();
        for (boolean ta : new boolean[]{false, true})
            for (boolean tb : new boolean[]{false, true})
                for (int batch : new int[]{1, 3})
                    out.add(of("gemm " + m + "x" + n + "x" + k + " transA=" + ta + " transB=" + tb + " batch=" + batch, c -> {
                        GemmSpec s = GemmSpec.batched(batch, m, n, k, ta, tb, 0.75f, batch == 1 ? 0f : 0.5f);
                        Tensor[] a = c.normals(batch * m * k), b = c.normals(batch * k * n), cc = c.normals(batch * m * n);
                        c.cpu.gemm(s, a[0], b[0], cc[0]);
                        c.gpu.gemm(s, a[1], b[1], cc[1]);
                        c.expectClose("gemm transA=" + ta + " transB=" + tb + " batch=" + batch, cc, CudaTol.GEMM);
                    }));
        out.add(of("gemm with lda/ldb/ldc and offsets", c -> { // a sub-matrix product, as views use
            GemmSpec s = new GemmSpec(2, 5, 6, 7, false, true, 11, 9, 8, 3, 2, 1, 70, 60, 50, 1f, 0f);
            Tensor[] a = c.normals(160), b = c.normals(140), cc = c.normals(120);
            c.cpu.gemm(s, a[0], b[0], cc[0]);
            c.gpu.gemm(s, a[1], b[1], cc[1]);
            c.expectClose("gemm with lda/ldb/ldc and offsets", cc, CudaTol.GEMM);
        }));
        return out;
    }

    // ---- movement ----------------------------------------------------------------------------
    @TestFactory List<DynamicTest> movement() {
        List<DynamicTest> out = new ArrayList<>();
        out.add(of("movement permute rank 6", c -> {
            Shape s = Shape.of(2, 3, 5, 2, 4, 3);
            Tensor[] x = c.both(s, c.normal(s.size())), o = c.both(s, new float[(int) s.size()]);
            c.cpu.permute(x[0], Permutation.of(0, 1, 3, 2, 4, 5), o[0]);
            c.gpu.permute(x[1], Permutation.of(0, 1, 3, 2, 4, 5), o[1]);
            c.expectClose("permute rank 6", o, 0);
        }));
        out.add(of("movement permute rank 3", c -> {
            Tensor[] x3 = c.normals(7, 9, 11), o3 = c.zeros(11, 7, 9);
            c.cpu.permute(x3[0], Permutation.of(2, 0, 1), o3[0]);
            c.gpu.permute(x3[1], Permutation.of(2, 0, 1), o3[1]);
            c.expectClose("permute rank 3", o3, 0);
        }));
        for (boolean acc : new boolean[]{false, true})
            out.add(of("movement copyRuns accumulate=" + acc, c -> {
                Tensor[] src = c.normals(500), dst = c.normals(600);
                c.cpu.copyRuns(src[0], 3, 41, dst[0], 5, 47, 11, 29, acc);
                c.gpu.copyRuns(src[1], 3, 41, dst[1], 5, 47, 11, 29, acc);
                c.expectClose("copyRuns accumulate=" + acc, dst, CudaTol.ELEMENTWISE);
            }));
        out.add(of("movement gatherRows", c -> {
            Tensor[] idx = c.both(new int[]{4, 0, 4, 9, 2, 2, 2, 7});
            Tensor[] table = c.normals(10, 13), rows = c.zeros(8, 13);
            c.cpu.gatherRows(table[0], idx[0], rows[0]);
            c.gpu.gatherRows(table[1], idx[1], rows[1]);
            c.expectClose("gatherRows", rows, 0);
        }));
        out.add(of("movement scatterAddRows (repeated indices)", c -> {
            Tensor[] idx = c.both(new int[]{4, 0, 4, 9, 2, 2, 2, 7});
            Tensor[] g = c.normals(8, 13), tg = c.normals(10, 13);
            c.cpu.scatterAddRows(g[0], idx[0], tg[0]);
            c.gpu.scatterAddRows(g[1], idx[1], tg[1]);
            // no atomics: each table row sums its rows in index order, as the CPU's loop does, so the bits agree
            c.expectClose("scatterAddRows (repeated indices)", tg, 0);
        }));
        return out;
    }

    // ---- fused kernels -----------------------------------------------------------------------
    /**
     * Rows shorter and longer than a warp in the warp-per-row layout, rows too long for it (a block each), and
     * enough rows for the weight gradient's column sums to be cut into slices.
     */
    @TestFactory List<DynamicTest> rmsNorm() {
        List<DynamicTest> out = new ArrayList<>();
        for (int[] rn : new int[][]{{21, 77}, {37, 13}, {5, 1100}, {2999, 13}}) {
            int rows = rn[0], n = rn[1];
            String shape = " [" + rows + "," + n + "]";
            out.addAll(List.of(
                    of("rmsnorm fwd" + shape, c -> {
                        assertEquals(n <= 1024, RowGeometry.warpPerRow("rmsnorm", n), "the row layout meant for" + shape);
                        Tensor[] x = c.normals(rows, n), w = c.normals(n), y = c.zeros(rows, n), rstd = c.zeros(rows);
                        c.cpu.rmsNorm(x[0], w[0], 1e-6f, y[0], rstd[0]);
                        c.gpu.rmsNorm(x[1], w[1], 1e-6f, y[1], rstd[1]);
                        c.expectClose("rmsNorm y", y, CudaTol.REDUCTION);
                        c.expectClose("rmsNorm rstd", rstd, CudaTol.REDUCTION);
                    }),
                    of("rmsnorm jvp" + shape, c -> {
                        Tensor[] x = c.normals(rows, n), tx = c.normals(rows, n), w = c.normals(n);
                        Tensor[] y = c.zeros(rows, n), ty = c.zeros(rows, n), rstd = c.zeros(rows);
                        c.cpu.rmsNormDual(x[0], tx[0], w[0], 1e-6f, y[0], ty[0], rstd[0]);
                        c.gpu.rmsNormDual(x[1], tx[1], w[1], 1e-6f, y[1], ty[1], rstd[1]);
                        c.expectClose("rmsNormDual y", y, CudaTol.REDUCTION);
                        c.expectClose("rmsNormDual ty", ty, CudaTol.REDUCTION);
                        c.expectClose("rmsNormDual rstd", rstd, CudaTol.REDUCTION);
                    }),
                    of("rmsnorm vjp" + shape, c -> {
                        assertEquals(rows > 128, ColumnSums.slices(rows, n) > 1, "the dw slices meant for" + shape);
                        rmsNormVjp(c, rows, n, false, true, "");
                    }),
                    of("rmsnorm vjp without dw" + shape, c -> rmsNormVjp(c, rows, n, false, false, " without dw")),
                    of("rmsnorm vjp adding into dx" + shape, c -> rmsNormVjp(c, rows, n, true, true, " (added to what it held)"))));
        }
        return out;
    }

    /**
     * {@code rmsNormBackward} on both sides from the same draws: {@code dx} zeroed, or holding values it adds to when
     * {@code addToDx}; {@code dw} accumulated into (held values) when {@code withDw}, else null.
     */
    private static void rmsNormVjp(ParityCase c, int rows, int n, boolean addToDx, boolean withDw, String dxLabel) {
        Tensor[] x = c.normals(rows, n), w = c.normals(n), rstd = rstd(c, x[0], w[0], rows, n);
        Tensor[] dy = c.normals(rows, n), dx = addToDx ? c.normals(rows, n) : c.zeros(rows, n), dw = withDw ? c.normals(n) : null;
        c.cpu.rmsNormBackward(x[0], w[0], rstd[0], dy[0], dx[0], addToDx, withDw ? dw[0] : null);
        c.gpu.rmsNormBackward(x[1], w[1], rstd[1], dy[1], dx[1], addToDx, withDw ? dw[1] : null);
        c.expectClose("rmsNormBackward dx" + dxLabel, dx, CudaTol.REDUCTION);
        if (withDw) c.expectClose("rmsNormBackward dw (accumulated)", dw, CudaTol.REDUCTION);
    }

    /** The CPU's rstd of {@code x}, on both sides. */
    private static Tensor[] rstd(ParityCase c, Tensor x, Tensor w, int rows, int n) {
        Tensor y = c.cpuCx.empty(Shape.of(rows, n)), r = c.cpuCx.empty(Shape.of(rows));
        c.cpu.rmsNorm(x, w, 1e-6f, y, r);
        return c.fromCpu(r);
    }

    @TestFactory List<DynamicTest> rope() {
        int b = 3, len = 7, heads = 3, dh = 10, w = heads * dh;
        String shape = " B=" + b + " L=" + len + " H=" + heads + " Dh=" + dh;
        List<DynamicTest> out = new ArrayList<>();
        for (boolean inverse : new boolean[]{false, true})
            out.add(of("rope fwd" + (inverse ? " inverse" : "") + shape, c -> {
                Tensor[] x = c.normals(b, len, w), cos = c.normals(len, dh / 2), sin = c.normals(len, dh / 2), y = c.zeros(b, len, w);
                c.cpu.rope(x[0], cos[0], sin[0], heads, inverse, y[0]);
                c.gpu.rope(x[1], cos[1], sin[1], heads, inverse, y[1]);
                c.expectClose("rope inverse=" + inverse, y, CudaTol.ELEMENTWISE);
            }));
        out.add(of("rope jvp" + shape, c -> {
            Tensor[] x = c.normals(b, len, w), tx = c.normals(b, len, w), cos = c.normals(len, dh / 2), sin = c.normals(len, dh / 2);
            Tensor[] y = c.zeros(b, len, w), ty = c.zeros(b, len, w);
            c.cpu.ropeDual(x[0], tx[0], cos[0], sin[0], heads, y[0], ty[0]);
            c.gpu.ropeDual(x[1], tx[1], cos[1], sin[1], heads, y[1], ty[1]);
            c.expectClose("ropeDual y", y, CudaTol.ELEMENTWISE);
            c.expectClose("ropeDual ty", ty, CudaTol.ELEMENTWISE);
        }));
        out.add(of("rope fwd in place" + shape, c -> {
            Tensor[] x = c.normals(b, len, w), cos = c.normals(len, dh / 2), sin = c.normals(len, dh / 2);
            c.cpu.rope(x[0], cos[0], sin[0], heads, false, x[0]);
            c.gpu.rope(x[1], cos[1], sin[1], heads, false, x[1]);
            c.expectClose("rope in place", x, CudaTol.ELEMENTWISE);
        }));
        return out;
    }

    /** QK-norm and RoPE in one call: the CPU's rows turned in L1 against the CUDA backend's two kernels. */
    @TestFactory List<DynamicTest> rmsNormRope() {
        int b = 3, len = 7, heads = 3, dh = 32, w = heads * dh, rows = b * len * heads;
        String shape = " B=" + b + " L=" + len + " H=" + heads + " Dh=" + dh;
        List<DynamicTest> out = new ArrayList<>();
        out.add(of("rmsNormRope fwd" + shape, c -> {
            Tensor[] x = c.normals(b, len, w), wt = c.normals(dh), cos = c.normals(len, dh / 2), sin = c.normals(len, dh / 2);
            Tensor[] y = c.zeros(b, len, w), rstd = c.zeros(rows);
            c.cpu.rmsNormRope(x[0], wt[0], 1e-6f, cos[0], sin[0], heads, y[0], rstd[0]);
            c.gpu.rmsNormRope(x[1], wt[1], 1e-6f, cos[1], sin[1], heads, y[1], rstd[1]);
            c.expectClose("rmsNormRope y", y, CudaTol.REDUCTION);
            c.expectClose("rmsNormRope rstd", rstd, CudaTol.REDUCTION);
        }));
        out.add(of("rmsNormRope jvp" + shape, c -> {
            Tensor[] x = c.normals(b, len, w), tx = c.normals(b, len, w), wt = c.normals(dh);
            Tensor[] cos = c.normals(len, dh / 2), sin = c.normals(len, dh / 2);
            Tensor[] y = c.zeros(b, len, w), ty = c.zeros(b, len, w), rstd = c.zeros(rows);
            c.cpu.rmsNormRopeDual(x[0], tx[0], wt[0], 1e-6f, cos[0], sin[0], heads, y[0], ty[0], rstd[0]);
            c.gpu.rmsNormRopeDual(x[1], tx[1], wt[1], 1e-6f, cos[1], sin[1], heads, y[1], ty[1], rstd[1]);
            c.expectClose("rmsNormRopeDual y", y, CudaTol.REDUCTION);
            c.expectClose("rmsNormRopeDual ty", ty, CudaTol.REDUCTION);
        }));
        for (boolean addToDx : new boolean[]{false, true})
            out.add(of("rmsNormRope vjp" + (addToDx ? " adding into dx" : "") + shape, c -> {
                Tensor[] x = c.normals(b, len, w), wt = c.normals(dh), cos = c.normals(len, dh / 2), sin = c.normals(len, dh / 2);
                Tensor ry = c.cpuCx.empty(Shape.of(b, len, w)), r = c.cpuCx.empty(Shape.of(rows));
                c.cpu.rmsNormRope(x[0], wt[0], 1e-6f, cos[0], sin[0], heads, ry, r);
                Tensor[] rstd = c.fromCpu(r), dy = c.normals(b, len, w);
                Tensor[] dx = addToDx ? c.normals(b, len, w) : c.zeros(b, len, w), dw = c.normals(dh);
                c.cpu.rmsNormRopeBackward(x[0], wt[0], rstd[0], cos[0], sin[0], heads, dy[0], dx[0], addToDx, dw[0]);
                c.gpu.rmsNormRopeBackward(x[1], wt[1], rstd[1], cos[1], sin[1], heads, dy[1], dx[1], addToDx, dw[1]);
                c.expectClose("rmsNormRopeBackward dx", dx, CudaTol.REDUCTION);
                c.expectClose("rmsNormRopeBackward dw (accumulated)", dw, CudaTol.REDUCTION);
            }));
        return out;
    }

    @TestFactory List<DynamicTest> swiglu() {
        int n = 5003;
        return List.of(
                of("swiglu fwd n=" + n, c -> {
                    Tensor[] a = c.normals(n), b = c.normals(n), y = c.zeros(n);
                    c.cpu.swiglu(a[0], b[0], y[0]);
                    c.gpu.swiglu(a[1], b[1], y[1]);
                    c.expectClose("swiglu", y, CudaTol.ELEMENTWISE);
                }),
                of("swiglu jvp n=" + n, c -> {
                    Tensor[] a = c.normals(n), ta = c.normals(n), b = c.normals(n), tb = c.normals(n), y = c.zeros(n), ty = c.zeros(n);
                    c.cpu.swigluDual(a[0], ta[0], b[0], tb[0], y[0], ty[0]);
                    c.gpu.swigluDual(a[1], ta[1], b[1], tb[1], y[1], ty[1]);
                    c.expectClose("swigluDual y", y, CudaTol.ELEMENTWISE);
                    c.expectClose("swigluDual ty", ty, CudaTol.ELEMENTWISE);
                }),
                of("swiglu vjp n=" + n, c -> {
                    Tensor[] a = c.normals(n), b = c.normals(n), dy = c.normals(n), da = c.zeros(n), db = c.zeros(n);
                    c.cpu.swigluBackward(a[0], b[0], dy[0], da[0], db[0]);
                    c.gpu.swigluBackward(a[1], b[1], dy[1], da[1], db[1]);
                    c.expectClose("swigluBackward da", da, CudaTol.ELEMENTWISE);
                    c.expectClose("swigluBackward db", db, CudaTol.ELEMENTWISE);
                }));
    }

    /** Rows longer and shorter than a warp, a warp each; rows too long for that, a block each. */
    @TestFactory List<DynamicTest> softmax() {
        List<DynamicTest> out = new ArrayList<>();
        for (int[] rm : new int[][]{{17, 301}, {9, 13}, {4, 1301}}) {
            int rows = rm[0], m = rm[1];
            String shape = " [" + rows + "," + m + "]";
            out.addAll(List.of(
                    of("softmax fwd" + shape, c -> {
                        assertEquals(m <= 1024, RowGeometry.warpPerRow("softmax", m), "the row layout meant for" + shape);
                        Tensor[] x = c.normals(rows, m), p = c.zeros(rows, m);
                        c.cpu.softmax(x[0], p[0]);
                        c.gpu.softmax(x[1], p[1]);
                        c.expectClose("softmax", p, CudaTol.REDUCTION);
                    }),
                    of("softmax jvp" + shape, c -> {
                        Tensor[] x = c.normals(rows, m), tx = c.normals(rows, m), p = c.zeros(rows, m), tp = c.zeros(rows, m);
                        c.cpu.softmaxDual(x[0], tx[0], p[0], tp[0]);
                        c.gpu.softmaxDual(x[1], tx[1], p[1], tp[1]);
                        c.expectClose("softmaxDual y", p, CudaTol.REDUCTION);
                        c.expectClose("softmaxDual ty", tp, CudaTol.REDUCTION);
                    }),
                    of("softmax vjp" + shape, c -> {
                        Tensor x = Host.upload(c.cpuCx, c.normal((long) rows * m), Shape.of(rows, m)), pc = c.cpuCx.empty(Shape.of(rows, m));
                        c.cpu.softmax(x, pc);
                        Tensor[] p = c.fromCpu(pc), dy = c.normals(rows, m), dx = c.zeros(rows, m);
                        c.cpu.softmaxBackward(p[0], dy[0], dx[0]);
                        c.gpu.softmaxBackward(p[1], dy[1], dx[1]);
                        c.expectClose("softmaxBackward", dx, CudaTol.REDUCTION);
                    })));
        }
        return out;
    }

    /** The image kernels on an input at an odd offset (a view), so that indexing from the view's start is tested too. */
    @TestFactory List<DynamicTest> imageKernels() {
        int n = 2, ch = 64, h = 9, w = 7;
        Shape xs = Shape.of(n, ch, h, w);
        String shape = " [" + n + "," + ch + "," + h + "," + w + "]";
        List<DynamicTest> out = new ArrayList<>();
        for (Window2d win : new Window2d[]{new Window2d(3, 1, 1), new Window2d(3, 2, 0), new Window2d(1, 2, 0),
                new Window2d(1, 7, 1, 0, 3), new Window2d(7, 1, 1, 3, 0), new Window2d(3, 1, 1, 1, 0), new Window2d(2, 5, 2, 1, 2)})
            out.add(of("im2col " + win + shape, c -> {
                Tensor[] x = offsetInput(c, xs);
                Tensor[] cols = c.empty(Shape.of(n, ch * win.taps(), win.outY(h) * win.outX(w)), DType.F32);
                c.cpu.im2col(x[0], win, cols[0]);
                c.gpu.im2col(x[1], win, cols[1]);
                assertArrayEquals(Host.floats(cols[0]), Host.floats(cols[1]), "im2col " + win);
            }));
        for (int groups : new int[]{32, 1, 64})
            out.add(of("groupnorm " + groups + " groups" + shape, c -> {
                Tensor[] x = offsetInput(c, xs), gamma = c.normals(ch), beta = c.normals(ch), y = c.empty(xs, DType.F32);
                c.cpu.groupNorm(x[0], gamma[0], beta[0], groups, 1e-6f, y[0]);
                c.gpu.groupNorm(x[1], gamma[1], beta[1], groups, 1e-6f, y[1]);
                c.expectClose("groupNorm, " + groups + " groups", y, CudaTol.REDUCTION);
            }));
        out.add(of("upsample nearest 2x" + shape, c -> {
            Tensor[] x = offsetInput(c, xs), up = c.empty(Shape.of(n, ch, 2 * h, 2 * w), DType.F32);
            c.cpu.upsampleNearest2x(x[0], up[0]);
            c.gpu.upsampleNearest2x(x[1], up[1]);
            assertArrayEquals(Host.floats(up[0]), Host.floats(up[1]), "upsampleNearest2x");
        }));
        for (Window2d win : new Window2d[]{new Window2d(2, 2, 0), new Window2d(3, 1, 1), new Window2d(3, 2, 1)})
            for (Pooling kind : Pooling.values())
                out.add(of("pool " + kind + " " + win + shape, c -> {
                    Tensor[] x = offsetInput(c, xs), p = c.empty(Shape.of(n, ch, win.outY(h), win.outX(w)), DType.F32);
                    c.cpu.pool2d(kind, win, x[0], p[0]);
                    c.gpu.pool2d(kind, win, x[1], p[1]);
                    if (kind == Pooling.MAX) assertArrayEquals(Host.floats(p[0]), Host.floats(p[1]), kind + " " + win);
                    else c.expectClose(kind + " " + win, p, CudaTol.ELEMENTWISE);
                }));
        return out;
    }

    /** Normal draws of {@code shape}, viewed 13 floats into a larger buffer on both sides. */
    private static Tensor[] offsetInput(ParityCase c, Shape shape) {
        int size = Math.toIntExact(shape.size());
        Tensor[] big = c.both(c.normal(size + 13), size + 13);
        return new Tensor[]{big[0].view(13, shape), big[1].view(13, shape)};
    }

    @TestFactory List<DynamicTest> attention() {
        int[][] shapes = {{2, 37, 3, 8}, {1, 70, 2, 64}, {2, 33, 1, 40}, {1, 45, 2, 128}, {3, 1, 2, 16}};
        List<DynamicTest> out = new ArrayList<>();
        for (int[] sh : shapes) {
            AttentionSpec s = new AttentionSpec(sh[0], sh[1], sh[2], sh[3], (float) (1 / Math.sqrt(sh[3])));
            int[] d = {sh[0], sh[1], sh[2] * sh[3]}, dl = {sh[0], sh[2], sh[1]};
            String tag = " B=" + sh[0] + " L=" + sh[1] + " H=" + sh[2] + " Dh=" + sh[3];
            out.add(of("attention fwd" + tag, c -> {
                Tensor[] q = c.normals(d), k = c.normals(d), v = c.normals(d), o = c.zeros(d), lse = c.zeros(dl);
                c.cpu.attention(s, q[0], k[0], v[0], o[0], lse[0]);
                c.gpu.attention(s, q[1], k[1], v[1], o[1], lse[1]);
                c.expectClose("attention o" + tag, o, CudaTol.ATTENTION);
                c.expectClose("attention lse" + tag, lse, CudaTol.ATTENTION);
            }));
            out.add(of("attention jvp" + tag, c -> {
                Tensor[] q = c.normals(d), k = c.normals(d), v = c.normals(d), tq = c.normals(d), tk = c.normals(d), tv = c.normals(d);
                Tensor[] o = c.zeros(d), to = c.zeros(d), lse = c.zeros(dl);
                c.cpu.attentionDual(s, q[0], tq[0], k[0], tk[0], v[0], tv[0], o[0], to[0], lse[0]);
                c.gpu.attentionDual(s, q[1], tq[1], k[1], tk[1], v[1], tv[1], o[1], to[1], lse[1]);
                c.expectClose("attentionDual o" + tag, o, CudaTol.ATTENTION);
                c.expectClose("attentionDual to" + tag, to, CudaTol.ATTENTION);
                c.expectClose("attentionDual lse" + tag, lse, CudaTol.ATTENTION);
            }));
            out.add(of("attention vjp" + tag, c -> {
                Tensor[] q = c.normals(d), k = c.normals(d), v = c.normals(d);
                Tensor oc = c.cpuCx.empty(Shape.of(d)), lc = c.cpuCx.empty(Shape.of(dl));
                c.cpu.attention(s, q[0], k[0], v[0], oc, lc);
                Tensor[] o = c.fromCpu(oc), lse = c.fromCpu(lc), dO = c.normals(d), dq = c.zeros(d), dk = c.zeros(d), dv = c.zeros(d);
                c.cpu.attentionBackward(s, q[0], k[0], v[0], o[0], lse[0], dO[0], dq[0], dk[0], dv[0]);
                c.gpu.attentionBackward(s, q[1], k[1], v[1], o[1], lse[1], dO[1], dq[1], dk[1], dv[1]);
                c.expectClose("attentionBackward dq" + tag, dq, CudaTol.ATTENTION);
                c.expectClose("attentionBackward dk" + tag, dk, CudaTol.ATTENTION);
                c.expectClose("attentionBackward dv" + tag, dv, CudaTol.ATTENTION);
            }));
        }
        return out;
    }

    @TestFactory List<DynamicTest> timestepFeatures() {
        List<DynamicTest> out = new ArrayList<>();
        for (boolean deriv : new boolean[]{false, true})
            out.add(of("timestep " + (deriv ? "jvp" : "fwd") + " [9] to [9,66]", c -> {
                float[] sv = new float[9];
                for (int i = 0; i < sv.length; i++) sv[i] = (float) (1000 * c.rnd.nextDouble());
                Tensor[] s = c.both(sv, 9), o = c.zeros(9, 66);
                c.cpu.timestepFeatures(s[0], 10000f, deriv, o[0]);
                c.gpu.timestepFeatures(s[1], 10000f, deriv, o[1]);
                c.expectClose("timestepFeatures derivative=" + deriv, o, CudaTol.TIMESTEP);
            }));
        return out;
    }

    // ---- optimizer ---------------------------------------------------------------------------
    @TestFactory List<DynamicTest> optimizer() {
        int n = 4097;
        return List.of(
                of("optimizer adamw n=" + n, c -> {
                    Tensor[] p = c.normals(n), g = c.normals(n), m = c.normals(n), v = c.both(c.positive(n), n);
                    AdamWStep st = new AdamWStep(1e-3f, 0.9f, 0.95f, 1e-8f, 0.01f, 7);
                    c.cpu.adamw(p[0], g[0], m[0], v[0], st);
                    c.gpu.adamw(p[1], g[1], m[1], v[1], st);
                    c.expectClose("adamw param", p, CudaTol.ELEMENTWISE);
                    c.expectClose("adamw m", m, CudaTol.ELEMENTWISE);
                    c.expectClose("adamw v", v, CudaTol.ELEMENTWISE);
                }),
                of("optimizer ema n=" + n, c -> {
                    Tensor[] e = c.normals(n), p = c.normals(n);
                    c.cpu.emaUpdate(e[0], p[0], 0.999f);
                    c.gpu.emaUpdate(e[1], p[1], 0.999f);
                    c.expectClose("ema", e, CudaTol.ELEMENTWISE);
                }));
    }

    // ---- random numbers ----------------------------------------------------------------------
    @TestFactory List<DynamicTest> randomDraws() {
        List<DynamicTest> out = new ArrayList<>();
        for (RandomKey key : new RandomKey[]{new RandomKey(0x1234_5678_9ABCL, 7, 0, 2), new RandomKey(-5, 0xFFFF_FFFFL, 3, 255)}) {
            out.add(of("philox uniform " + key, c -> {
                Tensor[] u = c.empty(Shape.of(1001), DType.F32);
                c.cpu.random(key, Distribution.UNIFORM, u[0]);
                c.gpu.random(key, Distribution.UNIFORM, u[1]);
                c.expectClose("uniforms " + key, u, 0); // the top 24 bits of each word, exactly
            }));
            out.add(of("philox normal " + key, c -> {
                Tensor[] z = c.empty(Shape.of(1001), DType.F32);
                c.cpu.random(key, Distribution.NORMAL, z[0]);
                c.gpu.random(key, Distribution.NORMAL, z[1]);
                c.expectClose("normals " + key, z, 1e-7); // float64 log/cos on both sides
            }));
            // a draw made a piece at a time (sampling in batches), past 2^32 so the counter's high word is used
            for (long first : new long[]{4L * 333, (1L << 32) - 8}) {
                out.add(of("philox uniform " + key + " from " + first, c -> {
                    Tensor[] u = c.empty(Shape.of(333), DType.F32);
                    c.cpu.random(key, Distribution.UNIFORM, first, u[0]);
                    c.gpu.random(key, Distribution.UNIFORM, first, u[1]);
                    c.expectClose("uniforms " + key + " from " + first, u, 0);
                }));
                out.add(of("philox normal " + key + " from " + first, c -> {
                    Tensor[] z = c.empty(Shape.of(333), DType.F32);
                    c.cpu.random(key, Distribution.NORMAL, first + 1, z[0]);
                    c.gpu.random(key, Distribution.NORMAL, first + 1, z[1]);
                    c.expectClose("normals " + key + " from " + (first + 1), z, 1e-7);
                }));
            }
        }
        return out;
    }

    // ---- selection and conversion ------------------------------------------------------------
    @TestFactory List<DynamicTest> selection() {
        return List.of(
                of("selection iota F32 n=777", c -> {
                    Tensor[] fi = c.empty(Shape.of(777), DType.F32);
                    c.cpu.iota(fi[0]);
                    c.gpu.iota(fi[1]);
                    c.expectClose("iota F32", fi, 0);
                }),
                of("selection iota I32 n=777", c -> {
                    Tensor ii = c.gpuCx.empty(Shape.of(777), DType.I32);
                    c.gpu.iota(ii);
                    int[] n = Host.ints(ii);
                    for (int i = 0; i < n.length; i++) assertEquals(i, n[i], "iota I32");
                }),
                of("selection selectNonzero n=1000", c -> {
                    float[] mask = new float[1000];
                    for (int i = 0; i < mask.length; i++) mask[i] = c.rnd.nextInt(3) == 0 ? 1f : 0f;
                    Tensor[] m = c.both(mask, 1000), idx = c.empty(Shape.of(1000), DType.I32);
                    int count = c.cpu.selectNonzero(m[0], idx[0]);
                    assertEquals(count, c.gpu.selectNonzero(m[1], idx[1]), "selectNonzero count");
                    assertArrayEquals(Arrays.copyOf(Host.ints(idx[0]), count), Arrays.copyOf(Host.ints(idx[1]), count));
                }),
                of("selection cast F32 to BF16 and back n=2049", c -> {
                    float[] v = c.normal(2049);
                    v[0] = Float.NaN;
                    v[1] = 1f + 0x1p-8f; // a tie: rounds to even
                    Tensor[] f = c.both(v, 2049), h = c.empty(Shape.of(2049), DType.BF16), back = c.empty(Shape.of(2049), DType.F32);
                    c.cpu.cast(f[0], h[0]);
                    c.gpu.cast(f[1], h[1]);
                    c.cpu.cast(h[0], back[0]);
                    c.gpu.cast(h[1], back[1]);
                    float[] cv = Host.floats(back[0]), gv = Host.floats(back[1]);
                    for (int i = 0; i < cv.length; i++)
                        assertEquals(Float.floatToIntBits(cv[i]), Float.floatToIntBits(gv[i]), "bf16 round trip of " + v[i]);
                }),
                of("selection cast I32 to F32", c -> {
                    Tensor[] labels = c.both(new int[]{4, -2, 0, 7}), lf = c.empty(Shape.of(4), DType.F32);
                    c.cpu.cast(labels[0], lf[0]);
                    c.gpu.cast(labels[1], lf[1]);
                    c.expectClose("cast I32 → F32", lf, 0);
                }));
    }

    @TestFactory List<DynamicTest> otherDtypes() {
        Shape s = Shape.of(3, 4, 5);
        return List.of(
                of("where fwd I32 [5]", c -> {
                    Tensor[] mask = c.both(new float[]{1, 0, 0, 1, 1}, 5), a = c.both(new int[]{1, 2, 3, 4, 5}), b = c.both(new int[]{-1, -2, -3, -4, -5});
                    Tensor[] o = c.empty(Shape.of(5), DType.I32);
                    Broadcast bc = Broadcast.of("where", Shape.of(5), Shape.of(5));
                    c.cpu.where(mask[0], bc, a[0], b[0], o[0]);
                    c.gpu.where(mask[1], bc, a[1], b[1], o[1]);
                    assertArrayEquals(Host.ints(o[0]), Host.ints(o[1]), "where on I32");
                }),
                of("movement permute BF16 [3,4,5]", c -> {
                    Tensor[] h = bf16(c, s), ph = c.empty(Shape.of(5, 3, 4), DType.BF16);
                    c.cpu.permute(h[0], Permutation.of(2, 0, 1), ph[0]);
                    c.gpu.permute(h[1], Permutation.of(2, 0, 1), ph[1]);
                    c.expectClose("permute BF16", ph, 0);
                }),
                of("movement copyRuns BF16", c -> {
                    Tensor[] h = bf16(c, s), runs = c.empty(Shape.of(40), DType.BF16);
                    c.cpu.fill(runs[0], 0);
                    c.gpu.fill(runs[1], 0);
                    c.cpu.copyRuns(h[0], 2, 20, runs[0], 1, 13, 3, 9, false);
                    c.gpu.copyRuns(h[1], 2, 20, runs[1], 1, 13, 3, 9, false);
                    c.expectClose("copyRuns BF16", runs, 0);
                }),
                of("where fwd BF16 [3,1,1] over [3,4,5]", c -> {
                    Tensor[] h = bf16(c, s), rowMask = c.both(new float[]{0, 1, 1}, 3, 1, 1), hw = c.empty(s, DType.BF16), zero = c.empty(s, DType.BF16);
                    c.cpu.fill(zero[0], 0);
                    c.gpu.fill(zero[1], 0);
                    Broadcast perRow = Broadcast.of("where", s, Shape.of(3, 1, 1));
                    c.cpu.where(rowMask[0], perRow, h[0], zero[0], hw[0]);
                    c.gpu.where(rowMask[1], perRow, h[1], zero[1], hw[1]);
                    c.expectClose("where BF16", hw, 0);
                }));
    }

    /** Normal values of {@code s}, cast to BF16 on each side by that side's kernel. */
    private static Tensor[] bf16(ParityCase c, Shape s) {
        Tensor[] x = c.both(s, c.normal(s.size())), h = c.empty(s, DType.BF16);
        c.cpu.cast(x[0], h[0]);
        c.gpu.cast(x[1], h[1]);
        return h;
    }
}
