package imfengine.vision;

import imfengine.backend.Backend;
import imfengine.io.FileFormatException;
import imfengine.io.HostArray;
import imfengine.io.Safetensors;
import imfengine.io.SafetensorsFile;
import imfengine.testing.Backends;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FID Inception-v3 against the from-scratch PyTorch reference of {@code tools/reference/make_inception_fixture.py}
 * (itself checked against torch-fidelity's module at full width, see docs/VAE.md): random weights in the real
 * file's key layout at 1/16 of the widths (same topology, 128 features), two 37×43 images, every backend.
 */
class InceptionV3Test {
    /** Relative to the largest feature: float32 through ~95 convolutions against a float64 forward. */
    static final double FEATURES_TOL = 1e-4;

    private static SafetensorsFile fixture;
    private static Path weights;

    /** {@code make inception-full-check}: the same comparison at full width (2048 features), from files the script wrote. */
    @Test void fullWidthFromTheDirectoryGiven() {
        String dir = System.getProperty("imf.inception.full");
        org.junit.jupiter.api.Assumptions.assumeTrue(dir != null, "set -Dimf.inception.full=DIR (make inception-full-check)");
        SafetensorsFile full = Safetensors.read(Path.of(dir, "inception_w1_v1.safetensors"));
        HostArray images = full.get("images"), want = full.get("features");
        int n = images.shape()[0], h = images.shape()[2], w = images.shape()[3];
        float[] hwc = hwc(images);
        try (InceptionV3 net = InceptionV3.load(Path.of(dir, "inception_w1_v1.pth"), Backends.SIMD)) {
            assertEquals(2048, net.featureDim());
            double err = maxError(net.features(hwc, n, h, w), want.data());
            assertTrue(err <= FEATURES_TOL, "full width: features off by " + err + " of the largest");
            System.out.println("inception full width: max |engine − reference| = " + err + " of the largest feature");
        }
    }

    @BeforeAll static void load() throws Exception {
        var st = InceptionV3Test.class.getResource("/fixtures/inception_w16_v1.safetensors");
        var pth = InceptionV3Test.class.getResource("/fixtures/inception_w16_v1.pth");
        if (st == null || pth == null)
            throw new IllegalStateException("fixture missing; run /usr/bin/python3 tools/reference/make_inception_fixture.py");
        fixture = Safetensors.read(Path.of(st.toURI()));
        weights = Path.of(pth.toURI());
    }

    @Test void featuresMatchTheReferenceOnEveryBackend() {
        HostArray images = fixture.get("images"), want = fixture.get("features");
        int n = images.shape()[0], h = images.shape()[2], w = images.shape()[3];
        float[] hwc = hwc(images);
        for (Backend be : Backends.all()) {
            try (InceptionV3 net = InceptionV3.load(weights, be)) {
                assertEquals(want.shape()[1], net.featureDim());
                float[] got = net.features(hwc, n, h, w);
                double err = maxError(got, want.data());
                assertTrue(err <= FEATURES_TOL, be + ": features off by " + err + " of the largest");
            }
        }
    }

    /** Bit for bit: the same float32 operations in the same order as torch-fidelity's resize. */
    @Test void tf1ResizeMatchesTorchFidelitysSemantics() {
        for (String c : new String[]{"resize_up", "resize_down"}) {
            HostArray x = fixture.get(c + ".x"), y = fixture.get(c + ".y");
            int[] xs = x.shape(), ys = y.shape();
            float[] got = new float[y.data().length];
            Tf1Resize.resize(x.data(), 0, xs[0] * xs[1], xs[2], xs[3], got, 0, ys[2], ys[3]);
            assertArrayEquals(y.data(), got, c);
        }
    }

    @Test void aFileWithoutTheInceptionKeysFailsWithOneLine() throws Exception {
        Path other = Path.of(InceptionV3Test.class.getResource("/fixtures/pth/port_tiny_zip.pth").toURI());
        var e = assertThrows(FileFormatException.class, () -> InceptionV3.load(other, Backends.SCALAR));
        assertTrue(e.getMessage().contains("no tensor Conv2d_1a_3x3.conv.weight (not torch-fidelity's Inception-v3 weights?)"), e.getMessage());
    }

    /** The fixture stores NCHW; the network takes NHWC. */
    private static float[] hwc(HostArray images) {
        int n = images.shape()[0], h = images.shape()[2], w = images.shape()[3];
        float[] hwc = new float[images.data().length];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < h * w; p++) hwc[(i * h * w + p) * 3 + c] = images.data()[(i * 3 + c) * h * w + p];
        return hwc;
    }

    static double maxError(float[] got, float[] want) {
        double max = 0, scale = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        return max / scale;
    }
}
