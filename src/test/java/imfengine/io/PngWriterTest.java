package imfengine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngWriterTest {
    @TempDir
    Path dir;

    /** A decoded PNG: IHDR fields and the unfiltered pixel bytes. */
    record Decoded(int width, int height, int colorType, byte[] pixels, List<String> chunks) {}

    /** Minimal decoder for what PngWriter emits (8-bit, filter 0); checks the signature and every CRC. */
    static Decoded decode(byte[] png) throws Exception {
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, Arrays.copyOf(png, 8));
        ByteBuffer b = ByteBuffer.wrap(png, 8, png.length - 8);
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        List<String> chunks = new ArrayList<>();
        int w = 0, h = 0, colorType = -1;
        while (b.hasRemaining()) {
            int len = b.getInt();
            byte[] type = new byte[4];
            b.get(type);
            byte[] data = new byte[len];
            b.get(data);
            CRC32 crc = new CRC32();
            crc.update(type);
            crc.update(data);
            assertEquals((int) crc.getValue(), b.getInt(), "CRC of " + new String(type, StandardCharsets.US_ASCII));
            String t = new String(type, StandardCharsets.US_ASCII);
            chunks.add(t);
            if (t.equals("IHDR")) {
                ByteBuffer ih = ByteBuffer.wrap(data);
                w = ih.getInt();
                h = ih.getInt();
                assertEquals(8, ih.get());
                colorType = ih.get();
                assertEquals(0, ih.get());
                assertEquals(0, ih.get());
                assertEquals(0, ih.get());
            } else if (t.equals("IDAT")) {
                idat.writeBytes(data);
            }
        }
        int channels = colorType == 0 ? 1 : 3;
        Inflater inf = new Inflater();
        inf.setInput(idat.toByteArray());
        byte[] raw = new byte[(w * channels + 1) * h];
        int got = 0;
        while (got < raw.length && !inf.finished()) got += inf.inflate(raw, got, raw.length - got);
        assertEquals(raw.length, got);
        inf.end();
        byte[] px = new byte[w * h * channels];
        for (int y = 0; y < h; y++) {
            assertEquals(0, raw[y * (w * channels + 1)], "filter type");
            System.arraycopy(raw, y * (w * channels + 1) + 1, px, y * w * channels, w * channels);
        }
        return new Decoded(w, h, colorType, px, chunks);
    }

    @Test
    void grayRoundTrip() throws Exception {
        byte[] px = new byte[7 * 5];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 7);
        Decoded d = decode(PngWriter.encode(7, 5, 1, px));
        assertEquals(7, d.width());
        assertEquals(5, d.height());
        assertEquals(0, d.colorType());
        assertArrayEquals(px, d.pixels());
        assertEquals(List.of("IHDR", "IDAT", "IEND"), d.chunks());
    }

    @Test
    void rgbRoundTripThroughFile() throws Exception {
        byte[] px = new byte[3 * 4 * 3];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (255 - i);
        Path p = dir.resolve("rgb.png");
        PngWriter.write(p, 3, 4, 3, px);
        Decoded d = decode(Files.readAllBytes(p));
        assertEquals(2, d.colorType());
        assertArrayEquals(px, d.pixels());
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> PngWriter.encode(2, 2, 2, new byte[8]));
        assertThrows(IllegalArgumentException.class, () -> PngWriter.encode(2, 2, 1, new byte[3]));
    }

    @Test
    void gridPlacesScaledImagesInsideBorders() throws Exception {
        // Three 1×2 gray images in [−1, 1], 2 columns, border 1, scale 2 → 2 rows of 2×4 cells.
        float[] imgs = {-1f, 1f, 0f, -1f, 1f, 1f};
        ImageGrid.Image g = ImageGrid.tile(imgs, 3, 1, 2, 1, ImageGrid.Range.SYMMETRIC, 2, 1, 2);
        assertEquals(2 * 4 + 3, g.width());
        assertEquals(2 * 2 + 3, g.height());
        Path p = dir.resolve("grid.png");
        g.writePng(p);
        byte[] px = decode(Files.readAllBytes(p)).pixels();
        int w = g.width();
        assertEquals(ImageGrid.BORDER_VALUE, px[0] & 0xFF);
        // image 0 at (1,1): pixels -1 → 0 (x 1..2), 1 → 255 (x 3..4), rows 1..2
        assertEquals(0, px[1 * w + 1] & 0xFF);
        assertEquals(0, px[2 * w + 2] & 0xFF);
        assertEquals(255, px[1 * w + 3] & 0xFF);
        assertEquals(ImageGrid.BORDER_VALUE, px[1 * w + 5] & 0xFF);
        // image 1 at (6,1): 0 → 128 (round(0.5·255)), -1 → 0
        assertEquals(128, px[1 * w + 6] & 0xFF);
        assertEquals(0, px[2 * w + 9] & 0xFF);
        // image 2 at (1,4): all white; the empty 4th cell stays border gray
        assertEquals(255, px[4 * w + 1] & 0xFF);
        assertEquals(ImageGrid.BORDER_VALUE, px[4 * w + 6] & 0xFF);
    }

    @Test
    void gridUnitRangeRgbAndClamping() {
        float[] img = {0f, 0.5f, 1f, 2f, -3f, Float.NaN};
        ImageGrid.Image g = ImageGrid.tile(img, 1, 1, 2, 3, ImageGrid.Range.UNIT, 1, 0, 1);
        assertArrayEquals(new byte[] {0, (byte) 128, (byte) 255, (byte) 255, 0, 0}, g.pixels());
    }
}
