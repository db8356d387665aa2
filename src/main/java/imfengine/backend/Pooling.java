package imfengine.backend;

/** What a pooling window computes; padded taps never win a max and count for an average only where said. */
public enum Pooling {
    MAX,
    /** The mean over all {@code size²} taps, padding counted as zeros (PyTorch's default {@code count_include_pad=True}). */
    AVG_INCLUDE_PAD,
    /** The mean over the taps inside the image ({@code count_include_pad=False}, as Inception-v3 for FID uses). */
    AVG_EXCLUDE_PAD
}
