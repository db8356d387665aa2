package imfengine.cli;

import imfengine.autodiff.Context;
import imfengine.imf.Checkpoint;
import imfengine.imf.Sampler;
import imfengine.io.Npy;
import imfengine.io.NpyArray;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.nn.Parameter;
import imfengine.tensor.Host;
import imfengine.testing.Backends;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sample} in batches: outputs that do not depend on --batch and equal one all-at-once draw, --classes
 * ranges and 'all', and runs that stop or fail leaving no file under the final names.
 */
class SampleStreamingTest {
    @TempDir static Path dir;
    static Path checkpoint;
    static ImfDiT net;
    static final Sampler.Guidance G = new Sampler.Guidance(2f, 0.1f, 0.9f);

    @BeforeAll static void model() {
        // 1-channel 8×8 images, 4 classes: the PNG grid and the [0, 1] .npy path
        ModelConfig mc = new ModelConfig("tiny-images", 8, 1, 4, 16, 3, 2, 1, 2);
        net = new ImfDiT(mc, Backends.SIMD, 5, false);
        // every weight moved, the zero-initialised output layers included, so the network changes the noise
        SplittableRandom r = new SplittableRandom(6);
        for (Parameter p : net.parameters()) {
            float[] v = Host.floats(p.value());
            for (int i = 0; i < v.length; i++) v[i] += (float) (0.2 * r.nextGaussian());
            net.backend().upload(v, p.value());
        }
        var values = Checkpoint.values(net.parameters());
        checkpoint = dir.resolve("tiny.safetensors");
        Checkpoint.save(checkpoint, Map.of("", values, Checkpoint.EMA, values), mc.toMetadata());
    }

    @Test void outputsDoNotDependOnTheBatchAndEqualOneDraw() throws IOException {
        Path a = dir.resolve("a/s.png"), b = dir.resolve("b/s.png");
        for (var run : List.of(List.of(a, "7"), List.of(b, "50"))) {
            CliRun r = CliRun.of("sample", "--checkpoint", checkpoint.toString(), "--classes", "all", "--per-class", "5", "--batch",
                    (String) run.get(1), "--seed", "11", "--omega", "2", "--interval", "0.1,0.9", "--out", run.get(0).toString(), "--threads", "2");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("sample: 20/20 images"), r.err());
        }
        for (String f : new String[]{"s.npy", "s.labels.npy", "s.png"})
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("b").resolve(f)), f);

        int[] labels = Npy.read(dir.resolve("a/s.labels.npy")).ints();
        assertArrayEquals(new int[]{0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3}, labels, "class by class, as evaluate.py");
        float[] stored = Npy.read(dir.resolve("a/s.npy")).floats(), once = HostSampling.sample(net, labels, G, 1, 11);
        for (int i = 0; i < once.length; i++)
            assertEquals(Math.max(0f, Math.min(1f, (once[i] + 1f) / 2f)), stored[i], 0f, "element " + i + " vs one draw of all 20");

        // the network does something to the noise (else batch independence would be trivial)
        float[] noise;
        try (Context cx = Context.open(net.backend(), Context.Tape.OFF)) {
            noise = Host.floats(Sampler.initialNoise(cx, net.imageShape(labels.length), 11));
        }
        double moved = 0;
        for (int i = 0; i < once.length; i++) moved = Math.max(moved, Math.abs(once[i] - noise[i]));
        assertTrue(moved > 1e-3, "samples equal their noise: " + moved);
    }

    @Test void classRangesAndAll() {
        assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, ClassSelection.parse("", 1000));
        assertArrayEquals(new int[]{0, 1, 2}, ClassSelection.parse("", 3));
        assertEquals(1000, ClassSelection.parse("all", 1000).length);
        assertEquals(999, ClassSelection.parse("all", 1000)[999]);
        assertArrayEquals(new int[]{7, 0, 1, 2, 5, 5}, ClassSelection.parse("7, 0-2,5-5 ,5", 10));
        assertEquals(1000, ClassSelection.parse("0-999", 1000).length);
        assertError("sample: --classes: range 5-2 runs backwards", "5-2");
        assertError("sample: --classes: class 10 outside 0..9", "3-10");
        assertError("sample: --classes: class -1 outside 0..9", "-1");
        assertError("sample: --classes takes 'all' or class ids and ranges like 0-9,17, got 'a-3'", "a-3");
        assertError("sample: --classes takes 'all' or class ids and ranges like 0-9,17, got '1,,2'", "1,,2");
        assertError("sample: --classes takes 'all' or class ids and ranges like 0-9,17, got '2-'", "2-");
    }

    private static void assertError(String message, String spec) {
        assertEquals(message, assertThrows(UsageException.class, () -> ClassSelection.parse(spec, 10)).getMessage());
    }

    @Test void badOptionsAreOneLineAndWriteNothing() {
        Path png = dir.resolve("bad/s.png");
        CliRun r = CliRun.of("sample", "--checkpoint", checkpoint.toString(), "--classes", "2-9", "--out", png.toString());
        assertEquals(2, r.code());
        assertEquals("error: sample: --classes: class 9 outside 0..3", r.err().strip());
        r = CliRun.of("sample", "--checkpoint", checkpoint.toString(), "--batch", "0", "--out", png.toString());
        assertEquals(2, r.code());
        assertEquals("error: sample: --batch must be >= 1, got 0", r.err().strip());
        assertFalse(Files.exists(png.getParent()));
        assertTrue(CliRun.of("sample", "--help").out().contains("--batch N"));
    }

    @Test void aStoppedRunLeavesNoFile(@TempDir Path out) throws IOException {
        int[] labels = {0, 1, 2, 3, 0, 1, 2};
        int[] batches = {0};
        StreamedSampling.Result r = StreamedSampling.run(net, labels, G, 1, 3, 2, 2, null, out.resolve("s.png"), quiet(labels.length),
                () -> batches[0]++ == 2); // asked before each batch: stops before the third
        assertEquals(4, r.done());
        assertEquals(List.of(), listing(out), "no final file and no temporary");
    }

    @Test void aFailedRunLeavesEarlierFilesAsTheyWere(@TempDir Path out) throws IOException {
        Path png = out.resolve("s.png"), npy = out.resolve("s.npy");
        Npy.write(npy, NpyArray.ofF32(new int[]{1}, new float[]{42f}));
        int[] labels = {0, 1, 2, 3, 0};
        PrintStream failing = new PrintStream(new OutputStream() {
            @Override public void write(int b) { throw new UncheckedIOException(new IOException("disk full (test)")); }
        });
        assertThrows(UncheckedIOException.class, () -> StreamedSampling.run(net, labels, G, 1, 3, 2, 2, null, png,
                new ImageProgress(failing, labels.length, 10, System::nanoTime), () -> false));
        assertEquals(List.of("s.npy"), listing(out), "the earlier .npy only: no temporary, no labels, no PNG");
        assertArrayEquals(new float[]{42f}, Npy.read(npy).floats());
    }

    @Test void progressLinesAfterTheFirstBatchThenEveryTenSecondsAndTheLast() {
        long[] now = {0};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageProgress p = new ImageProgress(new PrintStream(bytes, true), 100, 10, () -> now[0]);
        for (int done = 10; done <= 100; done += 10) {
            now[0] += 3_000_000_000L; // a batch of 10 every 3 s
            p.done(done, done == 100 ? "  (end)" : "");
        }
        // 3 s: the first batch; 15 s: 12 s after it; 27 s; 30 s: the last
        assertEquals(List.of("sample: 10/100 images  3.33 images/s  elapsed 0m03s  ETA 0m27s",
                "sample: 50/100 images  3.33 images/s  elapsed 0m15s  ETA 0m15s",
                "sample: 90/100 images  3.33 images/s  elapsed 0m27s  ETA 0m03s",
                "sample: 100/100 images  3.33 images/s  elapsed 0m30s  ETA 0m00s  (end)"), bytes.toString().lines().toList());
    }

    private static ImageProgress quiet(int n) {
        return new ImageProgress(new PrintStream(new ByteArrayOutputStream()), n, 10, System::nanoTime);
    }

    private static List<String> listing(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
