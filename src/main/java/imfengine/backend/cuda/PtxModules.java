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
        CUmodule m = new CUmodule();
        try {
            cuModuleLoadData(m, ptxBytes(resource));
        } catch (CudaException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CudaException("cuModuleLoadData(" + resource + ") failed: " + e.getMessage()
                    + " (the PTX is ISA 9.0 from nvcc 13: the driver must support CUDA 13)", e);
        }
        return m;
    }
}
