package imfengine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PngReader against the JDK's encoder (which picks filters per row) in every colour type it writes, at odd sizes. */
class PngReaderTest {
    @Test void readsWhatImageIoWrites(@TempDir Path dir) throws Exception {
        SplittableRandom r = new SplittableRandom(9);
        int[] types = {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_BYTE_INDEXED,
                BufferedImage.TYPE_USHORT_GRAY};
        for (int type : types) {
            int w = 13 + type, h = 7;
            BufferedImage img = new BufferedImage(w, h, type);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) // smooth ramps plus noise, so that the encoder uses several filters
                    img.setRGB(x, y, 0xFF000000 | ((x * 17 + r.nextInt(9)) & 0xFF) << 16 | ((y * 31) & 0xFF) << 8 | (r.nextInt(256)));
            Path f = dir.resolve("t" + type + ".png");
            ImageIO.write(img, "png", f.toFile());
            BufferedImage back = ImageIO.read(f.toFile()); // what the file holds, in sRGB
            PngReader.Rgb got = PngReader.read(f);
            assertEquals(w, got.width());
            assertEquals(h, got.height());
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int want = back.getRGB(x, y), o = (y * w + x) * 3;
                    int rgb = (got.pixels()[o] & 0xFF) << 16 | (got.pixels()[o + 1] & 0xFF) << 8 | (got.pixels()[o + 2] & 0xFF);
                    if (type == BufferedImage.TYPE_BYTE_GRAY || type == BufferedImage.TYPE_USHORT_GRAY) { // getRGB would linearise gray: the stored sample
                        int sample = back.getRaster().getSample(x, y, 0) >> (type == BufferedImage.TYPE_USHORT_GRAY ? 8 : 0);
                        for (int c = 0; c < 3; c++) assertEquals(sample, got.pixels()[o + c] & 0xFF, "gray " + type + " at " + x + "," + y);
                    } else assertEquals(want & 0xFFFFFF, rgb, "type " + type + " at " + x + "," + y);
                }
        }
    }

    @Test void aNonPngFailsWithOneLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.png");
        Files.writeString(f, "not a png");
        var e = assertThrows(FileFormatException.class, () -> PngReader.read(f));
        assertTrue(e.getMessage().endsWith("not a PNG file (bad signature)"), e.getMessage());
    }
}
