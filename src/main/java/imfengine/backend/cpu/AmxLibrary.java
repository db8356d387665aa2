package imfengine.backend.cpu;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The AMX GEMM of {@code native-cpu/amx_sgemm.c}: fp32 in and out, fp32-accurate products from bf16 tiles (each operand
 * split into three bf16 parts; see the C file). {@code make} builds it into the jar as {@value #RESOURCE}; at start-up
 * it is opened by {@link NativeLibraryFile}. It is used where the library is in the jar, the CPU
 * has AMX-BF16 and AVX-512 (F, BW, BF16), and the kernel lets the process use AMX tiles, unless
 * {@code -Dimf.gemm.amx=off}; {@link #status()} says which, and why not.
 */
final class AmxLibrary implements NativeSgemm {
    static final String RESOURCE = "/native/linux-x86_64/libimf_amx_sgemm.so";
    /** {@code -Dimf.gemm.amx=off} keeps the Vector API GEMM where AMX would be used. */
    static final String PROPERTY = "imf.gemm.amx";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Loaded LOADED = load();

    private record Loaded(AmxLibrary library, String status) {}

    /** At most this many products share A in one {@link #gemmSharedA} call (the C side's MAX_SHARED). */
    static final int MAX_SHARED = 3;

    private final NativeSgemmFunction sgemm;
    private final MethodHandle sgemmSharedA;

    private AmxLibrary(NativeSgemmFunction sgemm, MethodHandle sgemmSharedA) {
        this.sgemm = sgemm;
        this.sgemmSharedA = sgemmSharedA;
    }

    /** The library, when this machine runs it. */
    static Optional<AmxLibrary> get() { return Optional.ofNullable(LOADED.library); }

    /** For logs: {@code AMX bf16x3} when in use, else {@code no AMX (why)}. */
    static String status() { return LOADED.status; }

    /** {@link NativeSgemm#gemm} on the calling thread, on AMX tiles. */
    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, long offA, int lda,
                     float[] b, long offB, int ldb, float beta, float[] c, long offC, int ldc) {
        sgemm.gemm(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
    }

    /**
     * {@code C_s = op(A)·op(B_s) + beta·C_s} for the {@code b.length} (2 or 3) products that share A, packed once for all
     * of them, on the calling thread: each op(B_s) k×n at {@code b[s][offB[s]..]}, C_s m×n at {@code c[s][offC[s]..]},
     * with the same strides; n a multiple of 32, beta 0 or 1. Each C_s gets the bits of its own {@link #gemm}.
     */
    void gemmSharedA(boolean transA, boolean transB, int m, int n, int k, float[] a, long offA, int lda,
                     float[][] b, long[] offB, int ldb, float beta, float[][] c, long[] offC, int ldc) {
        int count = b.length, rc;
        try {
            rc = (int) sgemmSharedA.invokeExact(transA ? 1 : 0, transB ? 1 : 0, m, n, k,
                    MemorySegment.ofArray(a).asSlice(offA * Float.BYTES), (long) lda, count,
                    slice(b, offB, 0), slice(b, offB, 1), slice(b, offB, 2), (long) ldb, beta,
                    slice(c, offC, 0), slice(c, offC, 1), slice(c, offC, 2), (long) ldc);
        } catch (Throwable t) {
            throw new IllegalStateException("imf_amx_sgemm_shared_a: " + t, t);
        }
        if (rc == -2) throw new IllegalArgumentException("imf_amx_sgemm_shared_a: " + count + " products of " + m + "x" + n + "x" + k + ", beta " + beta + " (2 or 3 products, n a multiple of 32, beta 0 or 1)");
        if (rc != 0) throw new OutOfMemoryError("imf_amx_sgemm_shared_a: no memory for its packing buffers (" + m + "x" + n + "x" + k + ")");
    }

    /** Array {@code i} from {@code off[i]} on, or NULL past the last. */
    private static MemorySegment slice(float[][] x, long[] off, int i) {
        return i < x.length ? MemorySegment.ofArray(x[i]).asSlice(off[i] * Float.BYTES) : MemorySegment.NULL;
    }

    private static Loaded load() {
        if (!NativeLibraryFile.switchedOn(PROPERTY)) return new Loaded(null, "no AMX (-D" + PROPERTY + "=off)");
        if (!NativeLibraryFile.platformSupported())
            return new Loaded(null, "no AMX (not Linux on x86-64)");
        try {
            Optional<SymbolLookup> opened = NativeLibraryFile.open(RESOURCE, "imf-amx-sgemm");
            if (opened.isEmpty()) return new Loaded(null, "no AMX (library not built into this jar: make build)");
            SymbolLookup symbols = opened.get();
            MethodHandle init = LINKER.downcallHandle(symbols.find("imf_amx_init").orElseThrow(), FunctionDescriptor.of(JAVA_INT));
            int rc = (int) init.invokeExact();
            if (rc != 0) return new Loaded(null, "no AMX (" + switch (rc) {
                case -1 -> "the CPU has no AMX-BF16";
                case -2 -> "the CPU lacks AVX-512 F, BW or BF16";
                case -3 -> "the kernel does not grant AMX tile state";
                default -> "init returned " + rc;
            } + ")");
            NativeSgemmFunction sgemm = NativeSgemmFunction.find(symbols, "imf_amx_sgemm");
            // critical, as NativeSgemmFunction's downcalls: the arrays are passed in place (no copies)
            MethodHandle sgemmSharedA = LINKER.downcallHandle(symbols.find("imf_amx_sgemm_shared_a").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT,
                            ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_FLOAT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG),
                    Linker.Option.critical(true));
            return new Loaded(new AmxLibrary(sgemm, sgemmSharedA), "AMX bf16x3");
        } catch (Throwable t) {
            return new Loaded(null, "no AMX (" + t.getMessage() + ")");
        }
    }
}
