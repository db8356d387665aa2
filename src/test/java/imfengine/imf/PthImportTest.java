package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.backend.cpu.CpuBackend;
import imfengine.io.FileFormatException;
import imfengine.io.PthFile;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.nn.Parameter;
import imfengine.nn.PortNames;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.testing.Backends;
import imfengine.testing.Ref;
import imfengine.testing.Tol;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12 item 5: the authors' checkpoints. Fixtures written by torch.save from a tiny model with
 * the port's names (tools/reference/make_pth_fixture.py; checked there against the authors' own
 * network) load into the engine, and the engine's u and v on fixed inputs match PyTorch's float64
 * forward of the same weights within {@link Tol#FORWARD} (norm-wise relative).
 */
class PthImportTest {
    static final String HINT = "regenerate with /usr/bin/python3 tools/reference/make_pth_fixture.py";
    static TorchFixture fx;

    @BeforeAll static void load() throws IOException { fx = TorchFixture.load("/fixtures/pth/port_tiny_v1.bin"); }

    static Path fixture(String name) {
        try {
            var url = PthImportTest.class.getResource("/fixtures/pth/" + name);
            if (url == null) throw new IllegalStateException("fixture " + name + " missing; " + HINT);
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static ModelConfig tiny() {
        int[] c = fx.ints("config");
        return new ModelConfig("pth", c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
    }

    @Test void zipAndLegacyFilesGiveTorchsUAndV() {
        for (String file : List.of("port_tiny_zip.pth", "port_tiny_legacy.pth")) {
            for (CpuBackend be : Backends.BOTH) {
                ImfDiT net;
                try (PthImport pth = PthImport.open(fixture(file), false)) {
                    assertEquals("the top level", pth.source());
                    ModelConfig mc = pth.config("pth", tiny().imageSize());
                    assertEquals(tiny(), mc, "architecture read off the tensors of " + file);
                    net = new ImfDiT(mc, be, 99, true);
                    pth.load(net.parameters(), Checkpoint.values(net.parameters()));
                }
                Outputs out = forward(net, ImfDiT.Heads.BOTH);
                double eu = Ref.relErr(out.u(), fx.floats("u")), ev = Ref.relErr(out.v(), fx.floats("v"));
                assertTrue(eu <= Tol.FORWARD, file + " u: " + eu);
                assertTrue(ev <= Tol.FORWARD, file + " v: " + ev);
            }
        }
    }

    @Test void releasedLayoutInBfloat16SamplesWithoutAVHead() {
        ImfDiT net = new ImfDiT(tiny(), Backends.SIMD, 99, false);
        try (PthImport pth = PthImport.open(fixture("port_tiny_eval_bf16.pth"), false)) {
            pth.load(net.parameters(), Checkpoint.values(net.parameters())); // its v_final_layer is accepted and unused
        }
        double e = Ref.relErr(forward(net, ImfDiT.Heads.U).u(), fx.floats("u_bf16"));
        assertTrue(e <= Tol.FORWARD, "u from bfloat16 weights: " + e);
        // a model with a v-head needs the v-head blocks the released layout does not have
        ImfDiT withV = new ImfDiT(tiny(), Backends.SIMD, 99, true);
        try (PthImport pth = PthImport.open(fixture("port_tiny_eval_bf16.pth"), false)) {
            FileFormatException x = assertThrows(FileFormatException.class, () -> pth.load(withV.parameters(), Checkpoint.values(withV.parameters())));
            assertTrue(x.getMessage().contains("missing from the top level: net.v_heads.0."), x.getMessage());
        }
    }

    @Test void xl2KeyLayoutOfTheAuthorsIsPresetXl2() {
        try (PthImport pth = PthImport.open(fixture("port_keys_xl2.pth"), false)) {
            pth.checkMatches(ModelConfig.preset("XL/2"));
            FileFormatException e = assertThrows(FileFormatException.class, () -> pth.checkMatches(ModelConfig.preset("B/2")));
            assertTrue(e.getMessage().contains("D=1024, depth 48 (aux 8), 16 heads") && e.getMessage().contains("(that is preset XL/2), not preset B/2"),
                    e.getMessage());
            // our names for an XL/2-deep model (width does not change names), in the port's spelling,
            // are exactly the keys of the port's inference model: all of them but the v-head blocks
            ModelConfig deep = new ModelConfig("names", 8, 4, 1000, 16, 48, 2, 8, 2);
            Set<String> ours = new ImfDiT(deep, Backends.SIMD, 0, true).parameters().stream().map(Parameter::name)
                    .filter(n -> !n.startsWith("net.v_heads.")).map(PortNames::toPort).collect(Collectors.toCollection(TreeSet::new));
            PthFile f = PthFile.read(fixture("port_keys_xl2.pth"));
            Set<String> theirs = new TreeSet<>(((Map<?, ?>) f.root()).keySet().stream().map(String::valueOf).toList());
            f.close();
            assertEquals(theirs, ours);
            assertEquals(654, theirs.size()); // 48 blocks × 13, embedders 19, tokens 5, two final layers 6
        }
    }

    @Test void outerKeysAreFoundAndListedWhenAbsent() {
        Path p = Path.of("x.pth");
        Map<String, Object> sd = stateDict("net.");
        Map<String, Object> both = new LinkedHashMap<>(Map.of("step", 10L));
        both.put("model", stateDict("net."));
        both.put("ema", sd);
        assertEquals("'ema'", PthImport.select(p, null, both, false).source(), "EMA weights first");
        assertEquals("'model'", PthImport.select(p, null, both, true).source(), "--raw: the raw weights");
        assertEquals("'state_dict'", PthImport.select(p, null, Map.of("state_dict", sd, "epoch", 3L), false).source());
        assertEquals("'model' → 'ema'", PthImport.select(p, null, Map.of("model", Map.of("ema", sd)), false).source());
        FileFormatException e = assertThrows(FileFormatException.class, () -> PthImport.select(p, null, Map.of("weights", sd, "epoch", 3L), false));
        assertTrue(e.getMessage().startsWith("x.pth: no state dict found: the top-level keys are [") && e.getMessage().contains("weights")
                && e.getMessage().contains("under ema, ema_model, model_ema, ema_state_dict, model, state_dict"), e.getMessage());
        e = assertThrows(FileFormatException.class, () -> PthImport.select(p, null, Map.of("ema", sd), true));
        assertTrue(e.getMessage().contains("[ema]") && e.getMessage().contains("under model, state_dict"), e.getMessage());
        // DistributedDataParallel's module. prefix goes; a bare network's state dict gets net.
        assertEquals(18, PthImport.select(p, null, stateDict("module.net."), false).tensorCount());
        PthImport bare = PthImport.select(p, null, stateDict(""), false);
        assertEquals(tiny(), bare.config("pth", 8));
    }

    @Test void missingExtraMisshapenAndIntegerTensorsAreNamed() {
        Path p = Path.of("x.pth");
        ImfDiT net = new ImfDiT(tiny(), Backends.SIMD, 0, false);
        Map<String, Object> sd = fullStateDict(net);
        sd.remove("net.u_heads.0.attn.q_proj._flax_linear.weight");
        assertLoadFails(p, sd, net, "1 tensor(s) missing from the top level: net.u_heads.0.attn.q_proj._flax_linear.weight");
        sd = fullStateDict(net);
        sd.put("net.extra.weight", tensor(PthFile.Dtype.F32, 2));
        sd.put("net.u_heads.0.attn.q_proj.weight", tensor(PthFile.Dtype.F32, 16, 16)); // our spelling, not the port's
        assertLoadFails(p, sd, net, "2 unexpected tensor(s) in the top level: net.extra.weight, net.u_heads.0.attn.q_proj.weight");
        sd = fullStateDict(net);
        sd.put("net.u_final_layer.norm.weight", tensor(PthFile.Dtype.F32, 17));
        assertLoadFails(p, sd, net, "net.u_final_layer.norm.weight has shape [17], the model expects [8]");
        sd = fullStateDict(net);
        sd.put("net.u_final_layer.norm.weight", tensor(PthFile.Dtype.I64, 8));
        assertLoadFails(p, sd, net, "net.u_final_layer.norm.weight has dtype I64");
    }

    /** A tensor past its storage's end, the model's last, is caught before the first tensor is copied. */
    @Test void aTensorOutsideItsStorageChangesNoParameter() {
        ImfDiT net = new ImfDiT(tiny(), Backends.SIMD, 7, true);
        List<Parameter> params = net.parameters();
        Map<String, float[]> before = new LinkedHashMap<>();
        for (Parameter q : params) before.put(q.name(), Host.floats(q.value()));
        Path file = fixture("port_tiny_zip.pth");
        try (PthFile f = PthFile.read(file)) {
            Map<Object, Object> sd = new LinkedHashMap<Object, Object>((Map<?, ?>) f.root());
            String last = PortNames.toPort(params.getLast().name());
            PthFile.TensorRef t = (PthFile.TensorRef) sd.get(last);
            sd.put(last, new PthFile.TensorRef(t.storage(), t.storage().numel(), t.shape(), t.stride()));
            PthImport pth = PthImport.select(file, f, sd, false);
            FileFormatException e = assertThrows(FileFormatException.class, () -> pth.load(params, Checkpoint.values(params)));
            assertTrue(e.getMessage().contains("tensor " + last + " reaches outside its storage"), e.getMessage());
        }
        for (Parameter q : params) assertArrayEquals(before.get(q.name()), Host.floats(q.value()), q.name() + " changed by a failed load");
    }

    private static void assertLoadFails(Path p, Map<String, Object> sd, ImfDiT net, String expected) {
        PthImport pth = PthImport.select(p, null, sd, false);
        FileFormatException e = assertThrows(FileFormatException.class, () -> pth.load(net.parameters(), Checkpoint.values(net.parameters())));
        assertTrue(e.getMessage().startsWith("x.pth: ") && e.getMessage().contains(expected) && !e.getMessage().contains("\n"), e.getMessage());
    }

    /** Port names and shapes of every parameter of {@code net} (data never read: the tests fail before copying). */
    private static Map<String, Object> fullStateDict(ImfDiT net) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Parameter q : net.parameters()) m.put(PortNames.toPort(q.name()), tensor(PthFile.Dtype.F32, q.value().shape().dims()));
        return m;
    }

    /** The 18 tensors config inference reads, for the tiny config, under {@code prefix}. */
    private static Map<String, Object> stateDict(String prefix) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(prefix + "x_embedder.proj.weight", tensor(PthFile.Dtype.F32, 8, 2, 2, 2));
        m.put(prefix + "y_embedder.embedding_table._flax_embedding.weight", tensor(PthFile.Dtype.F32, 4, 8));
        for (String b : List.of("shared_blocks.0", "shared_blocks.1", "u_heads.0"))
            for (String w : List.of("attn.q_norm.weight", "attn.k_norm.weight", "norm1.weight", "norm2.weight", "attn_scale"))
                m.put(prefix + b + "." + w, tensor(PthFile.Dtype.F32, w.contains("_norm") ? 4 : 8));
        m.put(prefix + "u_final_layer.norm.weight", tensor(PthFile.Dtype.F32, 8));
        return m;
    }

    private static PthFile.TensorRef tensor(PthFile.Dtype dt, int... shape) {
        long[] stride = new long[shape.length];
        long n = 1;
        for (int i = shape.length - 1; i >= 0; i--) { stride[i] = n; n *= shape[i]; }
        return new PthFile.TensorRef(new PthFile.Storage("0", dt, dt.name(), n, 0), 0, shape, stride);
    }

    /** The heads' outputs on the host (v null unless asked for). */
    private record Outputs(float[] u, float[] v) {}

    private static Outputs forward(ImfDiT net, ImfDiT.Heads heads) {
        int b = fx.ints("labels").length;
        try (Context cx = Context.open(net.backend(), Context.Tape.OFF)) {
            var x = cx.constant(Host.upload(cx, fx.floats("x"), Shape.of(fx.dims("x"))));
            var h = cx.constant(Host.upload(cx, fx.floats("h"), b));
            ImfDiT.Output out = net.forward(cx, x, h, new ImfDiT.Conditions(Host.upload(cx, fx.floats("omega"), b),
                    Host.upload(cx, fx.floats("t_min"), b), Host.upload(cx, fx.floats("t_max"), b), Host.upload(cx, fx.ints("labels"))), heads);
            return new Outputs(Host.floats(out.u().value()), out.v() == null ? null : Host.floats(out.v().value()));
        }
    }
}
