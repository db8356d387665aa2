package imfengine.vision;

import imfengine.backend.Backend;
import imfengine.io.FileFormatException;
import imfengine.io.HostArray;
import imfengine.io.Safetensors;
import imfengine.io.SafetensorsFile;
import imfengine.testing.Backends;
import imfengine.testing.Ref;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SD-VAE decoder against a from-scratch PyTorch twin (float64) on a tiny random decoder in the real file's
 * name layout: {@code tools/reference/make_vae_fixture.py} writes {@code vae_tiny_v1.safetensors}
 * (block_out_channels [8, 16, 16, 32], 3 resnets per up block, 4 groups, two 4×4×4 latents → 32×32 images),
 * on every backend (the CUDA one under the emulator without a GPU). The full-size twin is
 * {@link VaeDecoderFullSizeTest} ({@code make test-vae-full}).
 */
class VaeDecoderTest {
    /** Float32 decoder vs float64 PyTorch, norm-wise relative (measured: 1.5e-6 on the scalar, vector and emulated CUDA paths). */
    static final double TOLERANCE = 1e-5;

    private static SafetensorsFile fixture;

    @BeforeAll static void load() throws Exception {
        var url = VaeDecoderTest.class.getResource("/fixtures/vae_tiny_v1.safetensors");
        if (url == null) throw new IllegalStateException("fixture missing; run /usr/bin/python3 tools/reference/make_vae_fixture.py");
        fixture = Safetensors.read(Path.of(url.toURI()));
    }

    private static int groups() { return Integer.parseInt(fixture.metadata().get("norm_groups")); }

    @Test void readsTheArchitectureOffTheTensors() {
        VaeWeights.Config c = VaeWeights.read(fixture, groups()).config();
        assertEquals(4, c.latentChannels());
        assertArrayEquals(new int[]{8, 16, 16, 32}, c.blockChannels());
        assertEquals(3, c.resnetsPerBlock());
        assertEquals(8, c.upscale());
    }

    @Test void matchesPyTorchOnEveryBackend() {
        VaeWeights w = VaeWeights.read(fixture, groups());
        for (Backend be : Backends.all()) {
            try (VaeDecoder dec = new VaeDecoder(w, be)) {
                double e = Ref.relErr(decode(dec), want());
                assertTrue(e <= TOLERANCE, "VAE decoder on " + be.name() + " vs PyTorch: rel err " + e);
            }
        }
    }

    /** Files saved before diffusers 0.14 name the attention query/key/value/proj_attn (sd-vae-ft-mse's own file). */
    @Test void readsTheOldAttentionNames(@TempDir Path dir) {
        Map<String, String> rename = Map.of("to_q", "query", "to_k", "key", "to_v", "value", "to_out.0", "proj_attn");
        Map<String, HostArray> old = new LinkedHashMap<>();
        for (String name : fixture.names()) {
            HostArray a = fixture.get(name);
            String renamed = name;
            for (var e : rename.entrySet()) {
                String from = VaeWeights.ATTENTION + e.getKey() + ".";
                if (name.startsWith(from)) {
                    renamed = VaeWeights.ATTENTION + e.getValue() + "." + name.substring(from.length());
                    if (a.shape().length == 2) a = new HostArray(new int[]{a.shape()[0], a.shape()[1], 1, 1}, a.data()); // as 1×1 convs
                }
            }
            old.put(renamed, a);
        }
        Path file = dir.resolve("old.safetensors");
        Safetensors.write(file, old, Map.of());
        try (VaeDecoder now = new VaeDecoder(VaeWeights.read(fixture, groups()), Backends.SIMD);
             VaeDecoder before = new VaeDecoder(VaeWeights.read(Safetensors.read(file), groups()), Backends.SIMD)) {
            assertArrayEquals(decode(now), decode(before));
        }
    }

    @Test void namesTheFirstMissingTensor(@TempDir Path dir) {
        Map<String, HostArray> some = new LinkedHashMap<>();
        for (String name : fixture.names()) if (!name.startsWith("decoder.up_blocks.1.resnets.0.conv_shortcut")) some.put(name, fixture.get(name));
        Path file = dir.resolve("partial.safetensors");
        Safetensors.write(file, some, Map.of());
        var e = assertThrows(FileFormatException.class, () -> VaeWeights.read(Safetensors.read(file), groups()));
        assertTrue(e.getMessage().contains("decoder.up_blocks.1.resnets.0.conv_shortcut.weight' missing"), e.getMessage());
    }

    @Test void imageBytesRoundAsTheAuthorsPngs() {
        assertEquals(0, SdLatents.toByte(-1.5f));
        assertEquals(0, SdLatents.toByte(Float.NaN));
        assertEquals((byte) 255, SdLatents.toByte(1.01f));
        assertEquals(128, SdLatents.toByte(1f / 255f) & 0xFF); // (x+1)/2·255 = 128.0
        assertEquals(64, SdLatents.toByte(-0.5f) & 0xFF);      // 63.75 → 64
    }

    /** The fixture's NCHW latents through the NHWC path {@code sample} writes: de-normalised, decoded. */
    private static float[] decode(VaeDecoder dec) {
        HostArray z = fixture.get("test.latents");
        int n = z.shape()[0], c = z.shape()[1], h = z.shape()[2], w = z.shape()[3];
        return dec.decode(SdLatents.decoderInput(nchwToNhwc(z.data(), n, c, h, w), 0, n, h, w), n, h, w);
    }

    /** The reference images, NCHW → NHWC. */
    private static float[] want() {
        HostArray x = fixture.get("test.images");
        return nchwToNhwc(x.data(), x.shape()[0], x.shape()[1], x.shape()[2], x.shape()[3]);
    }

    static float[] nchwToNhwc(float[] a, int n, int c, int h, int w) {
        float[] out = new float[a.length];
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < h * w; p++) out[(i * h * w + p) * c + ch] = a[(i * c + ch) * h * w + p];
        return out;
    }
}
