package imfengine.backend.cuda;

import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;

/**
 * Loads each PTX module once from the classpath ({@code cuModuleLoadData}; PTX is a C string, so a
 * trailing 0 byte is appended) and caches one function handle per {@link Kernel}.
 */
final class PtxModules {
    private final CudaContext context;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<Kernel, CUfunction> functions = new EnumMap<>(Kernel.class);

    PtxModules(CudaContext context) {
        this.context = context;
    }

    synchronized CUfunction function(Kernel k) {
        CUfunction f = functions.get(k);
        if (f != null) return f;
        CUmodule m = modules.computeIfAbsent(k.family(), fam -> load(k.resource()));
        f = new CUfunction();
        try {
            cuModuleGetFunction(f, m, k.symbol());
        } catch (RuntimeException e) {
            throw new CudaException("kernel " + k.symbol() + " not found in " + k.resource() + ": " + e.getMessage(), e);
        }
        functions.put(k, f);
        return f;
    }

    /** The PTX text of a resource with a trailing 0 byte. */
    static byte[] ptxBytes(String resource) {
        try (InputStream in = PtxModules.class.getResourceAsStream(resource)) {
            if (in == null)
                throw new CudaException("PTX resource " + resource + " is not in the jar (run `make ptx` before packaging)");
            byte[] text = in.readAllBytes();
            return Arrays.copyOf(text, text.length + 1);
        } catch (IOException e) {
            throw new CudaException("cannot read PTX resource " + resource + ": " + e.getMessage(), e);
        }
    }

    private CUmodule load(String resource) {
        context.bind();
        byte[] ptx = ptxBytes(resource);
        try {
            return loadData(ptx);
        } catch (RuntimeException e) {
            if (!String.valueOf(e.getMessage()).contains("CUDA_ERROR_UNSUPPORTED_PTX_VERSION"))
                throw new CudaException("cuModuleLoadData(" + resource + ") failed: " + e.getMessage(), e);
            // nvcc 13 writes PTX ISA 9.0, which needs a CUDA 13 driver; our kernels use no ISA feature newer
            // than 7.8 (`make ptx` assembles every file as 7.8 too), so older drivers get the same text relabelled.
            warnOnce();
            try {
                return loadData(withVersion(ptx, FALLBACK_ISA));
            } catch (RuntimeException again) {
                throw new CudaException("cuModuleLoadData(" + resource + ") failed with PTX ISA " + FALLBACK_ISA
                        + " as well: " + again.getMessage(), again);
            }
        }
    }

    /** The PTX ISA the kernels are known to assemble as (checked by {@code make ptx}). */
    static final String FALLBACK_ISA = "7.8";
    private static boolean warned;

    private static synchronized void warnOnce() {
        if (warned) return;
        warned = true;
        System.err.println("cuda: the driver predates CUDA 13 (PTX ISA 9.0); loading the kernels as PTX ISA " + FALLBACK_ISA);
    }

    private static CUmodule loadData(byte[] ptx) {
        CUmodule m = new CUmodule();
        cuModuleLoadData(m, ptx);
        return m;
    }

    /** {@code ptx} (0-terminated) with its {@code .version} line replaced by {@code .version <isa>}. */
    static byte[] withVersion(byte[] ptx, String isa) {
        String text = new String(ptx, 0, ptx.length - 1, java.nio.charset.StandardCharsets.UTF_8);
        String out = text.replaceFirst("(?m)^\\.version \\d+\\.\\d+$", ".version " + isa);
        if (out.equals(text) && !text.contains("\n.version " + isa + "\n"))
            throw new CudaException("PTX has no .version line to relabel");
        byte[] b = out.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return Arrays.copyOf(b, b.length + 1);
    }
}
