package imfengine.eval;

import imfengine.io.FileFormatException;
import imfengine.io.NpyArray;
import imfengine.io.Npz;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The mean and covariance of feature vectors, in float64, as FID compares them: {@code mu [d]} and
 * {@code sigma [d, d]} (numpy's {@code cov(rowvar=False)}, divided by N − 1), stored in {@code .npz}
 * files under the keys {@code mu} and {@code sigma} as the JiT and ADM reference files do.
 */
public record GaussianStatistics(double[] mu, double[] sigma, long count) {
    public int dim() { return mu.length; }

    /** Fréchet distance to {@code other}. */
    public double frechetDistance(GaussianStatistics other) {
        if (other.dim() != dim()) throw new IllegalArgumentException("fid: features of " + dim() + " dimensions against reference statistics of " + other.dim());
        return FrechetDistance.of(mu, sigma, other.mu, other.sigma);
    }

    /** Whether {@code arrays} (an .npz) holds {@code mu} and {@code sigma}. */
    public static boolean present(Map<String, NpyArray> arrays) { return arrays.containsKey("mu") && arrays.containsKey("sigma"); }

    /** {@code mu} and {@code sigma} of an .npz, float32 or float64, checked for shape. */
    public static GaussianStatistics from(Path file, Map<String, NpyArray> arrays) {
        NpyArray mu = arrays.get("mu"), sigma = arrays.get("sigma");
        if (mu == null || sigma == null) throw new FileFormatException(file, "no 'mu' and 'sigma' arrays (keys: " + arrays.keySet() + ")");
        int d = mu.size();
        if (mu.rank() != 1 || sigma.rank() != 2 || sigma.dim(0) != d || sigma.dim(1) != d)
            throw new FileFormatException(file, "mu " + java.util.Arrays.toString(mu.shape()) + " and sigma " + java.util.Arrays.toString(sigma.shape())
                    + " are not [d] and [d, d]");
        return new GaussianStatistics(mu.doubles(), sigma.doubles(), -1);
    }

    public void write(Path file) {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        out.put("mu", NpyArray.ofF64(new int[]{dim()}, mu));
        out.put("sigma", NpyArray.ofF64(new int[]{dim(), dim()}, sigma));
        Npz.write(file, out);
    }

    /**
     * Sums of features about a shift (the first row seen), so that the covariance does not cancel: with
     * {@code y = x − shift}, {@code Σ = (Σ yyᵀ − (Σy)(Σy)ᵀ/N) / (N − 1)}. Only the upper triangle is summed.
     */
    public static final class Accumulator {
        private final int d;
        private final double[] shift, sum, outer;
        private long count;

        public Accumulator(int d) {
            this.d = d;
            this.shift = new double[d];
            this.sum = new double[d];
            this.outer = new double[Math.multiplyExact(d, d)];
        }

        /** Adds {@code n} rows of {@code features [n, d]}. */
        public void add(float[] features, int n) {
            if (features.length != (long) n * d) throw new IllegalArgumentException("statistics: " + features.length + " values are not " + n + " × " + d);
            if (n == 0) return;
            if (count == 0) for (int j = 0; j < d; j++) shift[j] = features[j];
            double[] y = new double[n * d];
            for (int r = 0; r < n; r++)
                for (int j = 0; j < d; j++) {
                    y[r * d + j] = features[r * d + j] - shift[j];
                    sum[j] += y[r * d + j];
                }
            IntStream.range(0, d).parallel().forEach(i -> {
                int row = i * d;
                for (int r = 0; r < n; r++) {
                    double yi = y[r * d + i];
                    int yr = r * d;
                    for (int j = i; j < d; j++) outer[row + j] += yi * y[yr + j];
                }
            });
            count += n;
        }

        public long count() { return count; }

        public GaussianStatistics statistics() {
            if (count < 2) throw new IllegalStateException("statistics: need at least 2 feature vectors, have " + count);
            double[] mu = new double[d], sigma = new double[d * d];
            for (int j = 0; j < d; j++) mu[j] = shift[j] + sum[j] / count;
            for (int i = 0; i < d; i++)
                for (int j = i; j < d; j++) {
                    double c = (outer[i * d + j] - sum[i] * sum[j] / count) / (count - 1);
                    sigma[i * d + j] = c;
                    sigma[j * d + i] = c;
                }
            return new GaussianStatistics(mu, sigma, count);
        }
    }
}
