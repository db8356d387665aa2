package imfengine.nn;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Size of an imfDiT. The condition-token counts are the authors' (8 class, 4 ω, 2 t_min, 2 t_max,
 * 4 h). {@code mlpHidden} is {@code int(D·8/3)}.
 */
public record ModelConfig(String name, int imageSize, int channels, int classes,
                          int hidden, int depth, int heads, int auxDepth, int patch) {
    public static final int CLASS_TOKENS = 8, OMEGA_TOKENS = 4, INTERVAL_TOKENS = 2, TIME_TOKENS = 4;
    public static final double BLOCK_INIT = 0.32;

    public ModelConfig {
        if (depth <= auxDepth) throw new IllegalArgumentException("depth " + depth + " must exceed aux depth " + auxDepth);
        if (imageSize % patch != 0) throw new IllegalArgumentException("image size " + imageSize + " not divisible by patch " + patch);
        if (hidden % heads != 0) throw new IllegalArgumentException("hidden " + hidden + " not divisible by " + heads + " heads");
    }

    /** The tests' model (8×8×1 images, 3 classes, D = 16): {@code --preset tiny}, for dry runs under {@code --device emulated}. */
    public static final ModelConfig TINY = new ModelConfig("tiny", 8, 1, 3, 16, 3, 2, 1, 4);

    /** The presets users name with {@code --preset}, and {@link #TINY}. */
    public static ModelConfig preset(String name) {
        return switch (name) {
            case "tiny" -> TINY;
            case "xs" -> new ModelConfig("xs", 28, 1, 10, 96, 6, 3, 2, 4);
            case "s" -> new ModelConfig("s", 28, 1, 10, 192, 8, 3, 2, 2);
            case "B/2" -> new ModelConfig("B/2", 32, 4, 1000, 768, 12, 12, 8, 2);
            case "M/2" -> new ModelConfig("M/2", 32, 4, 1000, 768, 24, 12, 8, 2);
            case "L/2" -> new ModelConfig("L/2", 32, 4, 1000, 1024, 32, 16, 8, 2);
            case "XL/2" -> new ModelConfig("XL/2", 32, 4, 1000, 1024, 48, 16, 8, 2);
            default -> throw new IllegalArgumentException("unknown preset '" + name + "' (presets: " + String.join(", ", PRESETS) + ")");
        };
    }

    public static final String[] PRESETS = {"xs", "s", "B/2", "M/2", "L/2", "XL/2"};

    public int mlpHidden() { return (int) (hidden * 8.0 / 3.0); }

    public int headDim() { return hidden / heads; }

    public int sharedDepth() { return depth - auxDepth; }

    public int patches() { return (imageSize / patch) * (imageSize / patch); }

    public int prefixTokens() { return CLASS_TOKENS + OMEGA_TOKENS + 2 * INTERVAL_TOKENS + TIME_TOKENS; }

    public int sequenceLength() { return prefixTokens() + patches(); }

    public int patchDim() { return patch * patch * channels; }

    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("preset", name);
        m.put("image_size", "" + imageSize);
        m.put("channels", "" + channels);
        m.put("num_classes", "" + classes);
        m.put("hidden_size", "" + hidden);
        m.put("depth", "" + depth);
        m.put("num_heads", "" + heads);
        m.put("aux_head_depth", "" + auxDepth);
        m.put("patch_size", "" + patch);
        return m;
    }

    public static ModelConfig fromMetadata(Map<String, String> m) {
        try {
            return new ModelConfig(m.get("preset"), Integer.parseInt(m.get("image_size")), Integer.parseInt(m.get("channels")),
                    Integer.parseInt(m.get("num_classes")), Integer.parseInt(m.get("hidden_size")), Integer.parseInt(m.get("depth")),
                    Integer.parseInt(m.get("num_heads")), Integer.parseInt(m.get("aux_head_depth")), Integer.parseInt(m.get("patch_size")));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("model config missing or invalid in metadata: " + e.getMessage());
        }
    }
}
