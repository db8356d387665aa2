package imfengine.data;

import imfengine.io.FileFormatException;
import imfengine.io.Npy;
import imfengine.io.NpyArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Latents (or any float images) a user brings: an {@code N×H×W×C} float32 {@code .npy} (an
 * {@code N×H×W} one is read as {@code C = 1}) plus an {@code N}-long labels {@code .npy} of int64,
 * int32 or uint8. Values are used as stored, without scaling. {@code numClasses} is the largest
 * label + 1 unless given.
 */
public final class NpyDataset implements Dataset {
    private final float[] data;
    private final int[] labels;
    private final int count, height, width, channels, numClasses;

    private NpyDataset(float[] data, int[] labels, int[] shape, int numClasses) {
        this.data = data;
        this.labels = labels;
        this.count = shape[0];
        this.height = shape[1];
        this.width = shape[2];
        this.channels = shape.length == 4 ? shape[3] : 1;
        this.numClasses = numClasses;
    }

    public static NpyDataset open(Path dataFile, Path labelsFile) {
        return open(dataFile, labelsFile, -1);
    }

    /** @param numClasses the number of classes, or −1 to use the largest label + 1 */
    public static NpyDataset open(Path dataFile, Path labelsFile, int numClasses) {
        NpyArray x = load(dataFile, "an N×H×W×C float32 array");
        NpyArray y = load(labelsFile, "an N-long int64/int32/uint8 label array");
        if (x.dtype() != NpyArray.DType.F32) {
            throw new DataException(dataFile + ": dtype " + x.dtype().descr + ", expected float32 (<f4)");
        }
        if (x.rank() != 4 && x.rank() != 3) {
            throw new DataException(dataFile + ": shape " + Arrays.toString(x.shape()) + ", expected N×H×W×C");
        }
        if (y.dtype() == NpyArray.DType.F32 || y.rank() != 1) {
            throw new DataException(labelsFile + ": " + y.dtype().descr + " array of shape " + Arrays.toString(y.shape())
                    + ", expected an N-long int64/int32/uint8 array");
        }
        if (y.dim(0) != x.dim(0)) {
            throw new DataException(labelsFile + ": " + y.dim(0) + " labels but " + dataFile + " has " + x.dim(0) + " items");
        }
        int[] labels;
        try {
            labels = y.ints();
        } catch (IllegalStateException e) {
            throw new DataException(labelsFile + ": " + e.getMessage());
        }
        int max = -1;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) throw new DataException(labelsFile + ": negative label " + labels[i] + " at index " + i);
            max = Math.max(max, labels[i]);
        }
        int classes = numClasses < 0 ? Math.max(1, max + 1) : numClasses;
        if (max >= classes) throw new DataException(labelsFile + ": label " + max + " but only " + classes + " classes");
        return new NpyDataset(x.floats(), labels, x.shape(), classes);
    }

    private static NpyArray load(Path file, String what) {
        if (!Files.exists(file)) throw new DataException("dataset not found: " + file + " (expected " + what + " in .npy format)");
        try {
            return Npy.read(file);
        } catch (FileFormatException e) {
            throw new DataException(e.getMessage(), e);
        }
    }

    @Override public int count() { return count; }
    @Override public int height() { return height; }
    @Override public int width() { return width; }
    @Override public int channels() { return channels; }
    @Override public int numClasses() { return numClasses; }
    @Override public int label(int i) { return labels[i]; }

    @Override
    public void copyImage(int i, float[] out, int offset) {
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException("item " + i + " outside [0, " + count + ")");
        int size = imageSize();
        System.arraycopy(data, i * size, out, offset, size);
    }
}
