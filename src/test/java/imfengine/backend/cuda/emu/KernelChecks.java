package imfengine.backend.cuda.emu;

import imfengine.backend.AdamWStep;
import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.backend.UnaryOp;
import imfengine.backend.cuda.emu.EmulatorLibrary.Dim3;
import imfengine.random.Philox;
import imfengine.random.RandomStream;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The element-wise, reduction, movement, timestep, optimizer and Philox kernels: the same inputs through an
 * emulator library (arguments packed by hand as CudaBackend packs them) and through the CPU reference.
 * Sizes are odd so that grids end in partial blocks and warps. Each check returns the errors per output.
 */
final class KernelChecks extends EmuHarness {
    KernelChecks(EmulatorLibrary lib, long seed) { super(lib, seed); }

    Errors elementwise() {
        Errors e = new Errors();
        int n = 4099;
        for (UnaryOp op : UnaryOp.values()) {
            float[] xv = op == UnaryOp.RSQRT ? positive(n) : normal(n), gv = normal(n);
            MemorySegment x = mem.floats(xv), y = mem.zeros(n), g = mem.floats(gv), d = mem.zeros(n);
            grid1d("unary_fwd_f32", n, args().i32(op.ordinal()).ptr(x).ptr(y).i64(n));
            grid1d("unary_vjp_f32", n, args().i32(op.ordinal()).ptr(x).ptr(y).ptr(g).ptr(d).i64(n));
            Tensor hx = host(xv, n), hy = host(new float[n], n), hd = host(new float[n], n);
            cpu.unary(op, hx, hy);
            cpu.unaryDerivative(op, hx, hy, host(gv, n), hd);
            e.add(op + " forward", read(y), of(hy)).add(op + " derivative", read(d), of(hd));
        }
        int[][][] cases = {{{5, 7, 9}, {5, 7, 9}}, {{5, 7, 9}, {9}}, {{5, 7, 9}, {5, 1, 1}}, {{5, 7, 9}, {7, 1}}};
        for (BinaryOp op : BinaryOp.values())
            for (int[][] c : cases) {
                Shape sa = Shape.of(c[0]), sb = Shape.of(c[1]);
                Broadcast bc = Broadcast.of(op.name(), sa, sb);
                float[] av = normal(sa.size()), bv = op == BinaryOp.DIV ? awayFromZero(sb.size()) : normal(sb.size());
                MemorySegment a = mem.floats(av), b = mem.floats(bv), out = mem.zeros((int) sa.size());
                grid1d("binary_fwd_f32", bc.total(), args().i32(op.ordinal()).ptr(a).ptr(b).i64(bc.n()).i64(bc.inner()).ptr(out).i64(bc.total()));
                Tensor ho = host(new float[(int) sa.size()], sa);
                cpu.binary(op, host(av, sa), host(bv, sb), bc, ho);
                e.add(op + " " + sb + " over " + sa, read(out), of(ho));
            }
        float[] xv = normal(3001), yv = normal(3001);
        MemorySegment x = mem.floats(xv), y = mem.floats(yv), out = mem.zeros(3001), out0 = mem.zeros(3001);
        grid1d("axpby_fwd_f32", 3001, args().f32(0.7f).ptr(x).f32(-1.3f).ptr(y).ptr(out).i64(3001));
        grid1d("axpby_fwd_f32", 3001, args().f32(2f).ptr(x).f32(0f).ptr(0L).ptr(out0).i64(3001));
        Tensor ho = host(new float[3001], 3001), ho0 = host(new float[3001], 3001);
        cpu.axpby(0.7f, host(xv, 3001), -1.3f, host(yv, 3001), ho);
        cpu.axpby(2f, host(xv, 3001), 0f, null, ho0);
        e.add("axpby", read(out), of(ho)).add("axpby without y", read(out0), of(ho0));
        float[] mv = new float[7];
        for (int i = 0; i < 7; i++) mv[i] = i % 3 == 0 ? 1f : 0f;
        Shape sa = Shape.of(7, 3, 143), sm = Shape.of(7, 1, 1);
        Broadcast bc = Broadcast.of("where", sa, sm);
        float[] av = normal(3003), bv = normal(3003);
        MemorySegment w = mem.zeros(3003);
        grid1d("where_fwd_f32", bc.total(), args().ptr(mem.floats(mv)).i64(bc.n()).i64(bc.inner()).ptr(mem.floats(av))
                .ptr(mem.floats(bv)).ptr(w).i64(bc.total()));
        Tensor hw = host(new float[3003], sa);
        cpu.where(host(mv, sm), bc, host(av, sa), host(bv, sa), hw);
        return e.add("where", read(w), of(hw));
    }

    Errors reductions() {
        Errors e = new Errors();
        int rows = 13, n = 37;
        float[] xv = normal(rows * n);
        MemorySegment sums = mem.zeros(rows);
        launch("sum_rows_fwd_f32", Dim3.of(rows), Dim3.of(THREADS), 0, args().ptr(mem.floats(xv)).ptr(sums).i32(rows).i32(n));
        Tensor hs = host(new float[rows], rows);
        cpu.sumLastAxis(host(xv, rows, n), hs);
        e.add("sum_rows", read(sums), of(hs));

        float[] big = normal(100_003);
        MemorySegment all = mem.zeros(1);
        launch("sum_all_fwd_f32", Dim3.of(1), Dim3.of(1024), 0, args().ptr(mem.floats(big)).ptr(all).i64(big.length));
        Tensor ha = host(new float[1], 1);
        cpu.sumAll(host(big, big.length), ha);
        e.add("sum_all", read(all), of(ha));

        Shape sg = Shape.of(19, 45);
        float[] gv = normal(sg.size());
        MemorySegment cols = mem.zeros(45);
        launch("reduce_cols_vjp_f32", Dim3.of((45 + 31) / 32), Dim3.of(32, 8), 0, args().ptr(mem.floats(gv)).ptr(cols).i32(19).i32(45));
        Tensor hc = host(new float[45], 45);
        cpu.reduceBroadcast(host(gv, sg), Broadcast.of("r", sg, Shape.of(45)), hc);
        e.add("reduce_cols", read(cols), of(hc));

        Shape s3 = Shape.of(6, 5, 33);
        Broadcast bc = Broadcast.of("r", s3, Shape.of(5, 1));
        float[] g3 = normal(s3.size());
        MemorySegment per = mem.zeros(5);
        launch("reduce_broadcast_vjp_f32", Dim3.of(5), Dim3.of(THREADS), 0,
                args().ptr(mem.floats(g3)).ptr(per).i64(bc.outer()).i64(bc.n()).i64(bc.inner()));
        Tensor hp = host(new float[5], 5);
        cpu.reduceBroadcast(host(g3, s3), bc, hp);
        return e.add("reduce_broadcast", read(per), of(hp));
    }

    Errors movement() {
        Errors e = new Errors();
        int[] dims = {2, 3, 5, 2, 4, 3}, perm = {0, 1, 3, 2, 4, 5};
        Shape s = Shape.of(dims);
        float[] xv = normal(s.size());
        MemorySegment out = mem.zeros((int) s.size());
        long[] inStride = new long[dims.length], geom = new long[17];  // PermGeom: od[8], st[8], rank
        long st = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            inStride[i] = st;
            st *= dims[i];
        }
        for (int i = 0; i < 8; i++) geom[i] = 1;
        for (int i = 0; i < dims.length; i++) { geom[i] = dims[perm[i]]; geom[8 + i] = inStride[perm[i]]; }
        geom[16] = dims.length;
        grid1d("permute_fwd_f32", s.size(), args().ptr(mem.floats(xv)).ptr(out).struct(geom).i64(s.size()));
        Tensor ho = host(new float[(int) s.size()], s);
        cpu.permute(host(xv, s), perm, ho);
        e.add("permute", read(out), of(ho));

        for (boolean acc : new boolean[]{false, true}) {
            float[] sv = normal(500), dv = normal(600);
            MemorySegment dst = mem.floats(dv);
            grid1d("copy_runs_fwd_f32", 11L * 29, args().ptr(mem.floats(sv)).i64(3).i64(41).ptr(dst).i64(5).i64(47).i64(11).i64(29)
                    .i32(acc ? 1 : 0));
            Tensor hd = host(dv, 600);
            cpu.copyRuns(host(sv, 500), 3, 41, hd, 5, 47, 11, 29, acc);
            e.add("copy_runs accumulate=" + acc, read(dst), of(hd));
        }
        int[] idx = {4, 0, 4, 9, 2, 2, 2, 7};
        float[] table = normal(130), gv = normal(8 * 13), tg = normal(130);
        MemorySegment rows = mem.zeros(8 * 13), grad = mem.floats(tg), dIdx = mem.ints(idx);
        grid1d("gather_rows_fwd_f32", 8 * 13, args().ptr(mem.floats(table)).ptr(dIdx).ptr(rows).i64(8).i64(13));
        grid1d("scatter_add_rows_vjp_f32", 8 * 13, args().ptr(mem.floats(gv)).ptr(dIdx).ptr(grad).i64(8).i64(13));
        Tensor hr = host(new float[8 * 13], 8, 13), hg = host(tg, 10, 13);
        cpu.gatherRows(host(table, 10, 13), idx, hr);
        cpu.scatterAddRows(host(gv, 8, 13), idx, hg);
        return e.add("gather_rows", read(rows), of(hr)).add("scatter_add_rows (repeated indices)", read(grad), of(hg));
    }

    Errors timestep() {
        Errors e = new Errors();
        float[] sv = new float[9];
        for (int i = 0; i < sv.length; i++) sv[i] = (float) (1000 * rnd.nextDouble());
        for (boolean deriv : new boolean[]{false, true}) {
            MemorySegment out = mem.zeros(9 * 66);
            grid1d(deriv ? "timestep_jvp_f32" : "timestep_fwd_f32", 9 * 33,
                    args().ptr(mem.floats(sv)).ptr(out).i64(9).i32(33).f64(Math.log(10000f)));
            Tensor ho = host(new float[9 * 66], 9, 66);
            cpu.timestepFeatures(host(sv, 9), 10000f, deriv, ho);
            e.add("timestep derivative=" + deriv, read(out), of(ho));
        }
        return e;
    }

    Errors optimizer() {
        int n = 4097;
        float[] pv = normal(n), gv = normal(n), mv = normal(n), vv = positive(n), ev = normal(n);
        MemorySegment p = mem.floats(pv), m = mem.floats(mv), v = mem.floats(vv), ema = mem.floats(ev);
        AdamWStep st = new AdamWStep(1e-3f, 0.9f, 0.95f, 1e-8f, 0.01f, 7);
        grid1d("adamw_fwd_f32", n, args().ptr(p).ptr(mem.floats(gv)).ptr(m).ptr(v).f32(st.lr()).f32(st.beta1()).f32(st.beta2())
                .f32(st.eps()).f32(st.weightDecay()).f32((float) (1 / st.biasCorrection1())).f32((float) (1 / st.biasCorrection2())).i64(n));
        grid1d("ema_fwd_f32", n, args().ptr(ema).ptr(p).f32(0.999f).i64(n));
        Tensor hp = host(pv, n), hm = host(mv, n), hv = host(vv, n), he = host(ev, n);
        cpu.adamw(hp, host(gv, n), hm, hv, st);
        cpu.emaUpdate(he, hp, 0.999f);
        return new Errors().add("adamw param", read(p), of(hp)).add("adamw m", read(m), of(hm)).add("adamw v", read(v), of(hv))
                .add("ema", read(ema), of(he));
    }

    /** Philox draws must equal the host's bit for bit; returns the number of words, uniforms and normals that differ. */
    int philoxMismatches() {
        long seed = 0x1234_5678_9ABCL, stream = 3 * 64 + 2, first = (1L << 32) - 500;  // crosses the 32-bit counter boundary
        int blocks = 1000, bad = 0;
        MemorySegment words = mem.allocate(4L * blocks * Integer.BYTES), u = mem.zeros(1001), z = mem.zeros(1001);
        grid1d("philox_words_fwd_u32", blocks, philox(args().ptr(words).i64(blocks).u64(first), seed, stream));
        grid1d("philox_uniform_fwd_f32", 1001, philox(args().ptr(u).i64(1001).u64(0), seed, stream).f32(-2f).f32(3f));
        grid1d("philox_normal_fwd_f32", 1001, philox(args().ptr(z).i64(1001).u64(0), seed, stream));
        int[] block = new int[4];
        for (int i = 0; i < blocks; i++) {
            long c = first + i;
            Philox.block((int) c, (int) (c >>> 32), (int) stream, (int) (stream >>> 32), (int) seed, (int) (seed >>> 32), block);
            for (int w = 0; w < 4; w++) if (words.getAtIndex(ValueLayout.JAVA_INT, 4L * i + w) != block[w]) bad++;
        }
        float[] hu = new float[1001], hz = new float[1001], eu = read(u), ez = read(z);
        new RandomStream(seed, stream).fillUniform(hu, -2f, 3f);
        new RandomStream(seed, stream).fillNormal(hz);
        for (int i = 0; i < 1001; i++) {
            if (Float.floatToRawIntBits(hu[i]) != Float.floatToRawIntBits(eu[i])) bad++;
            if (!(Math.abs(hz[i] - ez[i]) <= 1e-6 * Math.max(1, Math.abs(hz[i])))) bad++;  // float64 log/cos on both sides
        }
        return bad;
    }

    private static LaunchParams philox(LaunchParams a, long seed, long stream) {
        return a.u32((int) stream).u32((int) (stream >>> 32)).u32((int) seed).u32((int) (seed >>> 32));
    }
}
