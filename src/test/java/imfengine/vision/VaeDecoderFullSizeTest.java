package imfengine.vision;

import imfengine.backend.Backend;
import imfengine.io.NpyArray;
import imfengine.io.Npy;
import imfengine.io.Safetensors;
import imfengine.testing.Backends;
import imfengine.testing.Ref;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The SD-VAE decoder at its real widths ({@code [128, 256, 512, 512]}, 32 groups, 49.5 M parameters) against the
 * PyTorch twin, on random weights too large to commit: {@code make test-vae-full} has
 * {@code tools/reference/make_vae_fixture.py --full DIR} write them, a latent and the float64 reference into DIR,
 * then runs this test with {@code -Dimf.vae.full=DIR}. Skipped without it (so in {@code make test}). On the CPU
 * (vector path), and on the GPU when there is one (not on the emulator: far too slow at this size).
 */
class VaeDecoderFullSizeTest {
    @Test void matchesPyTorchAtFullSize() {
        String where = System.getProperty("imf.vae.full");
        assumeTrue(where != null && !where.isEmpty(), "set -Dimf.vae.full=DIR (make test-vae-full)");
        Path dir = Path.of(where);
        VaeWeights w = VaeWeights.read(Safetensors.read(dir.resolve("vae.safetensors")), 32);
        NpyArray z = Npy.read(dir.resolve("latents.npy")), want = Npy.read(dir.resolve("images.npy"));
        int n = z.dim(0), h = z.dim(1), wd = z.dim(2);
        float[] ref = VaeDecoderTest.nchwToNhwc(want.floats(), want.dim(0), want.dim(1), want.dim(2), want.dim(3));
        List<Backend> backends = new ArrayList<>(List.of(Backends.SIMD));
        if (!Backends.cudaIsEmulated() && Backends.cuda() != null) backends.add(Backends.cuda());
        for (Backend be : backends) {
            try (VaeDecoder dec = new VaeDecoder(w, be)) {
                long t0 = System.nanoTime();
                float[] got = dec.decode(SdLatents.decoderInput(z.floats(), 0, n, h, wd), n, h, wd);
                double seconds = (System.nanoTime() - t0) / 1e9, e = Ref.relErr(got, ref);
                // the one figure this opt-in check exists to report
                System.out.printf("VAE decoder, full size, %d latent(s) of %dx%d on %s: rel err %.3g vs PyTorch float64 (%.2f s)%n",
                        n, h, wd, be.name(), e, seconds);
                assertTrue(e <= 1e-5, "full-size VAE decoder on " + be.name() + " vs PyTorch: rel err " + e);
            }
        }
    }
}
