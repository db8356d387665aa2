package imfengine.cli;

import imfengine.backend.cpu.CpuBackend;
import imfengine.backend.cpu.VectorSupport;

import java.util.List;
import java.util.Set;

/** {@code info}: what this machine gives the engine. */
final class InfoCommand implements Command {
    @Override public String name() { return "info"; }

    @Override public String summary() { return "show the device, threads, SIMD width and JVM"; }

    @Override public String help() {
        return """
                usage: imf-engine info [--threads N]

                Prints the compute device the engine would use, its threads, whether the Vector API
                (SIMD) kernels are active and with which width, and the Java runtime.

                  --threads N   CPU worker threads (default: all cores)
                """;
    }

    @Override public int run(List<String> argv) {
        Args a = Args.parse("info", argv, Set.of("threads"), Set.of());
        int threads = a.integer("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) throw new UsageException("info: --threads must be >= 1, got " + threads);
        CpuBackend cpu = new CpuBackend(threads, VectorSupport.enabledByDefault());
        System.out.println("device:   cpu");
        System.out.println("backend:  " + cpu.name());
        System.out.println("cores:    " + Runtime.getRuntime().availableProcessors());
        System.out.println("simd:     " + (cpu.simd() ? SimdInfo.describe() : "off (" + (VectorSupport.present() ? "-Dimf.scalar=true" : "jdk.incubator.vector not loaded") + ")"));
        System.out.println("java:     " + System.getProperty("java.vm.name") + " " + Runtime.version());
        System.out.println("memory:   max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        System.out.println("cuda:     not available in this build");
        return 0;
    }
}
