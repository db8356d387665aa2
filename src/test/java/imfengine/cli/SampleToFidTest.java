package imfengine.cli;

import imfengine.imf.Checkpoint;
import imfengine.io.Json;
import imfengine.io.Npy;
import imfengine.io.NpyArray;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.testing.Backends;
import imfengine.vision.RandomVae;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's end-to-end FID path on tiny stand-ins: {@code sample --vae} (a 4×4×4-latent model, a random decoder of
 * width 32 giving 32×32 pictures) in batches, then {@code fid} with the 1/16-width Inception fixture: statistics
 * saved, the same images against them (FID ≈ 0), another seed's images against them (a positive, finite FID).
 */
class SampleToFidTest {
    @Test void sampleDecodeThenFid(@TempDir Path dir) throws Exception {
        ModelConfig mc = new ModelConfig("latent-tiny", 4, 4, 3, 16, 3, 2, 1, 2);
        ImfDiT net = new ImfDiT(mc, Backends.SIMD, 3, false);
        var values = Checkpoint.values(net.parameters());
        Path checkpoint = dir.resolve("latent.safetensors"), vae = dir.resolve("vae.safetensors");
        Checkpoint.save(checkpoint, Map.of("", values, Checkpoint.EMA, values), mc.toMetadata());
        RandomVae.write(vae, new int[]{32, 32, 64, 64}, 2, 7);
        Path inception = Path.of(SampleToFidTest.class.getResource("/fixtures/inception_w16_v1.pth").toURI());

        Path a = sample(dir, checkpoint, vae, "a", "4", "0"), b = sample(dir, checkpoint, vae, "b", "6", "0");
        Path other = sample(dir, checkpoint, vae, "c", "4", "1");
        NpyArray images = Npy.read(a);
        assertEquals(NpyArray.DType.U8, images.dtype());
        assertArrayEquals(new int[]{6, 32, 32, 3}, images.shape());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "decoded images of --batch 4 and --batch 6");

        Path stats = dir.resolve("ref.npz");
        CliRun save = CliRun.of("fid", "--samples", a.toString(), "--inception", inception.toString(), "--save-stats", stats.toString(),
                "--json", dir.resolve("save.json").toString());
        assertEquals(0, save.code(), save.err());
        double self = fid(dir, a, stats, inception), apart = fid(dir, other, stats, inception);
        assertEquals(0, self, 1e-6 * 128, "a set against its own statistics");
        assertTrue(Double.isFinite(apart) && apart > 100 * Math.max(Math.abs(self), 1e-9), "another seed's images: " + apart + " vs " + self);
    }

    private static Path sample(Path dir, Path checkpoint, Path vae, String name, String batch, String seed) {
        Path png = dir.resolve(name + ".png");
        CliRun r = CliRun.of("sample", "--checkpoint", checkpoint.toString(), "--classes", "all", "--per-class", "2", "--batch", batch,
                "--seed", seed, "--vae", vae.toString(), "--vae-batch", "3", "--out", png.toString(), "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("sample: 6/6 images") && r.err().contains("VAE"), r.err());
        return VaeImages.imagesPath(png);
    }

    private static double fid(Path dir, Path samples, Path ref, Path inception) throws IOException {
        Path json = dir.resolve(samples.getFileName() + ".json");
        CliRun r = CliRun.of("fid", "--samples", samples.toString(), "--ref", ref.toString(), "--inception", inception.toString(),
                "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("FID "), r.out());
        @SuppressWarnings("unchecked") Map<String, Object> doc = (Map<String, Object>) Json.parse(Files.readString(json));
        return ((Number) doc.get("fid")).doubleValue();
    }
}
