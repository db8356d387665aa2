package imfengine.cli;

import imfengine.backend.Backend;
import imfengine.backend.cpu.CpuBackend;
import imfengine.backend.cpu.VectorSupport;
import imfengine.backend.Precision;
import imfengine.backend.cuda.Cuda;
import imfengine.backend.cuda.CudaBackend;
import imfengine.backend.cuda.Device;
import imfengine.backend.cuda.DriverDevice;
import imfengine.backend.cuda.emu.EmulatedDevice;
import imfengine.backend.cuda.emu.EmulatorLibrary;
import imfengine.distributed.Launch;

import java.io.PrintStream;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Chooses the backend for {@code --device cpu|cuda|auto}. {@code cuda} without a usable device is one
 * clear error line; {@code auto} takes CUDA when it is there and otherwise the CPU, saying so on
 * stderr. {@link Cuda#isAvailable()} probes {@code libcuda.so.1} with FFM before any JCuda class
 * loads. {@code --precision bf16|tf32|fp32} ({@link Precision}) picks the CUDA backend's GEMM and
 * attention arithmetic, bf16 by default; the CPU computes in fp32 and refuses the others. {@code emulated}
 * is the CUDA backend on the CPU kernel emulator ({@code make emu}, {@code -Dimf.emu.dir}): slow, for
 * testing the CUDA code paths (and {@code tools/gpu_check.py --dry-run}) on a machine without a GPU; it
 * rounds bf16 GEMM inputs as a GPU does, while its TF32 GEMMs are fp32 (cuBLAS's TF32 rounding is not emulated).
 */
final class Devices {
    static final List<String> NAMES = List.of("cpu", "cuda", "auto", "emulated");

    /** The option naming the arithmetic ({@link Precision}). */
    static final String PRECISION = "precision";
    /** System properties that chose TF32 GEMMs and bf16 attention before {@code --precision}. */
    static final List<String> REPLACED_PROPERTIES = List.of("imf.cuda.tf32", "imf.cuda.attention");
    /** The CUDA backend's precision when {@code --precision} is not given. */
    static final Precision CUDA_DEFAULT = Precision.BF16;

    /** The help lines of {@code --device} and {@code --precision}, descriptions starting at column {@code 2 + width}. */
    static String help(int width) {
        String indent = " ".repeat(2 + width);
        return String.format("  %-" + width + "s%s%n", "--device D", "cpu (default), cuda, auto (cuda when a GPU is present, else the CPU),\n"
                + indent + "or emulated (the CUDA kernels under the CPU emulator of make emu; slow)")
                + String.format("  %-" + width + "s%s%n", "--precision P", "CUDA GEMMs and attention: bf16 (default on CUDA: bf16 GEMM inputs,\n"
                + indent + "fp32 accumulation, bf16 flash attention for head dim 64), tf32 (TF32\n"
                + indent + "GEMMs) or fp32; weights, AdamW, EMA, statistics and the loss stay\n"
                + indent + "fp32. The CPU computes in fp32 only");
    }

    private Devices() {}

    /** The backend of {@code a}'s {@code --device} and {@code --precision}. */
    static Backend open(String command, Args a, int threads) { return open(command, a, threads, d -> d); }

    /** As {@link #open(String, Args, int)}, with the CUDA backend's {@link Device} wrapped by {@code decorate} (timing, metering). */
    static Backend open(String command, Args a, int threads, UnaryOperator<Device> decorate) {
        return open(command, a.string("device", "cpu"), a.has(PRECISION) ? a.string(PRECISION, "") : null, threads, System.err, decorate);
    }

    /** Help line of the commands that open with {@link #openFp32ByDefault}, at the column of {@code help(19)}. */
    static final String FP32_DEFAULT_HELP = """
                                 on CUDA this command computes in fp32 unless --precision says otherwise:
                                 its figures (FID, decoded images) are compared with fp32 references
            """;

    /** As {@link #open(String, Args, int)}, but fp32 on CUDA too unless {@code --precision} is given. */
    static Backend openFp32ByDefault(String command, Args a, int threads) {
        return open(command, a.string("device", "cpu"), a.has(PRECISION) ? a.string(PRECISION, "") : Precision.FP32.label(), threads, System.err, d -> d);
    }

    /** {@code precision} null: the device's default (bf16 on CUDA, fp32 on the CPU). */
    static Backend open(String command, String device, String precision, int threads, PrintStream err, UnaryOperator<Device> decorate) {
        if (!NAMES.contains(device))
            throw new UsageException(command + ": --device must be cpu, cuda, auto or emulated, got '" + device + "'");
        Precision asked = parsePrecision(command, precision);
        Precision cuda = asked == null ? CUDA_DEFAULT : asked;
        for (String old : REPLACED_PROPERTIES) // read before --precision existed: say that they no longer count
            if (System.getProperty(old) != null) err.println(command + ": -D" + old + " is no longer read; --precision bf16|tf32|fp32 replaces it");
        if (device.equals("cpu")) {
            if (asked != null && asked != Precision.FP32)
                throw new UsageException(command + ": --precision " + asked.label() + " needs --device cuda: the CPU computes in fp32");
            return cpu(threads);
        }
        if (device.equals("emulated")) {
            if (!EmulatedDevice.available())
                throw new UsageException(command + ": --device emulated: no kernel emulator at " + EmulatorLibrary.directory().resolve("libimfemu.so")
                        + " (make emu builds it; -Dimf.emu.dir=DIR points elsewhere)");
            return new CudaBackend(decorate.apply(EmulatedDevice.open()), cuda);
        }
        if (!Cuda.isAvailable()) {
            String why = oneLine(Cuda.unavailableReason());
            if (device.equals("cuda")) throw new UsageException(command + ": --device cuda: no usable CUDA device (" + why + ")");
            err.println(command + ": --device auto: no usable CUDA device (" + why + "); using the CPU");
            return cpu(threads);
        }
        try {
            return new CudaBackend(decorate.apply(DriverDevice.open(Launch.localRank(), cuda == Precision.TF32)), cuda);
        } catch (RuntimeException e) {
            String why = oneLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            if (device.equals("cuda")) throw new UsageException(command + ": --device cuda: " + why);
            err.println(command + ": --device auto: CUDA could not start (" + why + "); using the CPU");
            return cpu(threads);
        }
    }

    /** The precision a backend computes in: the CUDA backend's, or fp32 on the CPU (also where {@code auto} fell back to it). */
    static Precision precision(Backend be) { return be instanceof CudaBackend c ? c.precision() : Precision.FP32; }

    private static Precision parsePrecision(String command, String name) {
        if (name == null) return null;
        try {
            return Precision.parse(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException(command + ": " + e.getMessage());
        }
    }

    static CpuBackend cpu(int threads) { return new CpuBackend(threads, VectorSupport.enabledByDefault()); }

    static String oneLine(String s) { return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip(); }
}
