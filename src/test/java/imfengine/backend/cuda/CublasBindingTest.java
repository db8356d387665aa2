package imfengine.backend.cuda;

import imfengine.backend.GemmSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link Cublas}'s downcalls against a fake {@code libcublas} compiled here with g++ (no GPU, no cuBLAS): each
 * GEMM entry point records the arguments it received, so the bindings' descriptors, the argument order (B before
 * A, m and n swapped, for row-major), the data and compute types of {@code cublasGemmEx} and the strides of the
 * batched calls are checked before a GPU runs them. A wrong descriptor fails here as it would on the card.
 */
class CublasBindingTest {
    @TempDir static Path dir;
    static Path library;

    private static final String FAKE = """
            #include <cstdint>
            #include <cstring>
            static int64_t last[32];
            static float scalars[2];
            static void record(int n, const int64_t* v, const void* alpha, const void* beta) {
              std::memset(last, 0, sizeof last);
              std::memcpy(last, v, n * sizeof(int64_t));
              std::memcpy(&scalars[0], alpha, 4);
              std::memcpy(&scalars[1], beta, 4);
            }
            #define I(x) (int64_t)(x)
            #define P(x) (int64_t)(intptr_t)(x)
            extern "C" {
            const int64_t* fake_last() { return last; }
            const float* fake_scalars() { return scalars; }
            int cublasCreate_v2(void** h) { *h = (void*) 0x1234; return 0; }
            int cublasDestroy_v2(void*) { return 0; }
            int cublasSetStream_v2(void*, void*) { return 0; }
            int cublasSetMathMode(void*, int) { return 0; }
            int cublasGetVersion_v2(void*, int* v) { *v = 130100; return 0; }
            int cublasSgemm_v2(void*, int ta, int tb, int m, int n, int k, const float* al, const float* A, int lda,
                               const float* B, int ldb, const float* be, float* C, int ldc) {
              int64_t v[] = {1, ta, tb, m, n, k, P(A), lda, P(B), ldb, P(C), ldc}; record(12, v, al, be); return 0; }
            int cublasSgemmStridedBatched(void*, int ta, int tb, int m, int n, int k, const float* al, const float* A, int lda,
                               long long sA, const float* B, int ldb, long long sB, const float* be, float* C, int ldc, long long sC, int batch) {
              int64_t v[] = {2, ta, tb, m, n, k, P(A), lda, sA, P(B), ldb, sB, P(C), ldc, sC, batch}; record(16, v, al, be); return 0; }
            int cublasGemmEx(void*, int ta, int tb, int m, int n, int k, const void* al, const void* A, int at, int lda,
                               const void* B, int bt, int ldb, const void* be, void* C, int ct, int ldc, int compute, int algo) {
              int64_t v[] = {3, ta, tb, m, n, k, P(A), at, lda, P(B), bt, ldb, P(C), ct, ldc, compute, algo}; record(17, v, al, be); return 0; }
            int cublasGemmStridedBatchedEx(void*, int ta, int tb, int m, int n, int k, const void* al, const void* A, int at, int lda,
                               long long sA, const void* B, int bt, int ldb, long long sB, const void* be, void* C, int ct, int ldc,
                               long long sC, int batch, int compute, int algo) {
              int64_t v[] = {4, ta, tb, m, n, k, P(A), at, lda, sA, P(B), bt, ldb, sB, P(C), ct, ldc, sC, batch, compute, algo};
              record(21, v, al, be); return 0; }
            }
            """;

    @BeforeAll static void compile() throws IOException, InterruptedException {
        Path src = dir.resolve("fake_cublas.cpp");
        Files.writeString(src, FAKE);
        library = dir.resolve("libcublas.so.99");
        Process p;
        try {
            p = new ProcessBuilder("g++", "-shared", "-fPIC", "-O0", src.toString(), "-o", library.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("g++.log").toFile()).start();
        } catch (IOException e) {
            assumeTrue(false, "no g++ to build the fake cuBLAS");
            return;
        }
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "g++ failed: " + Files.readString(dir.resolve("g++.log")));
    }

    private static Cublas open() {
        Cublas c = Cublas.open(new LibraryLocator.Search(List.of(new LibraryLocator.Candidate("test", library.toString(), null)), List.of()),
                NativeLibrary::open);
        c.init(0, false);
        return c;
    }

    private static long[] last(int n) throws Throwable {
        NativeLibrary lib = NativeLibrary.open(library.toString());
        MethodHandle h = Linker.nativeLinker().downcallHandle(lib.symbols().find("fake_last").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS));
        MemorySegment p = ((MemorySegment) h.invokeExact()).reinterpret(8L * 32);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = p.getAtIndex(ValueLayout.JAVA_LONG, i);
        return out;
    }

    // row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: B first, then A, with m and n swapped
    @Test void bf16GemmIsGemmExWithBf16InputsAndFp32Accumulation() throws Throwable {
        try (Cublas c = open()) {
            GemmSpec s = GemmSpec.of(5, 7, 3, true, false, 0.5f, 0.25f); // lda = m = 5 (A stored k×m), ldb = n = 7
            c.gemm(s, GemmInputs.BF16, 0x1000, 0x2000, 0x3000);
            assertArrayEquals(new long[]{3, 0, 1, 7, 5, 3, 0x2000, 14, 7, 0x1000, 14, 5, 0x3000, 0, 7, 68, -1}, last(17));
        }
    }

    @Test void batchedBf16GemmIsStridedBatchedEx() throws Throwable {
        try (Cublas c = open()) {
            GemmSpec s = GemmSpec.batched(4, 5, 7, 3, false, true, 1f, 0f);
            c.gemm(s, GemmInputs.BF16, 0x1000, 0x2000, 0x3000);
            assertArrayEquals(new long[]{4, 1, 0, 7, 5, 3, 0x2000, 14, 3, 21, 0x1000, 14, 3, 15, 0x3000, 0, 7, 35, 4, 68, -1}, last(21));
        }
    }

    @Test void fp32GemmsStaySgemm() throws Throwable {
        try (Cublas c = open()) {
            c.gemm(GemmSpec.of(5, 7, 3, false, false, 1f, 0f), GemmInputs.F32, 0x1000, 0x2000, 0x3000);
            assertArrayEquals(new long[]{1, 0, 0, 7, 5, 3, 0x2000, 7, 0x1000, 3, 0x3000, 7}, last(12));
            c.gemm(GemmSpec.batched(2, 5, 7, 3, false, false, 1f, 0f), GemmInputs.F32, 0x1000, 0x2000, 0x3000);
            assertArrayEquals(new long[]{2, 0, 0, 7, 5, 3, 0x2000, 7, 21, 0x1000, 3, 15, 0x3000, 7, 35, 2}, last(16));
            assertEquals("cublasGemmStridedBatchedEx", Cublas.call(GemmSpec.batched(2, 5, 7, 3, false, false, 1f, 0f), GemmInputs.BF16));
        }
    }
}
