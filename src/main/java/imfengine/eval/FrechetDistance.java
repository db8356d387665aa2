package imfengine.eval;

import java.util.stream.IntStream;

/**
 * The Fréchet distance between Gaussians {@code N(μ₁, Σ₁)} and {@code N(μ₂, Σ₂)}, in float64:
 * <pre>
 *   FD = |μ₁ − μ₂|² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁ Σ₂)^½
 * </pre>
 * {@code tr (Σ₁Σ₂)^½ = Σ √λᵢ} over the eigenvalues of {@code Σ₁Σ₂}, which are those of the symmetric
 * positive semi-definite {@code Lᵀ Σ₂ L} for any factor {@code Σ₁ = L Lᵀ}. {@code L} comes from a pivoted
 * Cholesky factorisation that stops at the numerical rank (tolerance {@code n·ε·max diag Σ₁}, LAPACK
 * {@code pstrf}'s), so a singular Σ₁ (fewer samples than dimensions) is fine; eigenvalues that rounding
 * pushes below zero count as zero. torch-fidelity (from TTUR) takes {@code eigvals(Σ₁Σ₂)} of the
 * non-symmetric product instead; both are the same quantity.
 */
public final class FrechetDistance {
    private FrechetDistance() {}

    /** {@code sigma1, sigma2}: row-major {@code [d, d]} symmetric PSD; not modified. */
    public static double of(double[] mu1, double[] sigma1, double[] mu2, double[] sigma2) {
        int d = mu1.length;
        if (mu2.length != d || sigma1.length != (long) d * d || sigma2.length != (long) d * d)
            throw new IllegalArgumentException("frechet distance: means of " + mu1.length + " and " + mu2.length + " values, covariances of "
                    + sigma1.length + " and " + sigma2.length + " (need d, d, d², d²)");
        double mean = 0, trace = 0;
        for (int i = 0; i < d; i++) {
            double diff = mu1[i] - mu2[i];
            mean += diff * diff;
            trace += sigma1[i * d + i] + sigma2[i * d + i];
        }
        return mean + trace - 2 * traceSqrtProduct(sigma1, sigma2, d);
    }

    /** {@code tr (Σ₁Σ₂)^½}. */
    static double traceSqrtProduct(double[] sigma1, double[] sigma2, int d) {
        int[] perm = new int[d];
        double[] l = new double[Math.multiplyExact(d, d)];
        int r = pivotedCholesky(sigma1.clone(), d, perm, l);
        double[] m = congruence(l, r, sigma2, perm, d);
        double sum = 0;
        for (double lambda : SymmetricEigenvalues.of(m, r)) sum += Math.sqrt(Math.max(lambda, 0));
        return sum;
    }

    /**
     * {@code Σ[perm][perm] ≈ L Lᵀ} with {@code L [d, r]} lower trapezoidal in the permuted order, stored in
     * {@code l} with row stride {@code d}; returns the rank {@code r}. Outer-product form: at step k the
     * largest remaining diagonal is the pivot; {@code a} (destroyed) holds the Schur complement.
     */
    static int pivotedCholesky(double[] a, int d, int[] perm, double[] l) {
        for (int i = 0; i < d; i++) perm[i] = i;
        double maxDiag = 0;
        for (int i = 0; i < d; i++) maxDiag = Math.max(maxDiag, a[i * d + i]);
        double tol = d * Math.ulp(1.0) * maxDiag;
        double[] col = new double[d];
        for (int k = 0; k < d; k++) {
            int piv = k;
            for (int i = k + 1; i < d; i++) if (a[i * d + i] > a[piv * d + piv]) piv = i;
            if (!(a[piv * d + piv] > tol)) return k; // the rest is rounding (or a NaN, which the caller's eigenvalues reject)
            swapSymmetric(a, d, k, piv);
            swapRows(l, d, k, piv);
            int t = perm[k];
            perm[k] = perm[piv];
            perm[piv] = t;
            double pivot = Math.sqrt(a[k * d + k]);
            l[k * d + k] = pivot;
            for (int i = k + 1; i < d; i++) col[i] = l[i * d + k] = a[i * d + k] / pivot;
            int from = k + 1;
            IntStream.range(from, d).parallel().forEach(i -> { // Schur complement: a −= col colᵀ
                double ci = col[i];
                int r = i * d;
                for (int j = from; j < d; j++) a[r + j] -= ci * col[j];
            });
        }
        return d;
    }

    /** {@code M = Lᵀ Σ₂[perm][perm] L} ({@code [r, r]}, row-major): {@code T = Σ₂' L} first, then {@code Lᵀ T}. */
    static double[] congruence(double[] l, int r, double[] sigma2, int[] perm, int d) {
        double[] t = new double[d * r];
        IntStream.range(0, d).parallel().forEach(a -> { // T[a] = Σ_b Σ₂[perm a][perm b] L[b, 0..min(b, r−1)]
            int srcRow = perm[a] * d, dst = a * r;
            for (int b = 0; b < d; b++) {
                double s = sigma2[srcRow + perm[b]];
                int len = Math.min(b + 1, r), lb = b * d;
                for (int k = 0; k < len; k++) t[dst + k] += s * l[lb + k];
            }
        });
        double[] m = new double[r * r];
        IntStream.range(0, r).parallel().forEach(k -> { // M[k] = Σ_{a ≥ k} L[a, k] T[a]
            int dst = k * r;
            for (int a = k; a < d; a++) {
                double lak = l[a * d + k];
                int ta = a * r;
                for (int j = 0; j < r; j++) m[dst + j] += lak * t[ta + j];
            }
        });
        return m;
    }

    private static void swapSymmetric(double[] a, int d, int i, int j) {
        if (i == j) return;
        swapRows(a, d, i, j);
        for (int r = 0; r < d; r++) {
            double t = a[r * d + i];
            a[r * d + i] = a[r * d + j];
            a[r * d + j] = t;
        }
    }

    private static void swapRows(double[] a, int d, int i, int j) {
        if (i == j) return;
        for (int c = 0; c < d; c++) {
            double t = a[i * d + c];
            a[i * d + c] = a[j * d + c];
            a[j * d + c] = t;
        }
    }
}
