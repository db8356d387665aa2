package imfengine.backend.cuda;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the host reads from our PTX text (not from the driver, so it works without a GPU): each entry's
 * {@code .param} types, and the launch-geometry constants the kernels export as
 * {@code extern "C" __device__ const int name = value;}, so that such a constant is defined once, in the
 * {@code .cu} file that relies on it.
 */
final class PtxText {
    private static final Pattern ENTRY = Pattern.compile("\\.visible\\s+\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.(\\w+)\\s+\\w+(\\[\\d+\\])?");
    private static final Pattern CONSTANT = Pattern.compile("(?m)^\\.(?:visible\\s+)?global\\s+\\.align\\s+\\d+\\s+\\.u32\\s+(\\w+)(?:\\s*=\\s*(\\d+))?;");
    private static final Map<String, Map<String, Integer>> CONSTANTS = new ConcurrentHashMap<>();

    private PtxText() {}

    static String of(String resource) {
        byte[] b = PtxModules.ptxBytes(resource);
        return new String(b, 0, b.length - 1, StandardCharsets.UTF_8);
    }

    /** Entry name → its parameter types in PTX spelling ({@code u64}, {@code u32}, {@code f32}, {@code f64}, {@code b8[136]}). */
    static Map<String, List<String>> entries(String ptx) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            List<String> params = new ArrayList<>();
            Matcher p = PARAM.matcher(m.group(2));
            while (p.find()) params.add(p.group(1) + (p.group(2) == null ? "" : p.group(2)));
            out.put(m.group(1), params);
        }
        return out;
    }

    /** The exported {@code int} constant {@code name} of family {@code family} (0 when declared without a value). */
    static int constant(String family, String name) {
        Map<String, Integer> c = CONSTANTS.computeIfAbsent(family, f -> constants(of("/ptx/" + f + ".ptx")));
        Integer v = c.get(name);
        if (v == null) throw new CudaException("/ptx/" + family + ".ptx exports no constant " + name + " (run `make ptx`)");
        return v;
    }

    static Map<String, Integer> constants(String ptx) {
        Map<String, Integer> out = new LinkedHashMap<>();
        Matcher m = CONSTANT.matcher(ptx);
        while (m.find()) out.put(m.group(1), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
        return out;
    }
}
