package imfengine.cli;

import imfengine.testing.SyntheticMnist;
import imfengine.imf.ObjectiveConfig;
import imfengine.imf.TrainConfig;
import imfengine.imf.Trainer;
import imfengine.io.HostArray;
import imfengine.io.Npy;
import imfengine.io.NpyArray;
import imfengine.io.Safetensors;
import imfengine.io.SafetensorsFile;
import imfengine.nn.ModelConfig;
import imfengine.nn.PortNames;
import imfengine.testing.Backends;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code export} writes the port's exact names with the checkpoint's values; {@code sample} reads
 * the authors' .pth files given their size, and refuses a size that does not fit with one line.
 */
class PortCliTest {
    @TempDir static Path dir;
    static Path checkpoint;

    @BeforeAll static void makeCheckpoint() throws Exception {
        Path mnist = SyntheticMnist.write(dir.resolve("mnist.bin"), 20, 37);
        TrainConfig cfg = new TrainConfig(ModelConfig.preset("xs"), 2, 1, 0, 1e-3, 1, 0.9, 0, 0, dir.resolve("run"),
                ObjectiveConfig.paper(), 1f, 0f, 1f);
        new Trainer(cfg, imfengine.data.MnistCache.open(mnist), Backends.SIMD, null, new PrintStream(OutputStream.nullOutputStream())).run();
        checkpoint = dir.resolve("run/checkpoint.safetensors");
    }

    static Path fixture(String name) throws URISyntaxException {
        var url = PortCliTest.class.getResource("/fixtures/pth/" + name);
        assertNotNull(url, "fixture " + name + "; regenerate with /usr/bin/python3 tools/reference/make_pth_fixture.py");
        return Path.of(url.toURI());
    }

    @Test void exportWritesThePortsNamesWithTheCheckpointsValues() {
        SafetensorsFile ckpt = Safetensors.read(checkpoint);
        for (String layout : List.of("eval", "full")) {
            for (boolean raw : List.of(false, true)) {
                Path out = dir.resolve("export-" + layout + raw + ".safetensors");
                CliRun r = raw ? CliRun.of("export", "--checkpoint", checkpoint.toString(), "--out", out.toString(), "--layout", layout, "--raw")
                        : CliRun.of("export", "--checkpoint", checkpoint.toString(), "--out", out.toString(), "--layout", layout);
                assertEquals(0, r.code(), r.err());
                SafetensorsFile f = Safetensors.read(out);
                String prefix = raw ? "" : "ema.";
                Set<String> want = new TreeSet<>();
                for (String n : ckpt.names())
                    if (n.startsWith(prefix + "net.") && !(layout.equals("eval") && n.startsWith(prefix + "net.v_heads.")))
                        want.add(PortNames.toPort(n.substring(prefix.length())));
                assertEquals(want, new TreeSet<>(f.names()), layout + " raw=" + raw);
                assertTrue(want.contains("net.shared_blocks.0.attn.q_proj._flax_linear.weight"));
                assertTrue(want.contains("net.v_final_layer.linear._flax_linear.bias"), "the port's inference model has v_final_layer");
                for (String n : f.names()) {
                    HostArray a = f.get(n), b = ckpt.get(prefix + PortNames.fromPort(n));
                    assertArrayEquals(b.shape(), a.shape(), n);
                    assertArrayEquals(b.data(), a.data(), 0f, n);
                }
                assertEquals(layout, f.metadata().get("layout"));
                assertEquals(raw ? "raw" : "ema", f.metadata().get("weights"));
                assertEquals("xs", f.metadata().get("preset"));
            }
        }
    }

    @Test void exportRefusesBadInputWithOneLine() throws Exception {
        CliErrorsTest.failsWithOneLine("--out FILE is required", "export", "--checkpoint", checkpoint.toString());
        CliErrorsTest.failsWithOneLine("--out is the checkpoint itself", "export", "--checkpoint", checkpoint.toString(), "--out", checkpoint.toString());
        CliErrorsTest.failsWithOneLine("--layout must be eval or full", "export", "--checkpoint", checkpoint.toString(), "--out", dir.resolve("e.st").toString(), "--layout", "x");
        CliErrorsTest.failsWithOneLine("a PyTorch .pth checkpoint, not one written by train", "export", "--checkpoint", fixture("port_tiny_zip.pth").toString(),
                "--out", dir.resolve("e.st").toString());
        assertFalse(Files.exists(dir.resolve("e.st")));
        assertTrue(CliRun.of("export", "--help").out().contains("strict=True"));
    }

    @Test void sampleReadsAReleasedLayoutPth() throws Exception {
        Path out = dir.resolve("pth-samples.png");
        CliRun r = CliRun.of("sample", "--checkpoint", fixture("port_tiny_eval_bf16.pth").toString(), "--image-size", "8", "--per-class", "2",
                "--out", out.toString(), "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.exists(out), "2-channel samples are not an image: no PNG");
        NpyArray a = Npy.read(dir.resolve("pth-samples.npy"));
        assertArrayEquals(new int[]{6, 8, 8, 2}, a.shape());
        assertTrue(r.out().contains("pth-samples.npy") && !r.out().contains("pth-samples.png"), r.out());
    }

    @Test void samplePthNeedsAFittingSize() throws Exception {
        String pth = fixture("port_tiny_eval_bf16.pth").toString();
        CliErrorsTest.failsWithOneLine("give --preset (e.g. XL/2) or --image-size N", "sample", "--checkpoint", pth);
        CliErrorsTest.failsWithOneLine("holds D=8, depth 3 (aux 1), 2 heads, patch 2, 2 channels, 3 classes, not preset XL/2 (D=1024",
                "sample", "--checkpoint", pth, "--preset", "XL/2");
        CliErrorsTest.failsWithOneLine("no imfDiT of image size 7", "sample", "--checkpoint", pth, "--image-size", "7");
        CliErrorsTest.failsWithOneLine("--preset and --image-size are for .pth files", "sample", "--checkpoint", checkpoint.toString(), "--preset", "xs");
        CliErrorsTest.failsWithOneLine("no tensor net.x_embedder.proj.weight in 'model': not an imfDiT state dict", "sample", "--checkpoint",
                fixture("pth_cases_zip.pth").toString(), "--image-size", "8", "--raw");
    }
}
