package imfengine.cli;

import imfengine.backend.cuda.Cuda;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** {@code --device}: one clear line for cuda without a GPU, a noted fallback for auto, usage errors for typos. */
class DeviceOptionTest {
    record Outcome(int code, String out, String err) {}

    static Outcome cli(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out));
        System.setErr(new PrintStream(err));
        try {
            return new Outcome(Cli.run(args), out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test void cudaWithoutAGpuIsOneLine() {
        assumeFalse(Cuda.isAvailable(), "a CUDA device is present");
        for (String cmd : new String[]{"info", "bench", "train", "sample", "eval"}) {
            Outcome o = cmd.equals("sample") || cmd.equals("eval")
                    ? cli(cmd, "--device", "cuda", "--checkpoint", "pom.xml") : cli(cmd, "--device", "cuda");
            assertEquals(2, o.code(), cmd);
            assertEquals("", o.out(), cmd);
            String[] lines = o.err().strip().split("\n");
            assertEquals(1, lines.length, cmd + ": " + o.err());
            assertTrue(lines[0].startsWith("error: " + cmd + ": --device cuda: no usable CUDA device ("), lines[0]);
        }
    }

    @Test void autoFallsBackToTheCpuAndSaysSo() {
        assumeFalse(Cuda.isAvailable(), "a CUDA device is present");
        Outcome o = cli("info", "--device", "auto");
        assertEquals(0, o.code());
        assertTrue(o.err().contains("info: --device auto: no usable CUDA device") && o.err().contains("using the CPU"), o.err());
        assertTrue(o.out().contains("device:   cpu"), o.out());
        assertTrue(o.out().contains("cuda:     unavailable ("), o.out());
    }

    @Test void unknownDeviceIsAUsageError() {
        Outcome o = cli("bench", "--device", "tpu");
        assertEquals(2, o.code());
        assertEquals("error: bench: --device must be cpu, cuda or auto, got 'tpu'", o.err().strip());
    }

    @Test void everyCommandDocumentsTheOption() {
        for (String cmd : new String[]{"info", "bench", "train", "sample", "eval"})
            assertTrue(cli(cmd, "--help").out().contains("--device D"), cmd);
    }
}
