package imfengine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a core's L1d and L2 from sysfs-shaped directories. */
class CpuCachesTest {
    @TempDir Path dir;

    /** One {@code indexN} directory as Linux writes it. */
    private void index(int n, int level, String type, String size) throws IOException {
        Path d = Files.createDirectories(dir.resolve("index" + n));
        Files.writeString(d.resolve("level"), level + "\n");
        Files.writeString(d.resolve("type"), type + "\n");
        Files.writeString(d.resolve("size"), size + "\n");
    }

    @Test void zen3GuestAsItsSysfsReadsIt() throws IOException {
        index(0, 1, "Data", "32K");
        index(1, 1, "Instruction", "64K");   // not a data cache: ignored (larger than L1d on purpose)
        index(2, 2, "Unified", "512K");
        index(3, 3, "Unified", "32768K");
        Files.writeString(dir.resolve("uevent"), "");
        assertEquals(new CpuCaches(32 << 10, 512 << 10, "sysfs"), CpuCaches.read(dir));
    }

    @Test void megabyteSuffixAndIndexOrder() throws IOException {
        index(3, 2, "Unified", "2M");
        index(0, 1, "Data", "48K");
        assertEquals(new CpuCaches(48 << 10, 2 << 20, "sysfs"), CpuCaches.read(dir));
    }

    @Test void missingLevelOrDirectoryFallsBackToAssumedSizes() throws IOException {
        assertSame(CpuCaches.ASSUMED, CpuCaches.read(dir.resolve("absent")));
        index(0, 1, "Data", "32K");
        assertSame(CpuCaches.ASSUMED, CpuCaches.read(dir), "no L2");
    }

    @Test void sizesFromSysconfOrAssumedWhenEitherIsUnknown() {
        assertEquals(new CpuCaches(48 << 10, 1 << 20, "glibc sysconf"), CpuCaches.ofSizes(48 << 10, 1 << 20, "glibc sysconf"));
        assertSame(CpuCaches.ASSUMED, CpuCaches.ofSizes(-1, 1 << 20, "glibc sysconf"));
        assertSame(CpuCaches.ASSUMED, CpuCaches.ofSizes(48 << 10, 0, "glibc sysconf"));
    }

    /**
     * glibc's names for L1d and L2 (188, 191) read cache sizes, not a neighbouring field such as the line size
     * (190: 64) or the associativity: unknown (0 or -1, a VM hiding CPUID's cache leaves) or 4 KiB – 64 MiB.
     */
    @Test void sysconfNamesReadCacheSizes() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux"));
        CpuCaches here = CpuCaches.detect();
        for (long size : new long[] {CpuCaches.sysconf(188), CpuCaches.sysconf(191)})
            assertTrue(size <= 0 || (size >= 4 << 10 && size <= 64 << 20), "cache size " + size + "; detect(): " + here.describe());
    }

    @Test void unreadableSizeFallsBackToAssumedSizes() throws IOException {
        index(0, 1, "Data", "32K");
        index(2, 2, "Unified", "lots");
        assertSame(CpuCaches.ASSUMED, CpuCaches.read(dir));
    }

    @Test void anL2SharedByACoreClusterCountsItsShare() throws IOException {
        index(0, 1, "Data", "32K");
        index(2, 2, "Unified", "2048K");
        Files.writeString(dir.resolve("index2/shared_cpu_list"), "16-19\n");
        CpuCaches c = CpuCaches.read(dir);
        assertEquals(32 << 10, c.l1dBytes());
        assertEquals(512 << 10, c.l2Bytes());
        assertEquals("L1d 32 KiB, L2 512 KiB (sysfs; L2 2048 KiB shared by 4 CPUs)", c.describe());
        Files.writeString(dir.resolve("index2/shared_cpu_list"), "3\n");
        assertEquals(new CpuCaches(32 << 10, 2 << 20, "sysfs"), CpuCaches.read(dir), "one CPU: the whole L2");
    }

    @Test void cpuLists() {
        assertEquals(1, CpuCaches.countCpus("0\n"));
        assertEquals(2, CpuCaches.countCpus("0,56"));
        assertEquals(8, CpuCaches.countCpus("0-3,8-11"));
        assertThrows(IllegalArgumentException.class, () -> CpuCaches.countCpus(""));
        assertThrows(IllegalArgumentException.class, () -> CpuCaches.countCpus("a-b"));
    }

    @Test void sizes() {
        assertEquals(512, CpuCaches.parseSize("512"));
        assertEquals(32 << 10, CpuCaches.parseSize(" 32K\n"));
        assertEquals(1 << 20, CpuCaches.parseSize("1M"));
        assertEquals(1L << 30, CpuCaches.parseSize("1G"));
        assertThrows(IllegalArgumentException.class, () -> CpuCaches.parseSize("K"));
        assertThrows(IllegalArgumentException.class, () -> CpuCaches.parseSize("0K"));
        assertThrows(IllegalArgumentException.class, () -> CpuCaches.parseSize(""));
    }

    @Test void describes() {
        assertEquals("L1d 32 KiB, L2 512 KiB (sysfs)", new CpuCaches(32 << 10, 512 << 10, "sysfs").describe());
    }
}
