package imfengine.eval;

import imfengine.io.NpyArray;
import imfengine.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The Fréchet distance in float64: closed forms for commuting covariances (diagonal, and a shared random
 * eigenbasis), numpy's float64 {@code eigh} for general and rank-deficient ones (fixture written by
 * {@code tools/reference/make_inception_fixture.py}), the eigenvalue solver on a known spectrum, and the
 * statistics of samples against a two-pass float64 covariance.
 */
class FrechetDistanceTest {
    /** Relative: float64 throughout, cancellation in tr Σ₁ + tr Σ₂ − 2 tr(·)^½ costs a few digits. */
    static final double FD_TOL = 1e-9;

    @Test void diagonalCovariancesHaveTheClosedForm() {
        SplittableRandom r = new SplittableRandom(1);
        int d = 37;
        double[] mu1 = normals(r, d), mu2 = normals(r, d), a = positives(r, d), b = positives(r, d);
        assertClose(closedForm(mu1, a, mu2, b), FrechetDistance.of(mu1, diag(a), mu2, diag(b)));
    }

    /** Σ₁ = Q diag(a) Qᵀ, Σ₂ = Q diag(b) Qᵀ commute: FD = |Δμ|² + Σ (√aᵢ − √bᵢ)². */
    @Test void commutingCovariancesHaveTheClosedForm() {
        SplittableRandom r = new SplittableRandom(2);
        for (int d : new int[]{1, 2, 5, 64, 129}) {
            double[] q = orthogonal(r, d), mu1 = normals(r, d), mu2 = normals(r, d), a = positives(r, d), b = positives(r, d);
            if (d > 3) a[d / 2] = b[1] = 0; // singular ones too
            assertClose(closedForm(mu1, a, mu2, b), FrechetDistance.of(mu1, rotate(q, a, d), mu2, rotate(q, b, d)));
        }
    }

    @Test void generalAndRankDeficientCovariancesMatchNumpy() throws Exception {
        Map<String, NpyArray> f = Npz.read(Path.of(getClass().getResource("/fixtures/fid_stats_v1.npz").toURI()));
        for (String c : new String[]{"general", "lowrank"}) {
            double fd = FrechetDistance.of(f.get(c + ".mu1").doubles(), f.get(c + ".sigma1").doubles(), f.get(c + ".mu2").doubles(),
                    f.get(c + ".sigma2").doubles());
            assertClose(f.get(c + ".fd").doubles()[0], fd);
        }
    }

    @Test void identicalStatisticsAreAtDistanceZero() {
        SplittableRandom r = new SplittableRandom(3);
        int d = 50;
        double[] q = orthogonal(r, d), mu = normals(r, d), s = rotate(q, positives(r, d), d);
        assertEquals(0, FrechetDistance.of(mu, s, mu, s), 1e-10);
    }

    @Test void eigenvaluesOfAKnownSpectrum() {
        SplittableRandom r = new SplittableRandom(4);
        for (int d : new int[]{1, 2, 3, 10, 100}) {
            double[] lambda = normals(r, d);
            if (d > 2) lambda[1] = lambda[2]; // a repeated eigenvalue
            double[] got = SymmetricEigenvalues.of(rotate(orthogonal(r, d), lambda, d), d), want = lambda.clone();
            Arrays.sort(want);
            assertArrayEquals(want, got, 1e-12 * d);
        }
    }

    @Test void statisticsMatchATwoPassCovariance(@TempDir Path dir) {
        SplittableRandom r = new SplittableRandom(5);
        int n = 23, d = 6;
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) (100 + r.nextGaussian()); // an offset that a one-pass sum would cancel
        GaussianStatistics.Accumulator acc = new GaussianStatistics.Accumulator(d);
        acc.add(Arrays.copyOfRange(x, 0, 5 * d), 5);
        acc.add(Arrays.copyOfRange(x, 5 * d, n * d), n - 5);
        GaussianStatistics s = acc.statistics();
        double[] mu = new double[d], sigma = new double[d * d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mu[j] += x[i * d + j] / (double) n;
        for (int i = 0; i < n; i++)
            for (int a = 0; a < d; a++) for (int b = 0; b < d; b++) sigma[a * d + b] += (x[i * d + a] - mu[a]) * (x[i * d + b] - mu[b]) / (n - 1);
        assertArrayEquals(mu, s.mu(), 1e-12);
        assertArrayEquals(sigma, s.sigma(), 1e-11);
        Path file = dir.resolve("stats.npz");
        s.write(file);
        GaussianStatistics back = GaussianStatistics.from(file, Npz.read(file));
        assertArrayEquals(s.mu(), back.mu(), 0);
        assertArrayEquals(s.sigma(), back.sigma(), 0);
    }

    @Test void mismatchedShapesFailWithOneLine() {
        var e = assertThrows(IllegalArgumentException.class, () -> FrechetDistance.of(new double[2], new double[4], new double[3], new double[9]));
        assertEquals("frechet distance: means of 2 and 3 values, covariances of 4 and 9 (need d, d, d², d²)", e.getMessage());
    }

    private static void assertClose(double want, double got) {
        assertEquals(want, got, FD_TOL * Math.max(1, Math.abs(want)), "FD");
    }

    private static double closedForm(double[] mu1, double[] a, double[] mu2, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]) + Math.pow(Math.sqrt(a[i]) - Math.sqrt(b[i]), 2);
        return s;
    }

    private static double[] normals(SplittableRandom r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = r.nextGaussian();
        return v;
    }

    private static double[] positives(SplittableRandom r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = 0.05 + 3 * r.nextDouble();
        return v;
    }

    private static double[] diag(double[] a) {
        int d = a.length;
        double[] m = new double[d * d];
        for (int i = 0; i < d; i++) m[i * d + i] = a[i];
        return m;
    }

    /** A random orthogonal {@code [d, d]} by modified Gram–Schmidt on Gaussian columns (rows here). */
    private static double[] orthogonal(SplittableRandom r, int d) {
        double[] q = normals(r, d * d);
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < i; k++) {
                double dot = 0;
                for (int j = 0; j < d; j++) dot += q[i * d + j] * q[k * d + j];
                for (int j = 0; j < d; j++) q[i * d + j] -= dot * q[k * d + j];
            }
            double norm = 0;
            for (int j = 0; j < d; j++) norm += q[i * d + j] * q[i * d + j];
            norm = Math.sqrt(norm);
            for (int j = 0; j < d; j++) q[i * d + j] /= norm;
        }
        return q;
    }

    /** {@code Qᵀ diag(λ) Q} with the rows of {@code q} as eigenvectors, symmetrised. */
    private static double[] rotate(double[] q, double[] lambda, int d) {
        double[] m = new double[d * d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) s += q[k * d + i] * lambda[k] * q[k * d + j];
                m[i * d + j] = m[j * d + i] = s;
            }
        return m;
    }
}
