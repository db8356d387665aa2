package imfengine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Reading the CPU's vendor from /proc/cpuinfo-shaped text, and the GEMM's choice of reading A in place from it. */
class CpuVendorTest {
    @Test void vendorIdLineNamesTheVendor() {
        assertEquals(CpuVendor.INTEL, CpuVendor.parse("processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"));
        assertEquals(CpuVendor.AMD, CpuVendor.parse("processor\t: 0\nvendor_id\t: AuthenticAMD\nvendor_id\t: GenuineIntel\n"));
    }

    @Test void otherOrMissingVendorIsOther() {
        assertEquals(CpuVendor.OTHER, CpuVendor.parse("processor\t: 0\nvendor_id\t: HygonGenuine\n"));
        assertEquals(CpuVendor.OTHER, CpuVendor.parse("processor\t: 0\nBogoMIPS\t: 50.00\n")); // arm64 has no vendor_id
        assertEquals(CpuVendor.OTHER, CpuVendor.parse(""));
    }

    @Test void aIsPackedOnIntelAndReadInPlaceElsewhereUnlessForced() {
        assertFalse(GemmSimd.readsAInPlace(CpuVendor.INTEL, null));
        assertTrue(GemmSimd.readsAInPlace(CpuVendor.AMD, null));
        assertTrue(GemmSimd.readsAInPlace(CpuVendor.OTHER, null));
        assertTrue(GemmSimd.readsAInPlace(CpuVendor.INTEL, "in-place"));
        assertFalse(GemmSimd.readsAInPlace(CpuVendor.AMD, "packed"));
        assertTrue(GemmSimd.readsAInPlace(CpuVendor.AMD, "sideways")); // not a choice: the vendor's, with a warning
    }

    @Test void tileRowsAreTwelveOnIntelEightElsewhereFourWithoutSixteenLanes() {
        assertEquals(12, GemmSimd.tileRows(16, CpuVendor.INTEL, null));
        assertEquals(8, GemmSimd.tileRows(16, CpuVendor.AMD, null));
        assertEquals(8, GemmSimd.tileRows(16, CpuVendor.OTHER, null));
        assertEquals(4, GemmSimd.tileRows(8, CpuVendor.INTEL, null));
        assertEquals(8, GemmSimd.tileRows(16, CpuVendor.INTEL, "8"));
        assertEquals(12, GemmSimd.tileRows(16, CpuVendor.AMD, "12"));
        assertEquals(4, GemmSimd.tileRows(8, CpuVendor.AMD, "12")); // 12 rows need 32 registers: the width's choice, with a warning
        assertEquals(8, GemmSimd.tileRows(16, CpuVendor.AMD, "6"));
    }
}
