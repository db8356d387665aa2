package imfengine.cli;

import imfengine.backend.Backend;
import imfengine.backend.cpu.CpuBackend;
import imfengine.backend.cpu.VectorSupport;
import imfengine.backend.cuda.AttentionPrecision;
import imfengine.backend.cuda.Cuda;
import imfengine.backend.cuda.CudaBackend;
import imfengine.backend.cuda.Device;
import imfengine.backend.cuda.DriverDevice;
import imfengine.backend.cuda.emu.EmulatedDevice;
import imfengine.backend.cuda.emu.EmulatorLibrary;

import java.io.PrintStream;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Chooses the backend for {@code --device cpu|cuda|auto}. {@code cuda} without a usable device is one
 * clear error line; {@code auto} takes CUDA when it is there and otherwise the CPU, saying so on
 * stderr. {@link Cuda#isAvailable()} probes {@code libcuda.so.1} with FFM before any JCuda class
 * loads. TF32 tensor-core GEMMs on CUDA: {@code -Dimf.cuda.tf32=true}; bf16 tensor-core attention
 * (head dim 64): {@code -Dimf.cuda.attention=bf16} (default {@code fp32}). {@code emulated} is the CUDA
 * backend on the CPU kernel emulator ({@code make emu}, {@code -Dimf.emu.dir}): slow, for testing the
 * CUDA code paths (and {@code tools/gpu_check.py --dry-run}) on a machine without a GPU.
 */
final class Devices {
    static final List<String> NAMES = List.of("cpu", "cuda", "auto", "emulated");

    /** The help line of {@code --device}, its description starting at column {@code 2 + width}. */
    static String help(int width) {
        return String.format("  %-" + width + "s%s%n", "--device D", "cpu (default), cuda, auto (cuda when a GPU is present, else the CPU),\n"
                + " ".repeat(2 + width) + "or emulated (the CUDA kernels under the CPU emulator of make emu; slow)");
    }

    private Devices() {}

    static Backend open(String command, String device, int threads) { return open(command, device, threads, System.err, d -> d); }

    /** As {@link #open(String, String, int)}, with the CUDA backend's {@link Device} wrapped by {@code decorate} (timing, metering). */
    static Backend open(String command, String device, int threads, UnaryOperator<Device> decorate) {
        return open(command, device, threads, System.err, decorate);
    }

    static Backend open(String command, String device, int threads, PrintStream err, UnaryOperator<Device> decorate) {
        if (!NAMES.contains(device))
            throw new UsageException(command + ": --device must be cpu, cuda, auto or emulated, got '" + device + "'");
        if (device.equals("cpu")) return cpu(threads);
        if (device.equals("emulated")) {
            if (!EmulatedDevice.available())
                throw new UsageException(command + ": --device emulated: no kernel emulator at " + EmulatorLibrary.directory().resolve("libimfemu.so")
                        + " (make emu builds it; -Dimf.emu.dir=DIR points elsewhere)");
            return new CudaBackend(decorate.apply(EmulatedDevice.open()), attention());
        }
        if (!Cuda.isAvailable()) {
            String why = oneLine(Cuda.unavailableReason());
            if (device.equals("cuda")) throw new UsageException(command + ": --device cuda: no usable CUDA device (" + why + ")");
            err.println(command + ": --device auto: no usable CUDA device (" + why + "); using the CPU");
            return cpu(threads);
        }
        try {
            return new CudaBackend(decorate.apply(DriverDevice.open(tf32())), attention());
        } catch (RuntimeException e) {
            String why = oneLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            if (device.equals("cuda")) throw new UsageException(command + ": --device cuda: " + why);
            err.println(command + ": --device auto: CUDA could not start (" + why + "); using the CPU");
            return cpu(threads);
        }
    }

    /** Whether CUDA GEMMs use TF32 tensor cores ({@code -Dimf.cuda.tf32=true}). */
    static boolean tf32() { return Boolean.getBoolean("imf.cuda.tf32"); }

    /** Attention on CUDA: fp32 (default) or {@code -Dimf.cuda.attention=bf16} for the tensor-core kernels. */
    static AttentionPrecision attention() { return AttentionPrecision.parse(System.getProperty("imf.cuda.attention")); }

    static CpuBackend cpu(int threads) { return new CpuBackend(threads, VectorSupport.enabledByDefault()); }

    static String oneLine(String s) { return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip(); }
}
