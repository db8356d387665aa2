package imfengine.backend.cuda;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The FFM cuBLAS binding fails with one clear message naming every library it tried. */
class CublasBindingTest {
    @Test void missingLibrariesGiveOneClearError() {
        CudaException e = assertThrows(CudaException.class,
                () -> Cublas.open(List.of("libcublas-imf-missing.so.13", "libcublas-imf-missing.so.12")));
        String m = e.getMessage();
        assertTrue(m.startsWith("cuBLAS is not available"), m);
        assertTrue(m.contains("libcublas-imf-missing.so.13: not found") && m.contains("libcublas-imf-missing.so.12: not found"), m);
        assertFalse(m.contains("\n"), m);
    }

    @Test void aLibraryWithoutTheSymbolsIsRejectedByName() {
        // libc opens fine but has no cublasCreate_v2: the binding must say which symbol is missing
        CudaException e = assertThrows(CudaException.class, () -> Cublas.open(List.of("libc.so.6")));
        assertTrue(e.getMessage().contains("libc.so.6: symbol cublasCreate_v2 missing"), e.getMessage());
    }

    @Test void defaultNamesPreferCuda13() {
        assertTrue(Cublas.LIBRARIES.getFirst().equals("libcublas.so.13") && Cublas.LIBRARIES.get(1).equals("libcublas.so.12"));
    }
}
