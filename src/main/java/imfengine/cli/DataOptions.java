package imfengine.cli;

import imfengine.data.DataException;
import imfengine.data.Dataset;
import imfengine.data.IdxDataset;
import imfengine.data.MnistCache;
import imfengine.data.NpyDataset;
import imfengine.data.Split;

import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the dataset named by {@code --data} (and {@code --labels} for .npy latents). */
final class DataOptions {
    /** The help lines of {@code --data} and {@code --labels}, descriptions starting at column {@code 2 + width}. */
    static String help(int width) {
        return HelpText.option(width, "--data PATH", "data/mnist.bin (default, from `make data`), a folder with the",
                        "IDX files (train-images-idx3-ubyte[.gz] ...), or an .npy of latents",
                        "N×H×W×C float32 together with --labels")
                + HelpText.option(width, "--labels PATH", "labels .npy for --data x.npy");
    }

    private DataOptions() {}

    /** The dataset path {@code --data} names (the MNIST cache by default). */
    static Path path(Args a) { return Path.of(a.string("data", MnistCache.DEFAULT_PATH.toString())); }

    static Dataset open(Args a, Split split) {
        Path data = path(a);
        try {
            if (data.toString().endsWith(".npy")) {
                if (!a.has("labels")) throw new UsageException("--data " + data + " needs --labels LABELS.npy");
                return NpyDataset.open(data, Path.of(a.string("labels", "")));
            }
            if (Files.isDirectory(data)) return IdxDataset.openDir(data, split == Split.TRAIN ? "train" : "t10k");
            return MnistCache.open(data).split(split);
        } catch (DataException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
