package imfengine.cli;

import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Dense (no sparsity) peak TFLOP/s of the GPUs the device check meets, per precision, from NVIDIA's data
 * sheets: the denominator of MFU in {@code bench}. The CUDA device name is matched by the first entry whose
 * key it contains (so "H200 NVL" before "H200", "H100 PCIe" before "H100", whose plain name,
 * "NVIDIA H100 80GB HBM3", is the SXM card). Unknown cards have no peak: {@code --peak-gflops} gives one.
 */
final class GpuPeaks {
    /** fp32 = CUDA cores; tf32 and bf16 = tensor cores, dense. */
    record Card(String key, double fp32, double tf32, double bf16) {}

    static final List<Card> CARDS = List.of(
            new Card("H200 NVL", 60, 417.5, 835),
            new Card("H200", 67, 494.5, 989),       // H200 SXM: the H100 SXM's compute
            new Card("H100 NVL", 60, 417.5, 835),
            new Card("H100 PCIe", 51, 378, 756),
            new Card("H100", 67, 494.5, 989),       // H100 SXM
            new Card("A100", 19.5, 156, 312));

    private GpuPeaks() {}

    /** The card's dense peak in TFLOP/s for {@code precision} (fp32, tf32, bf16), if the card is known. */
    static OptionalDouble tflops(String deviceName, String precision) {
        String n = deviceName.toUpperCase(Locale.ROOT);
        for (Card c : CARDS) {
            if (!n.contains(c.key().toUpperCase(Locale.ROOT))) continue;
            return switch (precision) {
                case "fp32" -> OptionalDouble.of(c.fp32());
                case "tf32" -> OptionalDouble.of(c.tf32());
                case "bf16" -> OptionalDouble.of(c.bf16());
                default -> throw new IllegalArgumentException("unknown precision '" + precision + "' (fp32, tf32, bf16)");
            };
        }
        return OptionalDouble.empty();
    }
}
