package imfengine.backend.cuda.emu;

import imfengine.backend.AttentionSpec;
import imfengine.backend.cuda.emu.EmulatorLibrary.Dim3;
import imfengine.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * The fused kernels (RMSNorm, RoPE, SwiGLU, softmax, attention) through an emulator library against the CPU
 * reference: primal, tangent and backward, with the launch geometry CudaBackend uses and odd sizes that
 * leave partial tiles, warps and blocks.
 */
final class FusedKernelChecks extends EmuHarness {
    /** Attention launch geometry (AttentionGeometry): 8 warps per block, one own row each, tiles of 32. */
    private static final int WARPS = 8, TILE = 32, OPT_IN = 99 * 1024;

    FusedKernelChecks(EmulatorLibrary lib, long seed) { super(lib, seed); }

    Errors rmsnorm() {
        int rows = 21, n = 77;
        float[] xv = normal(rows * n), tv = normal(rows * n), wv = normal(n), dyv = normal(rows * n), dwv = normal(n);
        MemorySegment x = mem.floats(xv), tx = mem.floats(tv), w = mem.floats(wv), dy = mem.floats(dyv), dw = mem.floats(dwv);
        MemorySegment y = mem.zeros(rows * n), y2 = mem.zeros(rows * n), ty = mem.zeros(rows * n), rstd = mem.zeros(rows);
        MemorySegment rstd2 = mem.zeros(rows), dx = mem.zeros(rows * n);
        Dim3 grid = Dim3.of(rows), block = Dim3.of(THREADS);
        launch("rmsnorm_fwd_f32", grid, block, 0, args().ptr(x).ptr(w).f32(1e-6f).ptr(y).ptr(rstd).i32(rows).i32(n));
        launch("rmsnorm_jvp_f32", grid, block, 0, args().ptr(x).ptr(tx).ptr(w).f32(1e-6f).ptr(y2).ptr(ty).ptr(rstd2).i32(rows).i32(n));
        launch("rmsnorm_vjp_f32", grid, block, 0, args().ptr(x).ptr(w).ptr(rstd).ptr(dy).ptr(dx).i32(rows).i32(n));
        launch("rmsnorm_dw_vjp_f32", Dim3.of((n + 31) / 32), Dim3.of(32, 8), 0, args().ptr(x).ptr(rstd).ptr(dy).ptr(dw).i32(rows).i32(n));
        Tensor hx = host(xv, rows, n), hw = host(wv, n), hy = host(new float[rows * n], rows, n), hr = host(new float[rows], rows);
        Tensor hy2 = host(new float[rows * n], rows, n), hty = host(new float[rows * n], rows, n), hr2 = host(new float[rows], rows);
        Tensor hdx = host(new float[rows * n], rows, n), hdw = host(dwv, n);
        cpu.rmsNorm(hx, hw, 1e-6f, hy, hr);
        cpu.rmsNormDual(hx, host(tv, rows, n), hw, 1e-6f, hy2, hty, hr2);
        cpu.rmsNormBackward(hx, hw, hr, host(dyv, rows, n), hdx, hdw);
        return new Errors().add("rmsnorm y", read(y), of(hy)).add("rmsnorm rstd", read(rstd), of(hr))
                .add("rmsnorm jvp y", read(y2), of(hy2)).add("rmsnorm jvp ty", read(ty), of(hty)).add("rmsnorm jvp rstd", read(rstd2), of(hr2))
                .add("rmsnorm vjp dx", read(dx), of(hdx)).add("rmsnorm dw (accumulated)", read(dw), of(hdw));
    }

    Errors rope() {
        Errors e = new Errors();
        int b = 3, len = 7, heads = 3, dh = 10, w = heads * dh, n = b * len * w, rows = b * len, pairs = rows * heads * dh / 2;
        float[] xv = normal(n), tv = normal(n), cv = normal(len * dh / 2), sv = normal(len * dh / 2);
        MemorySegment x = mem.floats(xv), tx = mem.floats(tv), cos = mem.floats(cv), sin = mem.floats(sv);
        Tensor hx = host(xv, b, len, w), hc = host(cv, len, dh / 2), hs = host(sv, len, dh / 2);
        for (boolean inverse : new boolean[]{false, true}) {
            MemorySegment y = mem.zeros(n);
            grid1d("rope_fwd_f32", pairs, args().ptr(x).ptr(cos).ptr(sin).ptr(y).i64(rows).i32(len).i32(heads).i32(dh).f32(inverse ? -1f : 1f));
            Tensor hy = host(new float[n], b, len, w);
            cpu.rope(hx, hc, hs, heads, inverse, hy);
            e.add("rope inverse=" + inverse, read(y), of(hy));
        }
        MemorySegment y = mem.zeros(n), ty = mem.zeros(n);
        grid1d("rope_jvp_f32", pairs, args().ptr(x).ptr(tx).ptr(cos).ptr(sin).ptr(y).ptr(ty).i64(rows).i32(len).i32(heads).i32(dh));
        Tensor hy = host(new float[n], b, len, w), hty = host(new float[n], b, len, w);
        cpu.ropeDual(hx, host(tv, b, len, w), hc, hs, heads, hy, hty);
        return e.add("rope jvp y", read(y), of(hy)).add("rope jvp ty", read(ty), of(hty));
    }

    Errors swiglu() {
        int n = 5003;
        float[] av = normal(n), tav = normal(n), bv = normal(n), tbv = normal(n), dyv = normal(n);
        MemorySegment a = mem.floats(av), ta = mem.floats(tav), b = mem.floats(bv), tb = mem.floats(tbv), dy = mem.floats(dyv);
        MemorySegment y = mem.zeros(n), y2 = mem.zeros(n), ty = mem.zeros(n), da = mem.zeros(n), db = mem.zeros(n);
        grid1d("swiglu_fwd_f32", n, args().ptr(a).ptr(b).ptr(y).i64(n));
        grid1d("swiglu_jvp_f32", n, args().ptr(a).ptr(ta).ptr(b).ptr(tb).ptr(y2).ptr(ty).i64(n));
        grid1d("swiglu_vjp_f32", n, args().ptr(a).ptr(b).ptr(dy).ptr(da).ptr(db).i64(n));
        Tensor ha = host(av, n), hb = host(bv, n), hy = host(new float[n], n), hy2 = host(new float[n], n), hty = host(new float[n], n);
        Tensor hda = host(new float[n], n), hdb = host(new float[n], n);
        cpu.swiglu(ha, hb, hy);
        cpu.swigluDual(ha, host(tav, n), hb, host(tbv, n), hy2, hty);
        cpu.swigluBackward(ha, hb, host(dyv, n), hda, hdb);
        return new Errors().add("swiglu", read(y), of(hy)).add("swiglu jvp y", read(y2), of(hy2)).add("swiglu jvp ty", read(ty), of(hty))
                .add("swiglu vjp da", read(da), of(hda)).add("swiglu vjp db", read(db), of(hdb));
    }

    Errors softmax() {
        int rows = 17, m = 301;
        float[] xv = normal(rows * m), tv = normal(rows * m);
        MemorySegment x = mem.floats(xv), tx = mem.floats(tv), y = mem.zeros(rows * m), y2 = mem.zeros(rows * m);
        MemorySegment ty = mem.zeros(rows * m), dx = mem.zeros(rows * m);
        Dim3 grid = Dim3.of(rows), block = Dim3.of(THREADS);
        launch("softmax_fwd_f32", grid, block, 0, args().ptr(x).ptr(y).i32(rows).i32(m));
        launch("softmax_jvp_f32", grid, block, 0, args().ptr(x).ptr(tx).ptr(y2).ptr(ty).i32(rows).i32(m));
        launch("softmax_vjp_f32", grid, block, 0, args().ptr(y).ptr(tx).ptr(dx).i32(rows).i32(m));
        Tensor hx = host(xv, rows, m), hy = host(new float[rows * m], rows, m), hy2 = host(new float[rows * m], rows, m);
        Tensor hty = host(new float[rows * m], rows, m), hdx = host(new float[rows * m], rows, m);
        cpu.softmax(hx, hy);
        cpu.softmaxDual(hx, host(tv, rows, m), hy2, hty);
        cpu.softmaxBackward(hy, host(tv, rows, m), hdx);
        return new Errors().add("softmax", read(y), of(hy)).add("softmax jvp y", read(y2), of(hy2)).add("softmax jvp ty", read(ty), of(hty))
                .add("softmax vjp", read(dx), of(hdx));
    }

    /** Forward only: the cheapest attention check (the mutant tests use it). */
    Errors attentionForward(int batch, int len, int heads, int dh) { return attention(batch, len, heads, dh, false); }

    /** Forward, tangent and backward of attention on q, k, v [B, L, H·Dh]. */
    Errors attention(int batch, int len, int heads, int dh) { return attention(batch, len, heads, dh, true); }

    private Errors attention(int batch, int len, int heads, int dh, boolean all) {
        AttentionSpec s = new AttentionSpec(batch, len, heads, dh, (float) (1 / Math.sqrt(dh)));
        int n = (int) s.elements(), nl = batch * heads * len;
        int[] d = {batch, len, heads * dh};
        String tag = " B=" + batch + " L=" + len + " H=" + heads + " Dh=" + dh;
        float[] qv = normal(n), kv = normal(n), vv = normal(n), tqv = normal(n), tkv = normal(n), tvv = normal(n), dov = normal(n);
        MemorySegment q = mem.floats(qv), k = mem.floats(kv), v = mem.floats(vv), o = mem.zeros(n), lse = mem.zeros(nl);
        Tensor hq = host(qv, d), hk = host(kv, d), hv = host(vv, d), ho = host(new float[n], d), hl = host(new float[nl], batch, heads, len);
        attentionLaunch("attention_fwd_f32", s, 2, 8, 0, args().ptr(q).ptr(k).ptr(v).ptr(o).ptr(lse));
        cpu.attention(s, hq, hk, hv, ho, hl);
        Errors e = new Errors().add("attention o" + tag, read(o), of(ho)).add("attention lse" + tag, read(lse), of(hl));
        if (!all) return e;

        MemorySegment tq = mem.floats(tqv), tk = mem.floats(tkv), tv = mem.floats(tvv), o2 = mem.zeros(n), to = mem.zeros(n), lse2 = mem.zeros(nl);
        attentionLaunch("attention_jvp_f32", s, 4, 16, 0, args().ptr(q).ptr(tq).ptr(k).ptr(tk).ptr(v).ptr(tv).ptr(o2).ptr(to).ptr(lse2));
        Tensor ho2 = host(new float[n], d), hto = host(new float[n], d), hl2 = host(new float[nl], batch, heads, len);
        cpu.attentionDual(s, hq, host(tqv, d), hk, host(tkv, d), hv, host(tvv, d), ho2, hto, hl2);
        e.add("attention jvp o" + tag, read(o2), of(ho2)).add("attention jvp to" + tag, read(to), of(hto)).add("attention jvp lse" + tag, read(lse2), of(hl2));

        MemorySegment dO = mem.floats(dov), dq = mem.zeros(n), dk = mem.zeros(n), dv = mem.zeros(n), dbuf = mem.zeros(nl);
        attentionLaunch("attention_dq_vjp_f32", s, 2, 16, 0, args().ptr(q).ptr(k).ptr(v).ptr(o).ptr(lse).ptr(dO).ptr(dq).ptr(dbuf));
        attentionLaunch("attention_dkdv_vjp_f32", s, 2, 16, 2 * TILE, args().ptr(q).ptr(k).ptr(v).ptr(lse).ptr(dO).ptr(dbuf).ptr(dk).ptr(dv));
        Tensor hdq = host(new float[n], d), hdk = host(new float[n], d), hdv = host(new float[n], d);
        cpu.attentionBackward(s, hq, hk, hv, ho, hl, host(dov, d), hdq, hdk, hdv);
        return e.add("attention dq" + tag, read(dq), of(hdq)).add("attention dk" + tag, read(dk), of(hdk)).add("attention dv" + tag, read(dv), of(hdv));
    }

    /** As CudaBackend.launchAttention: grid (ceil(L/8), B·H), 256 threads, opting in above 48 KiB as Launcher does. */
    private void attentionLaunch(String kernel, AttentionSpec s, int tiles, int rowSlots, int extraFloats, LaunchParams a) {
        int shared = Float.BYTES * (tiles * TILE * (s.headDim() + 1) + rowSlots * s.headDim() + extraFloats);
        if (shared > 48 * 1024) lib.setMaxDynamicShared(kernel, OPT_IN);
        launch(kernel, Dim3.of((s.length() + WARPS - 1) / WARPS, s.batch() * s.heads()), Dim3.of(32 * WARPS), shared,
                a.i32(s.length()).i32(s.heads()).i32(s.headDim()).f32(s.scale()));
    }
}
