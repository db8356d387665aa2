package imfengine.data;

/**
 * A finite, random-access set of labelled images. Images are {@code height×width×channels}
 * floats, channels last; a batch is {@code N×H×W×C}. Image datasets (MNIST) scale pixels to
 * [−1, 1]; latent datasets ({@link NpyDataset}) give values as stored.
 */
public interface Dataset {
    int count();

    int height();

    int width();

    int channels();

    /** Labels lie in {@code [0, numClasses)}. */
    int numClasses();

    int label(int i);

    /** Copies image {@code i} ({@link #imageSize()} floats) into {@code out} at {@code offset}. {@code out} Modified. */
    void copyImage(int i, float[] out, int offset);

    /** Floats per image: {@code height·width·channels}. */
    default int imageSize() {
        return height() * width() * channels();
    }

    /** A fresh copy of image {@code i}. */
    default float[] image(int i) {
        float[] out = new float[imageSize()];
        copyImage(i, out, 0);
        return out;
    }

    /**
     * Gathers a batch: image {@code indices[b]} goes to {@code images[b·imageSize() ...]}, its label
     * to {@code labels[b]}. {@code images} and {@code labels} Modified (at least {@code indices.length}
     * entries' worth); {@code labels} may be null when labels are not wanted.
     */
    default void fillBatch(int[] indices, float[] images, int[] labels) {
        int size = imageSize();
        if (images.length < (long) indices.length * size) {
            throw new IllegalArgumentException("images buffer holds " + images.length + " floats, batch needs "
                    + (long) indices.length * size);
        }
        if (labels != null && labels.length < indices.length) {
            throw new IllegalArgumentException("labels buffer holds " + labels.length + ", batch needs " + indices.length);
        }
        for (int b = 0; b < indices.length; b++) {
            copyImage(indices[b], images, b * size);
            if (labels != null) labels[b] = label(indices[b]);
        }
    }

    /** A view of {@code base} restricted to {@code indices} (copied), in that order. */
    static Dataset subset(Dataset base, int[] indices) {
        return new Subset(base, indices);
    }
}
