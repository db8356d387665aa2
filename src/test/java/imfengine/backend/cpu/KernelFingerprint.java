package imfengine.backend.cpu;

import imfengine.backend.AdamWStep;
import imfengine.backend.AttentionSpec;
import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.backend.GemmSpec;
import imfengine.backend.UnaryOp;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Every CPU kernel family (SIMD path, 2 threads) on fixed inputs, one SHA-256 of the output bits per
 * family. Sizes are off the vector length, so the scalar tails run too, and some are large enough to
 * split over both threads (split-k GEMM, two-chunk sums and RMSNorm weight gradients, an elementwise
 * split that falls inside a vector). {@link JitTierTest} runs this in a JVM that only interprets
 * ({@code -Xint}: the Vector API's Java fallbacks) and in one where the kernels have been compiled (C2
 * intrinsics) and requires the same bits from both.
 *
 * <p>usage: {@code KernelFingerprint ROUNDS FILE}: writes {@code cold FAMILY HASH} lines for the first
 * round and, when ROUNDS > 1, {@code hot FAMILY HASH} lines for the last to FILE (not to stdout, where
 * the JVM's own {@code -XX:+PrintCompilation} lines could break into them).
 */
final class KernelFingerprint {
    private final WorkerPool pool = new WorkerPool(2);
    private final Map<String, MessageDigest> digests = new LinkedHashMap<>();
    /** Warm-up rounds only run the kernels. */
    private final boolean hash;

    private KernelFingerprint(boolean hash) { this.hash = hash; }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        Map<String, String> cold = new KernelFingerprint(true).run(), hot = cold;
        for (int i = 2; i < rounds; i++) new KernelFingerprint(false).run();
        if (rounds > 1) hot = new KernelFingerprint(true).run();
        List<String> lines = new ArrayList<>();
        cold.forEach((family, hash) -> lines.add("cold " + family + " " + hash));
        if (rounds > 1) hot.forEach((family, hash) -> lines.add("hot " + family + " " + hash));
        Files.write(Path.of(args[1]), lines);
    }

    Map<String, String> run() throws Exception {
        gemm();
        attention();
        rmsNorm();
        softmax();
        reductions();
        elementwise();
        swiglu();
        rope();
        optimizer();
        timestep();
        Map<String, String> out = new LinkedHashMap<>();
        digests.forEach((family, d) -> out.put(family, HexFormat.of().formatHex(d.digest())));
        return out;
    }

    private void gemm() {
        CpuGemm g = new CpuGemm(pool, true);
        float[] a = values(37 * 53, 1), b = values(53 * 29, 2), c = values(37 * 29, 3);
        g.gemm(GemmSpec.of(37, 29, 53, false, false, 1f, 0f), a, b, c);
        record("gemm", c);
        float[] at = values(53 * 37, 4), c2 = values(37 * 29, 5);
        g.gemm(GemmSpec.of(37, 29, 53, true, false, 0.5f, 0.25f), at, b, c2);
        record("gemm", c2);
        // a weight gradient's shape: small C over a long k, split across the threads
        float[] x = values(640 * 24, 6), dy = values(640 * 20, 7), dw = new float[24 * 20];
        g.gemm(GemmSpec.of(24, 20, 640, true, false, 1f, 0f), x, dy, dw);
        record("gemm", dw);
        float[] ba = values(5 * 9 * 13, 8), bb = values(5 * 13 * 17, 9), bc = new float[5 * 9 * 17];
        g.gemm(GemmSpec.batched(5, 9, 17, 13, false, true, 1f, 0f), ba, bb, bc);
        record("gemm", bc);
    }

    private void attention() {
        // Dh 40: two vectors and a tail of 8 with 16 lanes (the paired AVX-512 kernels), five vectors with 8
        attention(new AttentionSpec(2, 13, 2, 40, (float) (1 / Math.sqrt(40))));
        // 69 keys: five key vectors with 16 lanes (AttentionSimd.scoresFive), nine with 8
        attention(new AttentionSpec(1, 69, 1, 32, (float) (1 / Math.sqrt(32))));
    }

    private void attention(AttentionSpec s) {
        CpuAttention att = new CpuAttention(pool, true);
        int n = (int) s.elements(), l = s.batch() * s.heads() * s.length();
        float[] q = values(n, 10), k = values(n, 11), v = values(n, 12), tq = values(n, 13), tk = values(n, 14), tv = values(n, 15);
        float[] o = new float[n], to = new float[n], lse = new float[l];
        att.forward(s, q, k, v, o, lse);
        record("attention", o, lse);
        att.dual(s, q, tq, k, tk, v, tv, o, to, lse);
        record("attention", o, to, lse);
        float[] dO = values(n, 16), dq = new float[n], dk = new float[n], dv = new float[n];
        att.backward(s, q, k, v, o, lse, dO, dq, dk, dv);
        record("attention", dq, dk, dv);
    }

    private void rmsNorm() {
        CpuRmsNorm norm = new CpuRmsNorm(pool, true);
        int rows = 400, n = 101; // rows·n > 2·2¹⁴: the weight gradient sums two row chunks
        float[] x = values(rows * n, 20), tx = values(rows * n, 21), w = values(n, 22), y = new float[rows * n], ty = new float[rows * n];
        float[] rstd = new float[rows];
        norm.forward(x, w, 0, 1e-6f, y, rstd, rows, n);
        record("rmsnorm", y, rstd);
        norm.dual(x, tx, w, 0, 1e-6f, y, ty, rstd, rows, n);
        record("rmsnorm", y, ty, rstd);
        float[] dy = values(rows * n, 23), dx = new float[rows * n], dw = values(n, 24);
        norm.backward(x, w, 0, rstd, dy, dx, false, dw, rows, n);
        record("rmsnorm", dx, dw);
    }

    private void softmax() {
        CpuSoftmax sm = new CpuSoftmax(pool, true);
        int rows = 9, n = 45;
        float[] x = scaled(values(rows * n, 30), 8), tx = values(rows * n, 31), y = new float[rows * n], ty = new float[rows * n];
        sm.forward(x, y, rows, n);
        record("softmax", y);
        sm.dual(x, tx, y, ty, rows, n);
        record("softmax", y, ty);
        float[] dx = new float[rows * n];
        sm.backward(y, tx, dx, rows, n);
        record("softmax", dx);
    }

    private void reductions() {
        CpuReductions r = new CpuReductions(pool, true);
        float[] x = values(5 * 43, 40), rows = new float[5];
        r.sumRows(x, 5, 43, rows);
        record("reductions", rows);
        float[] big = values(40_003, 41); // two chunks of partial sums
        record("reductions", new float[] {(float) r.sumAll(big, big.length)});
        float[] cols = new float[50];
        r.reduceBroadcast(values(700 * 50, 42), new Broadcast(700, 50, 1), cols);
        float[] mid = new float[4];
        r.reduceBroadcast(values(3 * 4 * 37, 43), new Broadcast(3, 4, 37), mid);
        record("reductions", cols, mid);
    }

    private void elementwise() {
        CpuElementwise e = new CpuElementwise(pool, true);
        int n = 1003;
        float[] x = scaled(values(n, 50), 6), pos = values(n, 51), g = values(n, 52), out = new float[n], d = new float[n];
        for (int i = 0; i < n; i++) pos[i] = Math.abs(pos[i]) + 0.1f;
        for (UnaryOp op : UnaryOp.values()) {
            float[] in = op == UnaryOp.RSQRT ? pos : x;
            e.unary(op, in, 0, out, 0, n);
            e.unaryDerivative(op, in, 0, out, 0, g, 0, d, 0, n);
            record("elementwise", out, d);
        }
        float[] b = values(n, 53), row = values(17, 54);
        for (BinaryOp op : BinaryOp.values()) {
            e.binary(op, x, 0, op == BinaryOp.DIV ? pos : b, 0, new Broadcast(1, n, 1), out, 0);
            record("elementwise", out);
            e.binary(op, x, 0, op == BinaryOp.DIV ? pos : row, 0, new Broadcast(59, 17, 1), d, 0);
            record("elementwise", d);
            e.binary(op, x, 0, op == BinaryOp.DIV ? pos : row, 0, new Broadcast(1, 17, 59), d, 0); // one b value per run of 59
            record("elementwise", d);
        }
        e.axpby(0.3f, x, 0, -1.7f, b, 0, out, 0, n);
        record("elementwise", out);
        // two chunks whose boundary (16500) falls inside a vector: the vector body and scalar tail meet there
        float[] wide = scaled(values(33_001, 55), 6), wideOut = new float[33_001];
        e.unary(UnaryOp.SIGMOID, wide, 0, wideOut, 0, wide.length);
        record("elementwise", wideOut);
    }

    private void swiglu() {
        CpuSwiglu s = new CpuSwiglu(pool, true);
        int n = 1003;
        float[] a = scaled(values(n, 60), 6), ta = values(n, 61), b = values(n, 62), tb = values(n, 63), y = new float[n], ty = new float[n];
        s.forward(a, b, y, n);
        record("swiglu", y);
        s.dual(a, ta, b, tb, y, ty, n);
        record("swiglu", y, ty);
        float[] dy = values(n, 64), da = new float[n], db = new float[n];
        s.backward(a, b, dy, da, db, n);
        record("swiglu", da, db);
    }

    private void rope() {
        CpuRope r = new CpuRope(pool, true);
        int seq = 13, heads = 2, dh = 12, rows = 2 * seq, n = rows * heads * dh;
        float[] cos = new float[seq * dh / 2], sin = new float[seq * dh / 2];
        for (int i = 0; i < cos.length; i++) { cos[i] = (float) Math.cos(0.1 * i); sin[i] = (float) Math.sin(0.1 * i); }
        float[] x = values(n, 70), tx = values(n, 71), y = new float[n], ty = new float[n];
        r.apply(x, cos, sin, rows, seq, heads, dh, false, y);
        record("rope", y);
        r.apply(x, cos, sin, rows, seq, heads, dh, true, y);
        record("rope", y);
        r.dual(x, tx, cos, sin, rows, seq, heads, dh, y, ty);
        record("rope", y, ty);
        normRope(seq, heads, dh);
        normRope(seq, 3, 32); // whole vectors, and groups of four rows across positions
    }

    /** The QK-norm with its rows turned ({@link HeadRotation}): forward, dual, backward; recorded with the rope. */
    private void normRope(int seq, int heads, int dh) {
        CpuRmsNorm norm = new CpuRmsNorm(pool, true);
        int rows = 2 * seq * heads, n = rows * dh;
        float[] cos = new float[seq * dh / 2], sin = new float[seq * dh / 2];
        for (int i = 0; i < cos.length; i++) { cos[i] = (float) Math.cos(0.1 * i); sin[i] = (float) Math.sin(0.1 * i); }
        float[] x = values(n, 74), tx = values(n, 75), w = values(dh, 76), y = new float[n], ty = new float[n], rstd = new float[rows];
        norm.forward(x, w, 0, 1e-6f, y, rstd, rows, dh, new HeadRotation(cos, sin, seq, heads, dh, false));
        record("rope", y, rstd);
        norm.dual(x, tx, w, 0, 1e-6f, y, ty, rstd, rows, dh, new HeadRotation(cos, sin, seq, heads, dh, false));
        record("rope", y, ty, rstd);
        float[] dx = new float[n], dw = values(dh, 77);
        norm.backward(x, w, 0, rstd, tx, dx, false, dw, rows, dh, new HeadRotation(cos, sin, seq, heads, dh, true));
        record("rope", dx, dw);
    }

    private void optimizer() {
        CpuOptimizer o = new CpuOptimizer(pool);
        int n = 1003;
        float[] p = values(n, 80), g = values(n, 81), m = values(n, 82), v = values(n, 83), ema = values(n, 84);
        for (int i = 0; i < n; i++) v[i] = Math.abs(v[i]);
        o.adamw(p, g, m, v, new AdamWStep(1e-3f, 0.9f, 0.95f, 1e-8f, 0.01f, 7), n);
        o.ema(ema, p, 0.99f, n);
        record("optimizer", p, m, v, ema);
    }

    private void timestep() {
        CpuTimestep t = new CpuTimestep(pool);
        float[] s = values(5, 90), out = new float[5 * 24];
        t.features(s, 0, 5, 24, 10_000f, false, out);
        record("timestep", out);
        t.features(s, 0, 5, 24, 10_000f, true, out);
        record("timestep", out);
    }

    // ---- helpers -----------------------------------------------------------------------------
    private static float[] values(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = r.nextFloat() * 2 - 1;
        return x;
    }

    private static float[] scaled(float[] x, float f) {
        for (int i = 0; i < x.length; i++) x[i] *= f;
        return x;
    }

    private void record(String family, float[]... outputs) {
        if (!hash) return;
        MessageDigest d = digests.computeIfAbsent(family, f -> {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        });
        for (float[] o : outputs) {
            ByteBuffer bb = ByteBuffer.allocate(4 * o.length);
            for (float v : o) bb.putInt(Float.floatToRawIntBits(v));
            d.update(bb.array());
        }
    }
}
