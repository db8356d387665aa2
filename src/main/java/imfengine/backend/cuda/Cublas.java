package imfengine.backend.cuda;

import imfengine.backend.GemmSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cuBLAS through {@code java.lang.foreign}: JCublas 12.0.0's natives require {@code libcublas.so.12}
 * by symbol version and cannot load where only CUDA 13 is installed, while a plain symbol lookup works
 * with either. Where the library is looked for, and in which order, is {@link LibraryLocator}'s job; the
 * first candidate that loads (its {@code libcublasLt} first) and has every symbol used here wins, and
 * when none does, one line names every place looked at.
 * <p>
 * Our matrices are row-major and cuBLAS's column-major, and a row-major {@code C = op(A)·op(B)} is the
 * column-major {@code Cᵀ = op(B)ᵀ·op(A)ᵀ}: so each call passes B before A with {@code m, n} swapped
 * and the transpose flags unchanged. Scalars {@code alpha, beta} are read from host memory (the
 * default pointer mode). TF32 tensor-core math ({@code CUBLAS_TF32_TENSOR_OP_MATH}) is an option,
 * off by default. bf16 operands go through {@code cublasGemmEx} / {@code cublasGemmStridedBatchedEx}: A and B
 * {@code CUDA_R_16BF}, C {@code CUDA_R_32F}, compute type {@code CUBLAS_COMPUTE_32F} (fp32 accumulation).
 */
public final class Cublas implements AutoCloseable {
    private static final int CUBLAS_OP_N = 0, CUBLAS_OP_T = 1;
    private static final int CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3;
    // library_types.h (cudaDataType_t) and cublas_api.h (cublasComputeType_t, cublasGemmAlgo_t)
    private static final int CUDA_R_32F = 0, CUDA_R_16BF = 14, CUBLAS_COMPUTE_32F = 68, CUBLAS_GEMM_DEFAULT = -1;

    private final String library, place;
    private final MethodHandle create, destroy, setStream, setMathMode, getVersion, sgemm, sgemmStridedBatched, gemmEx,
            gemmStridedBatchedEx;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment scalars = arena.allocate(ValueLayout.JAVA_FLOAT, 2);
    private MemorySegment handle = MemorySegment.NULL;

    private Cublas(String library, String place, SymbolLookup lookup) {
        this.library = library;
        this.place = place;
        create = NativeLibrary.downcall(lookup, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroy = NativeLibrary.downcall(lookup, "cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setStream = NativeLibrary.downcall(lookup, "cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        setMathMode = NativeLibrary.downcall(lookup, "cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        getVersion = NativeLibrary.downcall(lookup, "cublasGetVersion_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        sgemm = NativeLibrary.downcall(lookup, "cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        sgemmStridedBatched = NativeLibrary.downcall(lookup, "cublasSgemmStridedBatched", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG,
                ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT));
        gemmEx = NativeLibrary.downcall(lookup, "cublasGemmEx", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        gemmStridedBatchedEx = NativeLibrary.downcall(lookup, "cublasGemmStridedBatchedEx", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    /** The cuBLAS entry point {@link #gemm} calls for {@code spec} with {@code inputs} (profiles name GEMMs by it). */
    public static String call(GemmSpec spec, GemmInputs inputs) {
        boolean batched = spec.batch() > 1;
        return switch (inputs) {
            case F32 -> batched ? "cublasSgemmStridedBatched" : "cublasSgemm";
            case BF16 -> batched ? "cublasGemmStridedBatchedEx" : "cublasGemmEx";
        };
    }

    /** Opens the first cuBLAS of this JVM's {@link LibraryLocator#search(LibraryLocator.Library)} that loads. */
    public static Cublas open() { return open(LibraryLocator.search(LibraryLocator.CUBLAS), NativeLibrary::open); }

    /**
     * Opens the first candidate of {@code search} that loads with {@code loader} (its companion
     * {@code libcublasLt} first) and resolves every symbol used here; throws a {@link CudaException} whose
     * one-line message names each candidate tried and why it failed, and each place that had none.
     */
    public static Cublas open(LibraryLocator.Search search, NativeLibrary.Loader loader) {
        return search.open(loader, (lib, found) -> new Cublas(lib.path(), found.place(), lib.symbols()), "cuBLAS",
                "set " + LibraryLocator.CUBLAS.variable() + " or -D" + LibraryLocator.CUBLAS.property() + " to libcublas.so.N or its folder");
    }

    /** The file loaded (the loader's choice when it was found by soname). */
    public String library() { return library; }

    /** Where {@link LibraryLocator} found it, e.g. {@code CUDA_HOME=/usr/local/cuda} or {@code python wheel}. */
    public String place() { return place; }

    /** Creates the handle on the current context and attaches it to {@code stream} (0 = default stream). */
    public void init(long stream, boolean tf32) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cublasCreate_v2", (int) create.invokeExact(out));
            handle = out.get(ADDRESS, 0);
            check("cublasSetStream_v2", (int) setStream.invokeExact(handle, MemorySegment.ofAddress(stream)));
            check("cublasSetMathMode", (int) setMathMode.invokeExact(handle, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
        } catch (Throwable t) {
            throw rethrow("cuBLAS init", t);
        }
    }

    /** The cuBLAS version, e.g. {@code 13.0.2}. */
    public String version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cublasGetVersion_v2", (int) getVersion.invokeExact(handle, v));
            int x = v.get(JAVA_INT, 0);
            return x / 10000 + "." + x % 10000 / 100 + "." + x % 100;
        } catch (Throwable t) {
            throw rethrow("cublasGetVersion_v2", t);
        }
    }

    /**
     * {@code C = alpha·op(A)·op(B) + beta·C}, row-major, at device addresses {@code a, b, c} (offsets already added);
     * A and B of {@code inputs} elements, C fp32.
     */
    public synchronized void gemm(GemmSpec s, GemmInputs inputs, long a, long b, long c) {
        int opA = s.transA() ? CUBLAS_OP_T : CUBLAS_OP_N, opB = s.transB() ? CUBLAS_OP_T : CUBLAS_OP_N;
        scalars.set(ValueLayout.JAVA_FLOAT, 0, s.alpha());
        scalars.set(ValueLayout.JAVA_FLOAT, 4, s.beta());
        MemorySegment alpha = scalars, beta = scalars.asSlice(4);
        try {
            if (inputs == GemmInputs.BF16) {
                gemmBf16(s, opA, opB, alpha, beta, a, b, c);
            } else if (s.batch() == 1) {
                check("cublasSgemm_v2", (int) sgemm.invokeExact(handle, opB, opA, s.n(), s.m(), s.k(), alpha,
                        MemorySegment.ofAddress(b), s.ldb(), MemorySegment.ofAddress(a), s.lda(), beta,
                        MemorySegment.ofAddress(c), s.ldc()));
            } else {
                check("cublasSgemmStridedBatched", (int) sgemmStridedBatched.invokeExact(handle, opB, opA, s.n(), s.m(), s.k(),
                        alpha, MemorySegment.ofAddress(b), s.ldb(), s.strideB(), MemorySegment.ofAddress(a), s.lda(), s.strideA(),
                        beta, MemorySegment.ofAddress(c), s.ldc(), s.strideC(), s.batch()));
            }
        } catch (Throwable t) {
            throw rethrow("cuBLAS " + call(s, inputs) + " " + s, t);
        }
    }

    private void gemmBf16(GemmSpec s, int opA, int opB, MemorySegment alpha, MemorySegment beta, long a, long b, long c) throws Throwable {
        if (s.batch() == 1) {
            check("cublasGemmEx", (int) gemmEx.invokeExact(handle, opB, opA, s.n(), s.m(), s.k(), alpha,
                    MemorySegment.ofAddress(b), CUDA_R_16BF, s.ldb(), MemorySegment.ofAddress(a), CUDA_R_16BF, s.lda(), beta,
                    MemorySegment.ofAddress(c), CUDA_R_32F, s.ldc(), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
        } else {
            check("cublasGemmStridedBatchedEx", (int) gemmStridedBatchedEx.invokeExact(handle, opB, opA, s.n(), s.m(), s.k(), alpha,
                    MemorySegment.ofAddress(b), CUDA_R_16BF, s.ldb(), s.strideB(), MemorySegment.ofAddress(a), CUDA_R_16BF, s.lda(), s.strideA(),
                    beta, MemorySegment.ofAddress(c), CUDA_R_32F, s.ldc(), s.strideC(), s.batch(), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
        }
    }

    @Override public void close() {
        try {
            if (!handle.equals(MemorySegment.NULL)) check("cublasDestroy_v2", (int) destroy.invokeExact(handle));
        } catch (Throwable t) {
            throw rethrow("cublasDestroy_v2", t);
        } finally {
            handle = MemorySegment.NULL;
            arena.close();
        }
    }

    private static void check(String call, int status) {
        if (status != 0) throw new CudaException(call + " failed with cublasStatus_t " + status);
    }

    private static RuntimeException rethrow(String what, Throwable t) {
        if (t instanceof CudaException e) return e;
        return new CudaException(what + ": " + t, t);
    }
}
