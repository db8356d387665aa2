package imfengine.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads a PNG into 8-bit RGB without {@code javax.imageio} (which would pull {@code java.desktop} into the
 * jlink runtimes): non-interlaced, bit depth 8 or 16 (the high byte kept), colour types gray, RGB,
 * palette, gray + alpha and RGBA; alpha is dropped, gray repeated to RGB (PIL's {@code convert("RGB")}).
 * Chunk CRCs are not checked; the zlib stream's own checksum is.
 */
public final class PngReader {
    private static final byte[] SIGNATURE = {(byte) 137, 'P', 'N', 'G', 13, 10, 26, 10};

    private PngReader() {}

    /** RGB pixels, {@code [height, width, 3]} in C order, values 0–255. */
    public record Rgb(int width, int height, byte[] pixels) {}

    public static Rgb read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        for (byte s : SIGNATURE) if (!b.hasRemaining() || b.get() != s) throw new FileFormatException(file, "not a PNG file (bad signature)");
        int width = -1, height = -1, depth = 0, type = -1;
        byte[] palette = null;
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        while (true) {
            if (b.remaining() < 12) throw new FileFormatException(file, "truncated PNG (no IEND chunk)");
            int len = b.getInt();
            byte[] tag = new byte[4];
            b.get(tag);
            String name = new String(tag, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (len < 0 || len > b.remaining() - 4) throw new FileFormatException(file, "truncated PNG chunk " + name);
            int start = b.position();
            switch (name) {
                case "IHDR" -> {
                    width = b.getInt(start);
                    height = b.getInt(start + 4);
                    depth = bytes[start + 8] & 0xFF;
                    type = bytes[start + 9] & 0xFF;
                    if (bytes[start + 12] != 0) throw new FileFormatException(file, "interlaced PNGs are not supported (save without interlacing)");
                    if ((depth != 8 && depth != 16) || (type == 3 && depth != 8) || (type != 0 && type != 2 && type != 3 && type != 4 && type != 6))
                        throw new FileFormatException(file, "PNG colour type " + type + " at bit depth " + depth + " is not supported (8- or 16-bit gray, RGB, RGBA, 8-bit palette)");
                    if (width < 1 || height < 1 || (long) width * height > (1 << 28)) throw new FileFormatException(file, "PNG size " + width + "×" + height);
                }
                case "PLTE" -> palette = java.util.Arrays.copyOfRange(bytes, start, start + len);
                case "IDAT" -> idat.write(bytes, start, len);
                default -> { }
            }
            b.position(start + len + 4); // data, CRC
            if (name.equals("IEND")) break;
        }
        if (width < 0) throw new FileFormatException(file, "PNG without an IHDR chunk");
        if (type == 3 && palette == null) throw new FileFormatException(file, "palette PNG without a PLTE chunk");
        int channels = switch (type) { case 0, 3 -> 1; case 4 -> 2; case 2 -> 3; default -> 4; };
        int bpp = channels * depth / 8, stride = width * bpp;
        byte[] raw = inflate(file, idat.toByteArray(), (long) height * (stride + 1));
        byte[] rgb = new byte[width * height * 3], prev = new byte[stride], cur = new byte[stride];
        for (int y = 0; y < height; y++) {
            int filter = raw[y * (stride + 1)] & 0xFF, row = y * (stride + 1) + 1;
            for (int i = 0; i < stride; i++) {
                int x = raw[row + i] & 0xFF, a = i >= bpp ? cur[i - bpp] & 0xFF : 0, up = prev[i] & 0xFF, c = i >= bpp ? prev[i - bpp] & 0xFF : 0;
                cur[i] = (byte) switch (filter) {
                    case 0 -> x;
                    case 1 -> x + a;
                    case 2 -> x + up;
                    case 3 -> x + ((a + up) >>> 1);
                    case 4 -> x + paeth(a, up, c);
                    default -> throw new FileFormatException(file, "bad PNG filter type " + filter + " in row " + y);
                };
            }
            for (int px = 0; px < width; px++)
                for (int ch = 0; ch < 3; ch++) {
                    int sample = type == 3 ? -1 : (type == 0 || type == 4 ? 0 : ch); // which channel feeds R, G, B
                    byte v = type == 3 ? palette[3 * (cur[px] & 0xFF) + ch] : cur[px * bpp + sample * depth / 8]; // 16-bit: the high byte
                    rgb[(y * width + px) * 3 + ch] = v;
                }
            byte[] t = prev;
            prev = cur;
            cur = t;
        }
        return new Rgb(width, height, rgb);
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static byte[] inflate(Path file, byte[] data, long size) {
        if (size > Integer.MAX_VALUE - 8) throw new FileFormatException(file, "PNG too large");
        Inflater inf = new Inflater();
        try {
            inf.setInput(data);
            byte[] out = new byte[(int) size];
            int n = 0;
            while (n < out.length && !inf.finished()) {
                int k = inf.inflate(out, n, out.length - n);
                if (k == 0 && (inf.needsInput() || inf.needsDictionary())) break;
                n += k;
            }
            if (n != out.length) throw new FileFormatException(file, "PNG image data holds " + n + " bytes, " + out.length + " expected");
            return out;
        } catch (DataFormatException e) {
            throw new FileFormatException(file, "corrupt PNG image data: " + e.getMessage());
        } finally {
            inf.end();
        }
    }
}
