package imfengine.cli;

import imfengine.backend.Backend;
import imfengine.backend.cpu.CpuBackend;
import imfengine.backend.cpu.CpuCaches;
import imfengine.backend.cpu.VectorSupport;
import imfengine.backend.cuda.Cuda;
import imfengine.backend.cuda.CudaBackend;
import imfengine.backend.cuda.DriverDevice;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code info}: what this machine gives the engine. */
final class InfoCommand implements Command {
    @Override public String name() { return "info"; }

    @Override public String summary() { return "show the device, threads, SIMD width, CUDA and JVM"; }

    @Override public String help() {
        return """
                usage: imf-engine info [--threads N] [--device D] [--precision P]

                Prints the compute device the engine would use, its threads, whether the Vector API
                (SIMD) kernels are active and with which width, whether the GEMM runs in C on Intel
                AMX tiles (fp32 accuracy; -Dimf.gemm.amx=off before -jar turns it off) or on AVX-512
                (-Dimf.gemm.avx512=off), the GEMM tile and blocks and the caches that chose them,
                the Java runtime, and, when a CUDA GPU is present, its name, driver, memory, and
                cuBLAS: its version, the file loaded and where it was found
                (IMF_CUBLAS=/path/to/libcublas.so.N or its folder chooses one).

                  --threads N   CPU worker threads (default: all cores)
                """ + Devices.help(14);
    }

    @Override public int run(List<String> argv) {
        Args a = Args.parse("info", argv, Set.of("threads", "device", Devices.PRECISION), Set.of());
        int threads = a.integer("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) throw new UsageException("info: --threads must be >= 1, got " + threads);
        Backend be = Devices.open("info", a, threads);
        CpuBackend cpu = be instanceof CpuBackend c ? c : Devices.cpu(threads);
        System.out.println("device:   " + (be instanceof CudaBackend c ? (c.device() instanceof DriverDevice ? "cuda" : "emulated") : "cpu"));
        System.out.println("backend:  " + be.name());
        System.out.println("cores:    " + Runtime.getRuntime().availableProcessors());
        System.out.println("simd:     " + (cpu.simd() ? SimdInfo.describe() : "off (" + (VectorSupport.present() ? "-Dimf.scalar=true" : "jdk.incubator.vector not loaded") + ")"));
        System.out.println("native:   " + cpu.nativeStatus());
        System.out.println("caches:   " + CpuCaches.detect().describe() + " per core (size the CPU GEMM's blocks)");
        System.out.println("java:     " + System.getProperty("java.vm.name") + " " + Runtime.version());
        System.out.println("memory:   max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        if (be instanceof CudaBackend g && g.device() instanceof DriverDevice d) {
            var ctx = d.context();
            long[] mem = ctx.memory();
            System.out.printf(Locale.ROOT, "cuda:     %s (compute %s), driver CUDA %s%n", ctx.deviceName(), ctx.computeCapability(),
                    ctx.driverVersion());
            System.out.printf(Locale.ROOT, "cublas:   %s, %s (found via %s)%n", d.cublas().version(), d.cublas().library(), d.cublas().place());
            System.out.printf(Locale.ROOT, "gpu mem:  %.1f GiB free of %.1f GiB%n", mem[0] / 1073741824.0, mem[1] / 1073741824.0);
        } else {
            System.out.println("cuda:     " + (Cuda.isAvailable() ? "available (use --device cuda for details)" : "unavailable (" + Devices.oneLine(Cuda.unavailableReason()) + ")"));
        }
        return 0;
    }
}
