package imfengine.eval;

import java.util.stream.IntStream;

/**
 * Eigenvalues of a real symmetric matrix in float64: Householder reduction to tridiagonal form, then the
 * implicit QL iteration with Wilkinson-style shifts (the EISPACK tred/tql pair, without eigenvectors, as in
 * JAMA's {@code tql2}). About {@code 2n³} flops, all in the reduction, whose rows run in parallel: a
 * 2048×2048 covariance takes seconds. Row-major {@code double[n·n]}, which is overwritten.
 */
public final class SymmetricEigenvalues {
    private SymmetricEigenvalues() {}

    /** The eigenvalues (ascending) of the symmetric {@code a [n, n]}; {@code a} is destroyed. */
    public static double[] of(double[] a, int n) {
        if (a.length != (long) n * n) throw new IllegalArgumentException("eigenvalues: " + a.length + " values are not a " + n + "×" + n + " matrix");
        double[] d = new double[n], e = new double[n];
        tridiagonalize(a, n, d, e);
        ql(d, e);
        java.util.Arrays.sort(d);
        return d;
    }

    /**
     * {@code Hₖ ⋯ H₀ A H₀ ⋯ Hₖ} tridiagonal: diagonal {@code d}, {@code e[i]} couples {@code i} and {@code i + 1}
     * ({@code e[n−1] = 0}). Step k: {@code H = I − τ v vᵀ} maps column k below the diagonal onto
     * {@code α e₁}; the trailing block becomes {@code B − v wᵀ − w vᵀ} with {@code p = τ B v},
     * {@code w = p − (τ vᵀp / 2) v}. The full symmetric block is kept, so row k is column k.
     */
    static void tridiagonalize(double[] a, int n, double[] d, double[] e) {
        double[] v = new double[n], p = new double[n];
        for (int k = 0; k < n - 2; k++) {
            int m = n - k - 1, row = k * n + k + 1;
            double sigma2 = 0;
            for (int i = 0; i < m; i++) sigma2 += a[row + i] * a[row + i];
            d[k] = a[k * n + k];
            if (sigma2 == 0) { e[k] = 0; continue; }
            double x0 = a[row], sigma = Math.sqrt(sigma2), alpha = x0 > 0 ? -sigma : sigma;
            for (int i = 0; i < m; i++) v[i] = a[row + i];
            v[0] -= alpha;
            double tau = 2 / (2 * sigma2 - 2 * x0 * alpha);
            e[k] = alpha;
            int k1 = k + 1;
            IntStream.range(0, m).parallel().forEach(i -> { // p = τ B v
                int r = (k1 + i) * n + k1;
                double s = 0;
                for (int j = 0; j < m; j++) s += a[r + j] * v[j];
                p[i] = tau * s;
            });
            double vp = 0;
            for (int i = 0; i < m; i++) vp += v[i] * p[i];
            double half = tau * vp / 2;
            for (int i = 0; i < m; i++) p[i] -= half * v[i]; // p is now w
            IntStream.range(0, m).parallel().forEach(i -> { // B −= v wᵀ + w vᵀ
                int r = (k1 + i) * n + k1;
                double vi = v[i], wi = p[i];
                for (int j = 0; j < m; j++) a[r + j] -= vi * p[j] + wi * v[j];
            });
        }
        if (n >= 2) {
            d[n - 2] = a[(n - 2) * n + n - 2];
            e[n - 2] = a[(n - 2) * n + n - 1];
        }
        if (n >= 1) d[n - 1] = a[n * n - 1];
        if (n >= 1) e[n - 1] = 0;
    }

    /** The implicit QL iteration on the tridiagonal {@code (d, e)}: {@code d} becomes the eigenvalues. */
    static void ql(double[] d, double[] e) {
        int n = d.length;
        double f = 0, tst1 = 0, eps = Math.ulp(1.0);
        for (int l = 0; l < n; l++) {
            tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
            int m = l;
            while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++; // e[n − 1] = 0 ends the search
            if (m > l) {
                int iter = 0;
                do {
                    if (++iter > 60) throw new ArithmeticException("eigenvalues: the QL iteration did not converge (a non-finite matrix?)");
                    double g = d[l], p = (d[l + 1] - g) / (2 * e[l]), r = Math.hypot(p, 1);
                    if (p < 0) r = -r;
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1], h = g - d[l];
                    for (int i = l + 2; i < n; i++) d[i] -= h;
                    f += h;
                    p = d[m];
                    double c = 1, c2 = c, c3 = c, el1 = e[l + 1], s = 0, s2 = 0;
                    for (int i = m - 1; i >= l; i--) {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = Math.hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                } while (Math.abs(e[l]) > eps * tst1);
            }
            d[l] += f;
            e[l] = 0;
        }
    }
}
