package imfengine.cli;

import imfengine.backend.Backend;
import imfengine.backend.cpu.CpuBackend;
import imfengine.backend.cpu.VectorSupport;
import imfengine.backend.cuda.AttentionPrecision;
import imfengine.backend.cuda.Cuda;
import imfengine.backend.cuda.CudaBackend;

import java.io.PrintStream;
import java.util.List;

/**
 * Chooses the backend for {@code --device cpu|cuda|auto}. {@code cuda} without a usable device is one
 * clear error line; {@code auto} takes CUDA when it is there and otherwise the CPU, saying so on
 * stderr. {@link Cuda#isAvailable()} probes {@code libcuda.so.1} with FFM before any JCuda class
 * loads. TF32 tensor-core GEMMs on CUDA: {@code -Dimf.cuda.tf32=true}; bf16 tensor-core attention (head dim
 * 64): {@code -Dimf.cuda.attention=bf16} (default {@code fp32}).
 */
final class Devices {
    static final List<String> NAMES = List.of("cpu", "cuda", "auto");

    /** The help line of {@code --device}, its description starting at column {@code 2 + width}. */
    static String help(int width) {
        return String.format("  %-" + width + "s%s%n", "--device D", "cpu (default), cuda, or auto (cuda when a GPU is present, else the CPU)");
    }

    private Devices() {}

    static Backend open(String command, String device, int threads) { return open(command, device, threads, System.err); }

    static Backend open(String command, String device, int threads, PrintStream err) {
        if (!NAMES.contains(device))
            throw new UsageException(command + ": --device must be cpu, cuda or auto, got '" + device + "'");
        if (device.equals("cpu")) return cpu(threads);
        if (!Cuda.isAvailable()) {
            String why = oneLine(Cuda.unavailableReason());
            if (device.equals("cuda")) throw new UsageException(command + ": --device cuda: no usable CUDA device (" + why + ")");
            err.println(command + ": --device auto: no usable CUDA device (" + why + "); using the CPU");
            return cpu(threads);
        }
        try {
            return CudaBackend.create(Boolean.getBoolean("imf.cuda.tf32"), AttentionPrecision.parse(System.getProperty("imf.cuda.attention")));
        } catch (RuntimeException e) {
            String why = oneLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            if (device.equals("cuda")) throw new UsageException(command + ": --device cuda: " + why);
            err.println(command + ": --device auto: CUDA could not start (" + why + "); using the CPU");
            return cpu(threads);
        }
    }

    static CpuBackend cpu(int threads) { return new CpuBackend(threads, VectorSupport.enabledByDefault()); }

    static String oneLine(String s) { return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip(); }
}
