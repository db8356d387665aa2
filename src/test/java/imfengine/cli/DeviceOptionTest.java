package imfengine.cli;

import imfengine.backend.cuda.Cuda;
import imfengine.backend.cuda.emu.EmulatedDevice;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code --device}: one clear line for cuda without a GPU, a noted fallback for auto, usage errors for typos. */
class DeviceOptionTest {
    @Test void cudaWithoutAGpuIsOneLine() {
        assumeFalse(Cuda.isAvailable(), "a CUDA device is present");
        for (String cmd : new String[]{"info", "bench", "train", "sample", "eval"}) {
            CliRun o = cmd.equals("sample") || cmd.equals("eval")
                    ? CliRun.of(cmd, "--device", "cuda", "--checkpoint", "pom.xml") : CliRun.of(cmd, "--device", "cuda");
            assertEquals(2, o.code(), cmd);
            assertEquals("", o.out(), cmd);
            String[] lines = o.err().strip().split("\n");
            assertEquals(1, lines.length, cmd + ": " + o.err());
            assertTrue(lines[0].startsWith("error: " + cmd + ": --device cuda: no usable CUDA device ("), lines[0]);
        }
    }

    @Test void autoFallsBackToTheCpuAndSaysSo() {
        assumeFalse(Cuda.isAvailable(), "a CUDA device is present");
        CliRun o = CliRun.of("info", "--device", "auto");
        assertEquals(0, o.code());
        assertTrue(o.err().contains("info: --device auto: no usable CUDA device") && o.err().contains("using the CPU"), o.err());
        assertTrue(o.out().contains("device:   cpu"), o.out());
        assertTrue(o.out().contains("cuda:     unavailable ("), o.out());
    }

    @Test void unknownDeviceIsAUsageError() {
        CliRun o = CliRun.of("bench", "--device", "tpu");
        assertEquals(2, o.code());
        assertEquals("error: bench: --device must be cpu, cuda, auto or emulated, got 'tpu'", o.err().strip());
    }

    @Test void emulatedIsTheCudaBackendOnTheKernelEmulator() {
        assumeTrue(EmulatedDevice.available(), "no kernel emulator (make emu)");
        CliRun o = CliRun.of("info", "--device", "emulated");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("device:   emulated"), o.out());
        assertTrue(o.out().contains("backend:  cuda(emulated on the CPU (libimfemu.so), BF16 GEMM inputs, BF16 attention)"), o.out());
        CliRun fp32 = CliRun.of("info", "--device", "emulated", "--precision", "fp32");
        assertTrue(fp32.out().contains("backend:  cuda(emulated on the CPU (libimfemu.so))"), fp32.out());
    }

    @Test void theCpuComputesInFp32Only() {
        for (String p : new String[]{"bf16", "tf32"}) {
            CliRun o = CliRun.of("train", "--device", "cpu", "--precision", p);
            assertEquals(2, o.code());
            assertEquals("error: train: --precision " + p + " needs --device cuda: the CPU computes in fp32", o.err().strip());
        }
        CliRun o = CliRun.of("info", "--precision", "fp16");
        assertEquals(2, o.code());
        assertEquals("error: info: --precision must be bf16, tf32 or fp32, got 'fp16'", o.err().strip());
        assertEquals(0, CliRun.of("info", "--precision", "FP32").code());
    }

    @Test void emulatedWithoutTheEmulatorIsOneLine() {
        String old = System.getProperty("imf.emu.dir");
        System.setProperty("imf.emu.dir", "/nonexistent/emu");
        try {
            CliRun o = CliRun.of("bench", "--device", "emulated");
            assertEquals(2, o.code());
            assertEquals("error: bench: --device emulated: no kernel emulator at /nonexistent/emu/libimfemu.so (make emu builds it; "
                    + "-Dimf.emu.dir=DIR points elsewhere)", o.err().strip());
        } finally {
            if (old == null) System.clearProperty("imf.emu.dir");
            else System.setProperty("imf.emu.dir", old);
        }
    }

    @Test void theReplacedPropertiesAreNamedNotSilentlyIgnored() {
        System.setProperty("imf.cuda.tf32", "true");
        try {
            CliRun o = CliRun.of("info");
            assertEquals(0, o.code(), o.err());
            assertTrue(o.err().contains("info: -Dimf.cuda.tf32 is no longer read; --precision bf16|tf32|fp32 replaces it"), o.err());
        } finally {
            System.clearProperty("imf.cuda.tf32");
        }
    }

    @Test void everyCommandDocumentsTheOption() {
        for (String cmd : new String[]{"info", "bench", "train", "sample", "eval"})
            assertTrue(CliRun.of(cmd, "--help").out().contains("--device D") && CliRun.of(cmd, "--help").out().contains("--precision P"), cmd);
    }
}
