package imfengine.io;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Encodes 8-bit grayscale or RGB PNG images by hand (java.util.zip only; our jlinked runtime has
 * no java.desktop). Layout: signature, IHDR, one IDAT (zlib stream of rows, each prefixed by
 * filter type 0 "None"), IEND; every chunk is length, type, data, CRC-32 of type+data.
 */
public final class PngWriter {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private PngWriter() {}

    /**
     * PNG bytes of an image. {@code pixels} is row-major, {@code channels} (1 = gray, 3 = RGB)
     * interleaved bytes per pixel, read unsigned; length {@code width·height·channels}. Not modified.
     */
    public static byte[] encode(int width, int height, int channels, byte[] pixels) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("PNG size must be positive: " + width + "x" + height);
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("PNG channels must be 1 or 3, got " + channels);
        int stride = width * channels;
        if (pixels.length != (long) stride * height) {
            throw new IllegalArgumentException("expected " + (long) stride * height + " pixel bytes, got " + pixels.length);
        }
        ByteBuffer ihdr = ByteBuffer.allocate(13);
        ihdr.putInt(width).putInt(height).put((byte) 8).put((byte) (channels == 1 ? 0 : 2)).put((byte) 0).put((byte) 0).put((byte) 0);

        byte[] raw = new byte[(stride + 1) * height];
        for (int y = 0; y < height; y++) {
            raw[y * (stride + 1)] = 0; // filter: None
            System.arraycopy(pixels, y * stride, raw, y * (stride + 1) + 1, stride);
        }
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try {
            deflater.setInput(raw);
            deflater.finish();
            byte[] buf = new byte[1 << 16];
            while (!deflater.finished()) z.write(buf, 0, deflater.deflate(buf));
        } finally {
            deflater.end();
        }

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SIGNATURE);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", z.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** Encodes and writes atomically. */
    public static void write(Path file, int width, int height, int channels, byte[] pixels) {
        byte[] png = encode(width, height, channels, pixels);
        AtomicWrite.write(file, out -> out.write(png));
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
