package imfengine.imf;

import imfengine.io.FileFormatException;
import imfengine.io.HostArray;
import imfengine.io.Safetensors;
import imfengine.io.SafetensorsFile;
import imfengine.nn.ModelConfig;
import imfengine.nn.Parameter;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training state in one safetensors file: weights under their model names ({@code net.…}),
 * EMA weights ({@code ema.net.…}), AdamW moments ({@code adam_m.…}, {@code adam_v.…}), and as
 * metadata the model config, step counters, data-sampler state and training settings. Written
 * atomically, so an interrupted save never leaves a half-written checkpoint.
 */
public final class Checkpoint {
    public static final String FORMAT = "imf-engine-checkpoint-1";
    public static final String EMA = "ema.", ADAM_M = "adam_m.", ADAM_V = "adam_v.";

    private Checkpoint() {}

    /** Writes {@code groups} (prefix → name → tensor) and {@code metadata} to {@code file}. */
    public static void save(Path file, Map<String, Map<String, Tensor>> groups, Map<String, String> metadata) {
        Map<String, HostArray> all = new LinkedHashMap<>();
        groups.forEach((prefix, tensors) -> tensors.forEach((name, t) -> {
            float[] host = new float[t.shape().intSize()];
            t.backend().download(t, host);
            all.put(prefix + name, new HostArray(t.shape().dims(), host));
        }));
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("format", FORMAT);
        Safetensors.write(file, all, meta);
    }

    /** Reads a checkpoint, checking its format marker; the model config comes from its metadata. */
    public static SafetensorsFile open(Path file) {
        if (!java.nio.file.Files.exists(file)) throw new IllegalArgumentException("checkpoint not found: " + file);
        SafetensorsFile f = Safetensors.read(file);
        if (!FORMAT.equals(f.metadata().get("format")))
            throw new FileFormatException(file, "not an imf-engine checkpoint (metadata format = " + f.metadata().get("format") + ")");
        return f;
    }

    /** A checkpoint's metadata only (the run's settings), checking its format marker; the tensors are not read. */
    public static Map<String, String> metadata(Path file) {
        if (!java.nio.file.Files.exists(file)) throw new IllegalArgumentException("checkpoint not found: " + file);
        Map<String, String> m = Safetensors.readMetadata(file);
        if (!FORMAT.equals(m.get("format")))
            throw new FileFormatException(file, "not an imf-engine checkpoint (metadata format = " + m.get("format") + ")");
        return m;
    }

    public static ModelConfig config(SafetensorsFile f) {
        return ModelConfig.fromMetadata(f.metadata());
    }

    /** Uploads {@code prefix + name} for every parameter into {@code into} (same shapes), or throws naming the tensor. */
    public static void load(SafetensorsFile f, String prefix, List<Parameter> params, Map<String, Tensor> into) {
        for (Parameter p : params) {
            String key = prefix + p.name();
            if (!f.contains(key)) throw new FileFormatException(f.path(), "missing tensor " + key);
            HostArray a = f.get(key);
            Shape s = Shape.of(a.shape());
            Tensor dst = into.get(p.name());
            if (!s.equals(dst.shape()))
                throw new FileFormatException(f.path(), "tensor " + key + " has shape " + s + ", the model expects " + dst.shape());
            dst.backend().upload(a.data(), dst);
        }
    }

    /** name → value tensor of each parameter (the live weights). */
    public static Map<String, Tensor> values(List<Parameter> params) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Parameter p : params) m.put(p.name(), p.value());
        return m;
    }
}
