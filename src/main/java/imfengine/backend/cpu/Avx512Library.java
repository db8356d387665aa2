package imfengine.backend.cpu;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The AVX-512 fp32 GEMM of {@code native-cpu/avx512_sgemm.c}: GemmSimd's 8×32 tile and sums, with C's lines fetched
 * for writing while a tile multiplies, which the Vector API cannot ask for (on a Zen 4, one thread: 2208×256×96 with
 * Bᵀ 88.6 against 68.3 GFLOP/s over operands out of cache; docs/PERF.md). {@code make} builds it into the jar as
 * {@value #RESOURCE}. Used for the products {@link NativeGemm#takes} on machines with 16-lane vectors (AVX-512) whose
 * Vector API tile is the 8-row one (AMD) and where AMX is not in use, unless {@code -Dimf.gemm.avx512=off};
 * {@link #status()} says which, and why not. Measured on a Zen 4 only; on a Zen 5 (two FMA units, where reading A in
 * place beat packing it) unmeasured.
 */
final class Avx512Library {
    static final String RESOURCE = "/native/linux-x86_64/libimf_avx512_sgemm.so";
    /** {@code -Dimf.gemm.avx512=off} keeps the Vector API GEMM where this one would be used. */
    static final String PROPERTY = "imf.gemm.avx512";

    private record Loaded(NativeSgemm gemm, String status) {}

    private static final Loaded LOADED = load();

    private Avx512Library() {}

    /** The GEMM, when this machine runs it. */
    static Optional<NativeSgemm> get() { return Optional.ofNullable(LOADED.gemm); }

    /** For logs: {@code AVX-512 sgemm} when in use, else {@code no AVX-512 sgemm (why)}. */
    static String status() { return LOADED.status; }

    private static Loaded load() {
        if (!NativeLibraryFile.switchedOn(PROPERTY)) return new Loaded(null, "no AVX-512 sgemm (-D" + PROPERTY + "=off)");
        if (!NativeLibraryFile.platformSupported()) return new Loaded(null, "no AVX-512 sgemm (not Linux on x86-64)");
        if (!VectorSupport.present() || GemmSimd.L < 16) return new Loaded(null, "no AVX-512 sgemm (no 16-lane vectors)");
        // the C kernel is the 8-row tile: where the Vector API runs another (12 rows on Intel), that one stays
        if (GemmSimd.MR != 8) return new Loaded(null, "no AVX-512 sgemm (the Vector API tile here is " + GemmSimd.tile() + ")");
        try {
            Optional<SymbolLookup> opened = NativeLibraryFile.open(RESOURCE, "imf-avx512-sgemm");
            if (opened.isEmpty()) return new Loaded(null, "no AVX-512 sgemm (library not built into this jar: make build)");
            SymbolLookup symbols = opened.get();
            // the Vector API kernel's blocks (from the caches, or -Dimf.gemm.blocks), so both block a product alike
            MethodHandle blocks = Linker.nativeLinker().downcallHandle(symbols.find("imf_avx512_blocks").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
            if ((int) blocks.invokeExact(GemmPacked.KC, GemmPacked.MC, GemmPacked.NC) != 0)
                return new Loaded(null, "no AVX-512 sgemm (blocks " + GemmPacked.BLOCKING.describe() + " not of 8-row, 32-column tiles)");
            return new Loaded(NativeSgemmFunction.find(symbols, "imf_avx512_sgemm"), "AVX-512 sgemm");
        } catch (Throwable t) {
            return new Loaded(null, "no AVX-512 sgemm (" + t.getMessage() + ")");
        }
    }
}
