package imfengine.imf;

import imfengine.io.FileFormatException;
import imfengine.io.PthFile;
import imfengine.nn.ModelConfig;
import imfengine.nn.Parameter;
import imfengine.nn.PortNames;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The authors' released checkpoints as our model's weights: a {@code torch.save} file of the
 * PyTorch port's state dict ({@code iMeanFlow(...).state_dict()}: names {@code net.…} with
 * {@code ._flax_linear.} parts, no {@code v_heads} since the port builds its inference model
 * without them). Finds the state dict in the file (at the top level or under an outer key),
 * maps the port's names to ours ({@link PortNames}), reads the architecture off the shapes (all
 * but the image size, which a state dict does not hold), and copies the tensors into the model
 * the way {@link Checkpoint#load} does.
 */
public final class PthImport implements AutoCloseable {
    /** Outer keys a training script may wrap the state dict in: EMA first, since sampling uses EMA weights. */
    public static final List<String> EMA_KEYS = List.of("ema", "ema_model", "model_ema", "ema_state_dict");
    public static final List<String> RAW_KEYS = List.of("model", "state_dict", "model_state_dict", "net");
    private static final String PATCH = "net.x_embedder.proj.weight", TABLE = "net.y_embedder.embedding_table._flax_embedding.weight";
    private static final List<String> V_HEAD = List.of("net.v_heads.", "net.v_final_layer.");

    private final Path path;
    private final PthFile file;
    private final String source;
    private final Map<String, PthFile.TensorRef> tensors;

    private PthImport(Path path, PthFile file, String source, Map<String, PthFile.TensorRef> tensors) {
        this.path = path;
        this.file = file;
        this.source = source;
        this.tensors = tensors;
    }

    /**
     * Opens {@code path} and picks its state dict: the top level when that is a dict of tensors,
     * else the first outer key of {@link #EMA_KEYS} then {@link #RAW_KEYS} ({@code raw}: only the
     * latter) that holds one. Otherwise a {@link FileFormatException} lists the keys the file has.
     */
    public static PthImport open(Path path, boolean raw) {
        PthFile f = PthFile.read(path);
        try {
            return select(path, f, f.root(), raw);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** The state dict in {@code root} (an unpickled object); {@code file} reads the data and may be null if none will be read. */
    static PthImport select(Path path, PthFile file, Object root, boolean raw) {
        if (!(root instanceof Map<?, ?> top))
            throw new FileFormatException(path, "holds a " + describe(root) + ", not a dict of tensors");
        List<String> order = raw ? RAW_KEYS : Stream.concat(EMA_KEYS.stream(), RAW_KEYS.stream()).toList();
        if (isStateDict(top)) return new PthImport(path, file, "the top level", normalise(top));
        for (String k : order) {
            if (top.get(k) instanceof Map<?, ?> m) {
                if (isStateDict(m)) return new PthImport(path, file, "'" + k + "'", normalise(m));
                for (String k2 : order)
                    if (m.get(k2) instanceof Map<?, ?> m2 && isStateDict(m2))
                        return new PthImport(path, file, "'" + k + "' → '" + k2 + "'", normalise(m2));
            }
        }
        throw new FileFormatException(path, "no state dict found: the top-level keys are " + keyList(top)
                + "; imf-engine looks for a dict of tensors at the top level or under " + String.join(", ", order));
    }

    /** Where in the file the weights were found, e.g. {@code the top level} or {@code 'ema'}. */
    public String source() { return source; }

    public int tensorCount() { return tensors.size(); }

    /**
     * The architecture the tensors have, with {@code imageSize} (not stored) supplied by the caller:
     * D, C and p from the patch embedding, classes from the label table, depth and aux depth from the
     * block counts, heads from the per-head QK-norm weight.
     */
    public ModelConfig config(String name, int imageSize) {
        Shape pe = shape(PATCH), table = shape(TABLE);
        if (pe.rank() != 4 || pe.dim(2) != pe.dim(3)) throw new FileFormatException(path, PATCH + " has shape " + pe + ", not [D, C, p, p]");
        int d = pe.dim(0), shared = count("net.shared_blocks."), aux = count("net.u_heads.");
        Shape qNorm = shape((shared > 0 ? "net.shared_blocks.0" : "net.u_heads.0") + ".attn.q_norm.weight");
        if (qNorm.rank() != 1 || qNorm.dim(0) == 0 || d % qNorm.dim(0) != 0)
            throw new FileFormatException(path, "QK-norm weight of shape " + qNorm + " does not divide D = " + d);
        if (table.rank() != 2) throw new FileFormatException(path, TABLE + " has shape " + table + ", not [classes + 1, D]");
        try {
            return new ModelConfig(name, imageSize, pe.dim(1), table.dim(0) - 1, d, shared + aux, d / qNorm.dim(0), aux, pe.dim(2));
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(path, "no imfDiT of image size " + imageSize + ": " + e.getMessage());
        }
    }

    /** Throws unless the tensors have {@code preset}'s architecture; names the preset they do have, if any. */
    public void checkMatches(ModelConfig preset) {
        ModelConfig have = config(preset.name(), preset.imageSize());
        if (have.equals(preset)) return;
        String match = "";
        for (String p : ModelConfig.PRESETS) {
            ModelConfig c = ModelConfig.preset(p);
            try {
                if (config(p, c.imageSize()).equals(c)) match = " (that is preset " + p + ")";
            } catch (FileFormatException ignored) {
                // e.g. the preset's image size is not a multiple of the file's patch size: no match
            }
        }
        throw new FileFormatException(path, "holds " + describe(have) + match + ", not preset " + preset.name() + " (" + describe(preset) + ")");
    }

    /**
     * Copies the file's tensor for every parameter into {@code into} (name → tensor), uploading
     * into those tensors. Checks everything first, so a bad file changes nothing: each parameter
     * must be present with its shape and a float dtype, inside its storage, whose bytes the file
     * holds; every tensor of the file must be used, except a v-head the model does not have (the
     * released files hold {@code v_final_layer} for a model without v-head blocks). Only a read
     * error while copying (a failing disk, a damaged zip entry) can stop it midway.
     */
    public void load(List<Parameter> params, Map<String, Tensor> into) {
        List<String> missing = new ArrayList<>(), problems = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (Parameter p : params) {
            String port = PortNames.toPort(p.name());
            PthFile.TensorRef t = tensors.get(port);
            if (t == null) { missing.add(port); continue; }
            used.add(port);
            Shape want = into.get(p.name()).shape(), have = shapeOf(port, t);
            if (!have.equals(want)) problems.add(port + " has shape " + have + ", the model expects " + want);
            else if (!t.isFloat()) problems.add(port + " has dtype " + t.dtypeName() + " (float32, float64, float16 or bfloat16 are read)");
        }
        boolean modelHasVHead = params.stream().anyMatch(p -> p.name().startsWith(V_HEAD.get(1)));
        List<String> extra = tensors.keySet().stream().filter(n -> !used.contains(n))
                .filter(n -> modelHasVHead || V_HEAD.stream().noneMatch(n::startsWith)).toList();
        if (!missing.isEmpty()) throw error(missing.size() + " tensor(s) missing from " + source + ": " + names(missing));
        if (!problems.isEmpty()) throw error(names(problems));
        if (!extra.isEmpty()) throw error(extra.size() + " unexpected tensor(s) in " + source + ": " + names(extra));
        for (Parameter p : params) {
            String port = PortNames.toPort(p.name());
            file.check(port, tensors.get(port)); // extents and storage sizes: still no data read
        }
        for (Parameter p : params) {
            String port = PortNames.toPort(p.name());
            Checkpoint.copyInto(file.array(port, tensors.get(port)), into.get(p.name()));
        }
    }

    @Override public void close() {
        if (file != null) file.close();
    }

    private FileFormatException error(String problem) { return new FileFormatException(path, problem); }

    private Shape shape(String name) {
        PthFile.TensorRef t = tensors.get(name);
        if (t == null) throw error("no tensor " + name + " in " + source + ": not an imfDiT state dict of the authors' port (its keys begin "
                + names(new ArrayList<>(tensors.keySet())) + ")");
        return shapeOf(name, t);
    }

    /** The tensor's sizes as a {@link Shape}; a negative size (a damaged file) is a format error, not an argument error. */
    private Shape shapeOf(String name, PthFile.TensorRef t) {
        try {
            return Shape.of(t.shape());
        } catch (IllegalArgumentException e) {
            throw error("tensor " + name + " has sizes " + Arrays.toString(t.shape()));
        }
    }

    /** Blocks {@code prefix0.}, {@code prefix1.}, … present: one more than the largest index. */
    private int count(String prefix) {
        int n = 0;
        for (String k : tensors.keySet()) {
            if (!k.startsWith(prefix)) continue;
            String rest = k.substring(prefix.length());
            int dot = rest.indexOf('.');
            try {
                n = Math.max(n, Integer.parseInt(dot < 0 ? rest : rest.substring(0, dot)) + 1);
            } catch (NumberFormatException ignored) {
                // not a block index: reported as an unexpected tensor when loading
            }
        }
        return n;
    }

    private static boolean isStateDict(Map<?, ?> m) {
        return !m.isEmpty() && m.entrySet().stream().allMatch(e -> e.getKey() instanceof String && e.getValue() instanceof PthFile.TensorRef);
    }

    /**
     * Port names under {@code net.}: drops a {@code module.} (DistributedDataParallel) or
     * {@code _orig_mod.} (torch.compile) prefix that every key has, and adds {@code net.} when no
     * key has it (the network's own state dict rather than the iMeanFlow wrapper's).
     */
    private static Map<String, PthFile.TensorRef> normalise(Map<?, ?> m) {
        List<String> keys = m.keySet().stream().map(k -> (String) k).toList();
        String strip = "";
        for (String p : List.of("module.", "_orig_mod."))
            if (keys.stream().allMatch(k -> k.startsWith(p))) strip = p;
        String s = strip;
        boolean addNet = keys.stream().noneMatch(k -> k.substring(s.length()).startsWith("net."));
        Map<String, PthFile.TensorRef> out = new LinkedHashMap<>();
        for (String k : keys) out.put((addNet ? "net." : "") + k.substring(s.length()), (PthFile.TensorRef) m.get(k));
        return out;
    }

    private static String describe(ModelConfig c) {
        return String.format("D=%d, depth %d (aux %d), %d heads, patch %d, %d channels, %d classes",
                c.hidden(), c.depth(), c.auxDepth(), c.heads(), c.patch(), c.channels(), c.classes());
    }

    private static String describe(Object o) {
        if (o instanceof PthFile.TensorRef) return "single tensor";
        if (o instanceof imfengine.io.Pickle.PyObject p) return "Python object " + p.callable;
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    private static String keyList(Map<?, ?> m) {
        List<String> ks = m.keySet().stream().map(String::valueOf).toList();
        return "[" + names(ks) + "]";
    }

    /** The first few items, then how many more: error messages stay one line. */
    static String names(List<String> items) {
        int show = Math.min(items.size(), 5);
        String head = String.join(", ", items.subList(0, show));
        return items.size() > show ? head + ", … (" + items.size() + " in all)" : head;
    }
}
