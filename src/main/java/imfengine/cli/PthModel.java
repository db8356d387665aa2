package imfengine.cli;

import imfengine.backend.Backend;
import imfengine.imf.Checkpoint;
import imfengine.imf.PthImport;
import imfengine.io.FileFormatException;
import imfengine.io.PthFile;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;

import java.nio.file.Path;

/**
 * A model from the authors' released PyTorch checkpoint ({@code .pth}). A state dict holds every
 * size but the image size, so the user names a preset (checked against the tensors) or gives the
 * image size and the rest is read off the shapes.
 */
final class PthModel {
    private PthModel() {}

    static boolean isPth(Path file) { return PthFile.looksLikePth(file); }

    /**
     * Builds a model and loads the file's weights ({@code raw}: the non-EMA state dict when the
     * file holds both). Bad files and mismatched sizes become one-line usage errors.
     */
    static ImfDiT open(String cmd, Path file, String preset, String imageSize, boolean raw, Backend be) {
        if (preset == null && imageSize == null)
            throw new UsageException(cmd + ": " + file + " is a PyTorch checkpoint without its image size: give --preset (e.g. XL/2) or --image-size N");
        if (preset != null && imageSize != null) throw new UsageException(cmd + ": give --preset or --image-size, not both");
        try (PthImport pth = PthImport.open(file, raw)) {
            ModelConfig mc;
            if (preset != null) {
                try {
                    mc = ModelConfig.preset(preset);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(cmd + ": " + e.getMessage());
                }
                pth.checkMatches(mc);
            } else {
                mc = pth.config("pth", positive(cmd, imageSize));
            }
            ImfDiT net = new ImfDiT(mc, be, 0, false);
            pth.load(net.parameters(), Checkpoint.values(net.parameters()));
            return net;
        } catch (FileFormatException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static int positive(String cmd, String s) {
        try {
            int n = Integer.parseInt(s);
            if (n > 0) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(cmd + ": --image-size must be a positive integer, got '" + s + "'");
    }
}
