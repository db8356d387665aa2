package imfengine.data;

/** Unsigned 8-bit images in memory (N×H×W×C bytes) with byte labels; pixels map to [−1, 1] as {@code p/127.5 − 1}. */
final class U8Images implements Dataset {
    private final byte[] pixels;
    private final byte[] labels;
    private final int count, height, width, channels, numClasses;

    U8Images(byte[] pixels, byte[] labels, int count, int height, int width, int channels, int numClasses) {
        this.pixels = pixels;
        this.labels = labels;
        this.count = count;
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.numClasses = numClasses;
    }

    @Override public int count() { return count; }
    @Override public int height() { return height; }
    @Override public int width() { return width; }
    @Override public int channels() { return channels; }
    @Override public int numClasses() { return numClasses; }

    @Override
    public int label(int i) {
        return labels[i] & 0xFF;
    }

    @Override
    public void copyImage(int i, float[] out, int offset) {
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException("image " + i + " outside [0, " + count + ")");
        int size = imageSize();
        int src = i * size;
        for (int k = 0; k < size; k++) out[offset + k] = (pixels[src + k] & 0xFF) * (1f / 127.5f) - 1f;
    }

    /** Largest label + 1 (at least 1). */
    static int classesOf(byte[] labels, int count) {
        int max = 0;
        for (int i = 0; i < count; i++) max = Math.max(max, labels[i] & 0xFF);
        return max + 1;
    }
}
