package imfengine.cli;

import imfengine.eval.GaussianStatistics;
import imfengine.io.Json;
import imfengine.io.Npy;
import imfengine.io.NpyArray;
import imfengine.io.Npz;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code fid} end to end on the 1/16-width Inception fixture (128 features): statistics saved and read back,
 * a sample .npy and the same images as PNGs giving the same features, FID against itself ≈ 0, the JSON, and
 * one-line refusals.
 */
class FidCommandTest {
    private static Path weights;

    @BeforeAll static void fixture() throws Exception {
        weights = Path.of(FidCommandTest.class.getResource("/fixtures/inception_w16_v1.pth").toURI());
    }

    @Test void npyAndPngSamplesAgainstSavedStatistics(@TempDir Path dir) throws Exception {
        int n = 3, s = 19;
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[n * s * s * 3];
        for (int i = 0; i < x.length; i++) x[i] = Math.round(255 * r.nextDouble()) / 255f; // exact uint8 levels, as PNGs hold them
        Path npy = dir.resolve("samples.npy"), pngs = dir.resolve("pngs"), stats = dir.resolve("ref.npz");
        Npy.write(npy, NpyArray.ofF32(new int[]{n, s, s, 3}, x));
        Files.createDirectories(pngs);
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < s; y++)
                for (int xx = 0; xx < s; xx++) {
                    int o = ((i * s + y) * s + xx) * 3, rgb = 0;
                    for (int c = 0; c < 3; c++) rgb = rgb << 8 | Math.round(x[o + c] * 255);
                    img.setRGB(xx, y, rgb);
                }
            ImageIO.write(img, "png", pngs.resolve("img" + i + ".png").toFile());
        }
        CliRun save = CliRun.of("fid", "--samples", npy.toString(), "--inception", weights.toString(), "--save-stats", stats.toString(), "--batch", "2");
        assertEquals(0, save.code(), save.err());
        assertTrue(save.err().contains("fid: samples 3/3 images"), save.err());
        GaussianStatistics saved = GaussianStatistics.from(stats, Npz.read(stats));
        assertEquals(128, saved.dim());

        Path json = dir.resolve("out.json");
        CliRun fid = CliRun.of("fid", "--samples", pngs.toString(), "--inception", weights.toString(), "--ref", stats.toString(), "--json", json.toString());
        assertEquals(0, fid.code(), fid.err());
        assertTrue(fid.out().startsWith("FID "), fid.out());
        @SuppressWarnings("unchecked") Map<String, Object> doc = (Map<String, Object>) Json.parse(Files.readString(json));
        double value = ((Number) doc.get("fid")).doubleValue();
        assertEquals(0, value, 1e-6 * saved.mu().length, "the PNGs hold the .npy's images: FID against their own statistics");
        assertEquals(3, ((Number) doc.get("count")).intValue());
    }

    /** An ADM-style reference: uint8 images under arr_0 (no mu/sigma), measured by the same network. */
    @Test void referenceImagesUnderArr0(@TempDir Path dir) {
        int n = 3, h = 11, w = 14;
        SplittableRandom r = new SplittableRandom(8);
        byte[] u8 = new byte[n * h * w * 3];
        float[] f = new float[u8.length];
        for (int i = 0; i < u8.length; i++) {
            u8[i] = (byte) r.nextInt(256);
            f[i] = (u8[i] & 0xFF) / 255f;
        }
        Path ref = dir.resolve("ref.npz"), npy = dir.resolve("s.npy"), json = dir.resolve("f.json");
        Npz.write(ref, Map.of("arr_0", NpyArray.ofU8(new int[]{n, h, w, 3}, u8)));
        Npy.write(npy, NpyArray.ofF32(new int[]{n, h, w, 3}, f));
        CliRun o = CliRun.of("fid", "--samples", npy.toString(), "--inception", weights.toString(), "--ref", ref.toString(), "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains("fid: reference 3/3 images"), o.err());
        @SuppressWarnings("unchecked") Map<String, Object> doc = (Map<String, Object>) Json.parse(readString(json));
        assertEquals(0, ((Number) doc.get("fid")).doubleValue(), 1e-4, "the same images on both sides");
        assertEquals(3, ((Number) doc.get("ref_count")).intValue());
    }

    private static String readString(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test void refusalsAreOneLine(@TempDir Path dir) {
        Path latents = dir.resolve("latents.npy");
        Npy.write(latents, NpyArray.ofF32(new int[]{2, 4, 4, 4}, new float[2 * 4 * 4 * 4]));
        CliRun o = CliRun.of("fid", "--samples", latents.toString(), "--inception", weights.toString(), "--save-stats", dir.resolve("s.npz").toString());
        assertEquals(1, o.code());
        String[] lines = o.err().strip().split("\n"); // the error, then the CLI's "(run with --debug ...)" for file errors
        assertTrue(lines[0].startsWith("error: fid: "), "[" + lines[0] + "]");
        assertTrue(lines[0].contains("shape [2, 4, 4, 4] is not N"), "[" + lines[0] + "]");
        assertTrue(lines[0].endsWith("(4 channels: latents; decode them to images first)"), "[" + lines[0] + "]");
        assertFalse(Files.exists(dir.resolve("s.npz")));
        o = CliRun.of("fid", "--samples", latents.toString(), "--inception", weights.toString());
        assertEquals(2, o.code());
        assertEquals("error: fid: give --ref REF.npz (to measure FID) or --save-stats OUT.npz (or both)", o.err().strip());
    }
}
