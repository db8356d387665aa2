package imfengine.io;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The contents of one safetensors file, fully read and validated: the {@code __metadata__} map,
 * the tensor names in file (data-offset) order, and each tensor converted to float32.
 */
public final class SafetensorsFile {
    private final Path path;
    private final Map<String, String> metadata;
    private final Map<String, HostArray> tensors;
    private final Map<String, String> dtypes;

    SafetensorsFile(Path path, Map<String, String> metadata, Map<String, HostArray> tensors, Map<String, String> dtypes) {
        this.path = path;
        this.metadata = Map.copyOf(metadata);
        this.tensors = tensors;
        this.dtypes = dtypes;
    }

    public Path path() { return path; }

    /** The {@code __metadata__} entries (empty when the file has none). */
    public Map<String, String> metadata() { return metadata; }

    /** Tensor names in the order their data appears in the file. */
    public List<String> names() { return List.copyOf(tensors.keySet()); }

    public boolean contains(String name) { return tensors.containsKey(name); }

    /** The named tensor as float32, or a {@link FileFormatException} naming the file if absent. */
    public HostArray get(String name) {
        HostArray a = tensors.get(name);
        if (a == null) throw new FileFormatException(path, "no tensor named '" + name + "'");
        return a;
    }

    /** The dtype the tensor had in the file ({@code F32}, {@code BF16}, {@code I64}, ...). */
    public String dtype(String name) {
        get(name);
        return dtypes.get(name);
    }
}
