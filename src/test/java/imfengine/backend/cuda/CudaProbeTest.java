package imfengine.backend.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** The libcuda probe answers cleanly either way and never throws. */
class CudaProbeTest {
    @Test void missingLibraryIsReportedAsOneLine() {
        String why = Cuda.probeLibrary("libimf-no-such-driver.so.1");
        assertNotNull(why);
        assertTrue(why.startsWith("libimf-no-such-driver.so.1 not found"), why);
        assertFalse(why.contains("\n"), why);
    }

    @Test void presentLibraryProbesClean() {
        assertNull(Cuda.probeLibrary("libc.so.6")); // glibc is on every machine this runs on
    }

    @Test void availabilityIsStableAndNeverThrows() {
        boolean first = Cuda.isAvailable();
        assertEquals(first, Cuda.isAvailable());
        assertEquals(first, Cuda.unavailableReason() == null);
    }

    @Test void withoutADriverTheReasonNamesLibcuda() {
        assumeFalse(Cuda.isAvailable(), "a CUDA device is present");
        assertTrue(Cuda.unavailableReason().contains(Cuda.DRIVER_LIBRARY) || Cuda.unavailableReason().contains("driver"),
                Cuda.unavailableReason());
        CudaException e = assertThrows(CudaException.class, () -> new CudaContext(0));
        assertTrue(e.getMessage().startsWith("no CUDA device"), e.getMessage());
    }
}
