package imfengine.ops;

import imfengine.backend.Backend;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * The angles of rotary embedding as {@code cos, sin [L, Dh/2]}: {@code θ[l, i] = l·base^(−2i/Dh)},
 * positions {@code 0..L−1}, base 10000 (the authors' {@code RoPE}). Computed once in float64 on the host
 * and uploaded when the model is built; its tensors belong to the model (never released while it lives).
 */
public record RopeTable(Tensor cos, Tensor sin, int seqLen, int headDim) {
    public static final double DEFAULT_BASE = 10000.0;

    public RopeTable {
        if (headDim <= 0 || headDim % 2 != 0) throw new IllegalArgumentException("rope table: head width " + headDim + " must be even and positive");
        Shape want = Shape.of(seqLen, headDim / 2);
        if (!cos.shape().equals(want) || !sin.shape().equals(want))
            throw new IllegalArgumentException("rope table: cos " + cos.shape() + " / sin " + sin.shape() + " must be " + want);
    }

    public static RopeTable of(Backend be, int seqLen, int headDim) { return of(be, seqLen, headDim, DEFAULT_BASE); }

    public static RopeTable of(Backend be, int seqLen, int headDim, double base) {
        if (seqLen <= 0 || headDim <= 0 || headDim % 2 != 0)
            throw new IllegalArgumentException("rope table: need L > 0 and an even Dh > 0, got L=" + seqLen + " Dh=" + headDim);
        int half = headDim / 2;
        float[] c = new float[seqLen * half], s = new float[seqLen * half];
        for (int i = 0; i < half; i++) {
            double freq = Math.pow(base, -2.0 * i / headDim);
            for (int l = 0; l < seqLen; l++) {
                double theta = l * freq;
                c[l * half + i] = (float) Math.cos(theta);
                s[l * half + i] = (float) Math.sin(theta);
            }
        }
        Shape sh = Shape.of(seqLen, half);
        Tensor cos = be.allocate(sh, DType.F32), sin = be.allocate(sh, DType.F32);
        be.upload(c, cos);
        be.upload(s, sin);
        return new RopeTable(cos, sin, seqLen, headDim);
    }
}
