package imfengine.backend.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who made this machine's CPU, from the {@code vendor_id} line of Linux's {@code /proc/cpuinfo} (CPUID's vendor
 * string). The GEMM reads A in place on AMD and packs it on Intel ({@link GemmSimd#READS_A_IN_PLACE}): the two
 * measured the other way round. {@link #OTHER} where the file or the line is missing (other systems, other CPUs).
 */
enum CpuVendor {
    INTEL, AMD, OTHER;

    /** This machine's vendor. */
    static CpuVendor detect() {
        try {
            return parse(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            return OTHER;
        }
    }

    /** The vendor the first {@code vendor_id} line of a {@code /proc/cpuinfo} text names. */
    static CpuVendor parse(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0 || !line.substring(0, colon).strip().equals("vendor_id")) continue;
            return switch (line.substring(colon + 1).strip()) {
                case "GenuineIntel" -> INTEL;
                case "AuthenticAMD" -> AMD;
                default -> OTHER;
            };
        }
        return OTHER;
    }
}
