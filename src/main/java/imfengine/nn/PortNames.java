package imfengine.nn;

import java.util.regex.Pattern;

/**
 * Parameter names of the authors' PyTorch port (branch {@code torch} of Lyy-iiis/imeanflow) from
 * ours and back. The two agree except where the port wraps a module to mimic Flax: every Linear
 * (attention projections, SwiGLU {@code w1 w2 w3}, the timestep MLPs {@code mlp.0 mlp.2}, the final
 * layers' {@code linear}) holds its {@code nn.Linear} as {@code ._flax_linear}, and the class table
 * holds its {@code nn.Embedding} as {@code ._flax_embedding}:
 * <pre>
 *   net.shared_blocks.0.attn.q_proj.weight    ↔  net.shared_blocks.0.attn.q_proj._flax_linear.weight
 *   net.h_embedder.mlp.0.bias                 ↔  net.h_embedder.mlp.0._flax_linear.bias
 *   net.y_embedder.embedding_table.weight     ↔  net.y_embedder.embedding_table._flax_embedding.weight
 *   net.x_embedder.proj.weight                ↔  (same: a plain nn.Conv2d)
 * </pre>
 */
public final class PortNames {
    private static final String FLAX_LINEAR = "._flax_linear.", FLAX_EMBEDDING = "._flax_embedding.";
    /** Our modules that are a TorchLinear in the port, identified by their last name part(s). */
    private static final Pattern LINEAR = Pattern.compile("(.*\\.(?:q_proj|k_proj|v_proj|out_proj|w1|w2|w3|mlp\\.0|mlp\\.2|linear))\\.(weight|bias)");
    private static final Pattern EMBEDDING = Pattern.compile("(.*\\.embedding_table)\\.weight");

    private PortNames() {}

    /** The port's name of our parameter {@code name}. */
    public static String toPort(String name) {
        var m = LINEAR.matcher(name);
        if (m.matches()) return m.group(1) + FLAX_LINEAR + m.group(2);
        m = EMBEDDING.matcher(name);
        if (m.matches()) return m.group(1) + FLAX_EMBEDDING + "weight";
        return name;
    }

    /**
     * Our name of the port's {@code portName}, or null when it is not the port's spelling of one of
     * ours (e.g. a Linear weight without {@code ._flax_linear}, or a wrapper where the port has none).
     */
    public static String fromPort(String portName) {
        String ours = portName.replace(FLAX_LINEAR, ".").replace(FLAX_EMBEDDING, ".");
        return toPort(ours).equals(portName) ? ours : null;
    }
}
