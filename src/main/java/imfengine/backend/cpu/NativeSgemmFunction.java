package imfengine.backend.cpu;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A native {@code int name(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc)} GEMM (0 on success, else out
 * of memory for its packing buffers), called on the heap arrays in place.
 */
record NativeSgemmFunction(String name, MethodHandle handle) implements NativeSgemm {
    private static final FunctionDescriptor DESCRIPTOR = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
            JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_FLOAT, ADDRESS, JAVA_LONG);

    /** The function {@code name} of {@code symbols}; critical: the arrays are passed in place (no copies), and the call holds off GC for its length, milliseconds. */
    static NativeSgemmFunction find(SymbolLookup symbols, String name) {
        MemorySegment symbol = symbols.find(name).orElseThrow(() -> new IllegalStateException("no symbol " + name));
        return new NativeSgemmFunction(name, Linker.nativeLinker().downcallHandle(symbol, DESCRIPTOR, Linker.Option.critical(true)));
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, long offA, int lda,
                     float[] b, long offB, int ldb, float beta, float[] c, long offC, int ldc) {
        int rc;
        try {
            rc = (int) handle.invokeExact(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha,
                    MemorySegment.ofArray(a).asSlice(offA * Float.BYTES), (long) lda,
                    MemorySegment.ofArray(b).asSlice(offB * Float.BYTES), (long) ldb, beta,
                    MemorySegment.ofArray(c).asSlice(offC * Float.BYTES), (long) ldc);
        } catch (Throwable t) {
            throw new IllegalStateException(name + ": " + t, t);
        }
        if (rc != 0) throw new OutOfMemoryError(name + ": no memory for its packing buffers (" + m + "x" + n + "x" + k + ")");
    }
}
