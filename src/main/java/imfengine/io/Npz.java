package imfengine.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * numpy's {@code .npz} ({@code np.savez} / {@code np.savez_compressed}): a zip archive of {@code .npy} files,
 * one per array, named {@code <key>.npy}. Reading inflates an entry to a temporary file and reads it with
 * {@link Npy} (so a 2 GB image batch is not held twice); writing stores deflated entries, atomically.
 */
public final class Npz {
    private Npz() {}

    /** The arrays by key (entry name without {@code .npy}), in archive order. */
    public static Map<String, NpyArray> read(Path file) {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.isDirectory() || !e.getName().endsWith(".npy")) continue;
                Path tmp = Files.createTempFile("imf-npz-", ".npy");
                try (InputStream in = zip.getInputStream(e)) {
                    Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    out.put(e.getName().substring(0, e.getName().length() - 4), Npy.read(tmp));
                } catch (FileFormatException bad) {
                    throw new FileFormatException(file, "entry " + e.getName() + ": " + bad.getMessage().replace(tmp + ": ", ""));
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new FileFormatException(file, "file not found");
        } catch (ZipException e) {
            throw new FileFormatException(file, "not an .npz (zip) file: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Writes {@code arrays} as {@code <key>.npy} entries (readable by {@code np.load}). */
    public static void write(Path file, Map<String, NpyArray> arrays) {
        AtomicWrite.write(file, os -> {
            ZipOutputStream zip = new ZipOutputStream(os);
            for (var e : arrays.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                Npy.write(zip, e.getValue());
                zip.closeEntry();
            }
            zip.finish();
        });
    }
}
