package imfengine.testing;

import imfengine.data.MnistCache;

import java.nio.file.Path;

/** A tiny MNIST-format cache for tests that need a {@code --data} file: 28×28 bytes in a repeating pattern, labels 0..9 in turn. */
public final class SyntheticMnist {
    private SyntheticMnist() {}

    /** Writes {@code n} images whose byte {@code i} (over the whole file) is {@code (byte) (i·step)}; returns {@code file}. */
    public static Path write(Path file, int n, int step) {
        byte[] px = new byte[n * 784], labels = new byte[n];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * step);
        for (int i = 0; i < n; i++) labels[i] = (byte) (i % 10);
        MnistCache.write(file, n, 28, 28, px, labels);
        return file;
    }
}
