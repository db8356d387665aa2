package imfengine.cli;

import imfengine.imf.Checkpoint;
import imfengine.io.Npy;
import imfengine.io.NpyArray;
import imfengine.io.Safetensors;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.testing.Backends;
import imfengine.vision.RandomVae;
import imfengine.vision.SdLatents;
import imfengine.vision.VaeDecoder;
import imfengine.vision.VaeWeights;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sample --vae} and {@code decode} on a tiny latent model (4×4×4 latents) and a random decoder of width 32
 * (so 32 groups, as the CLI uses): the files, their shapes, and the bytes against the decoder called directly.
 */
class VaeCliTest {
    @TempDir static Path dir;
    static Path checkpoint, vae;

    @BeforeAll static void files() {
        ModelConfig mc = new ModelConfig("latent-tiny", 4, 4, 3, 16, 3, 2, 1, 2);
        ImfDiT net = new ImfDiT(mc, Backends.SIMD, 3, false);
        var values = Checkpoint.values(net.parameters());
        checkpoint = dir.resolve("latent.safetensors");
        Checkpoint.save(checkpoint, Map.of("", values, Checkpoint.EMA, values), mc.toMetadata());
        vae = dir.resolve("vae.safetensors");
        RandomVae.write(vae, new int[]{32, 32, 64, 64}, 2, 7);
    }

    @Test void sampleDecodesAndDecodeRepeatsIt() throws Exception {
        Path png = dir.resolve("s.png");
        CliRun r = CliRun.of("sample", "--checkpoint", checkpoint.toString(), "--classes", "0,2", "--per-class", "3", "--vae", vae.toString(),
                "--vae-batch", "4", "--out", png.toString(), "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("s.images.npy"), r.out());
        assertTrue(Files.size(png) > 0);
        NpyArray latents = Npy.read(dir.resolve("s.npy")), images = Npy.read(dir.resolve("s.images.npy"));
        assertArrayEquals(new int[]{6, 4, 4, 4}, latents.shape());
        assertEquals(NpyArray.DType.U8, images.dtype());
        assertArrayEquals(new int[]{6, 32, 32, 3}, images.shape());

        byte[] want = directly(latents.floats(), 6);
        assertArrayEquals(want, (byte[]) images.data());
        boolean varied = false;
        for (byte b : want) varied |= b != want[0];
        assertTrue(varied, "the decoded images are one flat colour");

        Path again = dir.resolve("d.png");
        CliRun d = CliRun.of("decode", "--latents", dir.resolve("s.npy").toString(), "--vae", vae.toString(), "--vae-batch", "5",
                "--out", again.toString(), "--threads", "2");
        assertEquals(0, d.code(), d.err());
        assertArrayEquals(want, (byte[]) Npy.read(dir.resolve("d.images.npy")).data());
        assertTrue(Files.size(again) > 0);
    }

    @Test void refusesBadInputWithOneLine() throws Exception {
        Path png = dir.resolve("bad.png");
        CliRun noFile = CliRun.of("decode", "--latents", dir.resolve("missing.npy").toString(), "--vae", vae.toString(), "--out", png.toString());
        assertEquals(2, noFile.code());
        assertTrue(noFile.err().contains("latents not found"), noFile.err());

        Path wrong = dir.resolve("nchw.npy");
        Npy.write(wrong, NpyArray.ofF32(new int[]{1, 4, 4, 3}, new float[48]));
        CliRun shape = CliRun.of("decode", "--latents", wrong.toString(), "--vae", vae.toString(), "--out", png.toString());
        assertEquals(2, shape.code());
        assertTrue(shape.err().contains("expected float32 latents [N, h, w, 4]"), shape.err());

        CliRun notVae = CliRun.of("sample", "--checkpoint", checkpoint.toString(), "--vae", checkpoint.toString(), "--out", png.toString());
        assertEquals(2, notVae.code());
        assertTrue(notVae.err().contains("not a diffusers AutoencoderKL file"), notVae.err());
        assertFalse(Files.exists(dir.resolve("bad.npy")), "nothing is written when the VAE file is wrong");
        assertTrue(CliRun.of("decode", "--help").out().contains("--vae-batch"));
    }

    private static byte[] directly(float[] latents, int n) {
        try (VaeDecoder dec = new VaeDecoder(VaeWeights.read(Safetensors.read(vae), 32), Backends.SIMD)) {
            float[] x = dec.decode(SdLatents.decoderInput(latents, 0, n, 4, 4), n, 4, 4);
            byte[] b = new byte[x.length];
            for (int i = 0; i < x.length; i++) b[i] = SdLatents.toByte(x[i]);
            return b;
        }
    }
}
