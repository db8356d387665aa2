package imfengine.testing;

/** Small float64 helpers for reference implementations and error measures. */
public final class Ref {
    private Ref() {}

    /** {@code ‖a − b‖₂ / ‖b‖₂} (absolute when {@code b} is zero). */
    public static double relErr(float[] a, double[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < b.length; i++) {
            double d = a[i] - b[i];
            num += d * d;
            den += b[i] * b[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    public static double relErr(float[] a, float[] b) {
        return relErr(a, toDouble(b));
    }

    public static double relErr(double a, double b) {
        return b == 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b);
    }

    public static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    public static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }
}
