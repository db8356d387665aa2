package imfengine.cli;

import imfengine.imf.Checkpoint;
import imfengine.io.HostArray;
import imfengine.io.Safetensors;
import imfengine.io.SafetensorsFile;
import imfengine.nn.ModelConfig;
import imfengine.nn.PortNames;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code export}: a checkpoint's weights as a plain state dict under the authors' PyTorch port's names. */
final class ExportCommand implements Command {
    /** The port's inference model builds no v-head blocks (but does build v_final_layer). */
    private static final String V_BLOCKS = "net.v_heads.";

    @Override public String name() { return "export"; }

    @Override public String summary() { return "write a checkpoint's weights as a state dict for the authors' PyTorch port"; }

    @Override public String help() {
        return """
                usage: imf-engine export --checkpoint FILE --out FILE.safetensors [options]

                Writes the checkpoint's EMA (or raw) weights as a plain safetensors state dict under
                the exact names of the authors' PyTorch port (branch torch of Lyy-iiis/imeanflow:
                net.shared_blocks.0.attn.q_proj._flax_linear.weight, ...), so that
                  model.load_state_dict(safetensors.torch.load_file(OUT), strict=True)
                accepts it. The model config is kept as safetensors metadata.

                  --checkpoint FILE  a checkpoint written by train (required)
                  --out FILE         the file to write (required; not the checkpoint itself)
                  --raw              the raw weights instead of the EMA
                  --layout L         eval (default): the port's inference model iMeanFlow(...),
                                     which has v_final_layer but no v-head blocks — the layout
                                     of the released .pth files; full: every tensor, v_heads
                                     included (imfDiT(eval_mode=False) under net.)
                """;
    }

    @Override public int run(List<String> argv) {
        Args a = Args.parse("export", argv, Set.of("checkpoint", "out", "layout"), Set.of("raw"));
        if (!a.has("checkpoint")) throw new UsageException("export: --checkpoint FILE is required");
        if (!a.has("out")) throw new UsageException("export: --out FILE is required");
        Path file = Path.of(a.string("checkpoint", "")), out = Path.of(a.string("out", ""));
        if (!Files.isRegularFile(file)) throw new UsageException("export: checkpoint not found: " + file);
        if (out.toAbsolutePath().normalize().equals(file.toAbsolutePath().normalize()))
            throw new UsageException("export: --out is the checkpoint itself; give another file");
        String layout = a.string("layout", "eval");
        if (!layout.equals("eval") && !layout.equals("full")) throw new UsageException("export: --layout must be eval or full, got '" + layout + "'");
        SafetensorsFile ckpt = SampleCommand.openCheckpoint(file);
        ModelConfig mc = SampleCommand.configOf(ckpt);
        String prefix = a.flag("raw") ? "" : Checkpoint.EMA;
        Map<String, HostArray> tensors = new LinkedHashMap<>();
        for (String name : ckpt.names()) {
            if (!name.startsWith(prefix + "net.")) continue;
            String ours = name.substring(prefix.length());
            if (layout.equals("eval") && ours.startsWith(V_BLOCKS)) continue;
            tensors.put(PortNames.toPort(ours), ckpt.get(name));
        }
        if (tensors.isEmpty()) throw new UsageException("export: " + file + " has no " + (prefix.isEmpty() ? "raw" : "EMA") + " weights");
        Map<String, String> meta = new LinkedHashMap<>(mc.toMetadata());
        meta.put("format", "pt"); // what safetensors' own torch writer records
        meta.put("weights", prefix.isEmpty() ? "raw" : "ema");
        meta.put("layout", layout);
        Safetensors.write(out, tensors, meta);
        System.out.printf("wrote %s (%d tensors, %s weights, %s layout, names of the authors' PyTorch port)%n",
                out, tensors.size(), prefix.isEmpty() ? "raw" : "EMA", layout);
        return 0;
    }
}
