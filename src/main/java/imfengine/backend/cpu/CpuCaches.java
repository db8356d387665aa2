package imfengine.backend.cpu;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The data caches of one core that size the GEMM's blocks ({@link GemmBlocking}): L1d and L2, in bytes,
 * the L2 as the share of one of the CPUs it serves (L1d is taken whole: where hyperthreads share it, the
 * depth block it sizes has not been measured). Read from Linux's sysfs
 * ({@code /sys/devices/system/cpu/cpu0/cache/index*}: {@code level}, {@code type}, {@code size},
 * {@code shared_cpu_list}); where that is missing (some VMs: the Zen 5 guests here have no {@code cache}
 * directory) from glibc's {@code sysconf}, which asks the CPU itself (CPUID); where both fail (other systems)
 * the sizes of the machine the blocks were tuned on (Zen 3: 32 KiB, 512 KiB) stand in. {@code source} says
 * which.
 */
public record CpuCaches(long l1dBytes, long l2Bytes, String source) {
    static final CpuCaches ASSUMED = new CpuCaches(32 << 10, 512 << 10, "assumed");
    /** glibc's {@code _SC_LEVEL1_DCACHE_SIZE} and {@code _SC_LEVEL2_CACHE_SIZE} (bits/confname.h). */
    private static final int SC_LEVEL1_DCACHE_SIZE = 188, SC_LEVEL2_CACHE_SIZE = 191;

    /** This machine's caches (core 0's). */
    public static CpuCaches detect() {
        CpuCaches fromSysfs = read(Path.of("/sys/devices/system/cpu/cpu0/cache"));
        return fromSysfs != ASSUMED ? fromSysfs : ofSizes(sysconf(SC_LEVEL1_DCACHE_SIZE), sysconf(SC_LEVEL2_CACHE_SIZE), "glibc sysconf");
    }

    /** The caches of the sizes given, or {@link #ASSUMED} when either is unknown (0 or negative). */
    static CpuCaches ofSizes(long l1d, long l2, String source) {
        return l1d > 0 && l2 > 0 ? new CpuCaches(l1d, l2, source) : ASSUMED;
    }

    /** glibc's {@code sysconf(name)} through FFM on Linux; -1 where it is missing or fails (other systems, other libcs). */
    static long sysconf(int name) {
        if (!System.getProperty("os.name", "").equals("Linux")) return -1; // the names are glibc's numbers
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle sysconf = linker.defaultLookup().find("sysconf")
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)))
                    .orElse(null);
            return sysconf == null ? -1 : (long) sysconf.invokeExact(name);
        } catch (Throwable e) {
            return -1;
        }
    }

    /** The caches a sysfs {@code cache} directory describes, or {@link #ASSUMED} when it lacks L1d or L2. */
    static CpuCaches read(Path cacheDir) {
        long l1d = 0, l2 = 0;
        int l2Sharers = 1;
        try (Stream<Path> entries = Files.list(cacheDir)) {
            for (Path index : entries.filter(p -> p.getFileName().toString().startsWith("index")).toList()) {
                String type = field(index, "type");
                if (!type.equals("Data") && !type.equals("Unified")) continue; // instruction caches
                long size = parseSize(field(index, "size"));
                switch (field(index, "level")) {
                    case "1" -> l1d = size;
                    case "2" -> {
                        l2 = size;
                        l2Sharers = sharers(index);
                    }
                    default -> { }
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            return ASSUMED;
        }
        if (l1d <= 0 || l2 <= 0) return ASSUMED;
        // An L2 that serves a cluster (Intel's E-cores: 4 cores, 2 MiB) gives each of its CPUs a share.
        return l2Sharers > 1 ? new CpuCaches(l1d, l2 / l2Sharers, "sysfs; L2 " + (l2 >> 10) + " KiB shared by " + l2Sharers + " CPUs")
                : new CpuCaches(l1d, l2, "sysfs");
    }

    /** The CPUs a cache serves, from its {@code shared_cpu_list} (1 when the file is absent). */
    private static int sharers(Path index) throws IOException {
        Path list = index.resolve("shared_cpu_list");
        return Files.exists(list) ? countCpus(Files.readString(list)) : 1;
    }

    /** The CPUs in a Linux CPU list such as {@code 0-3,8-11} (8). */
    static int countCpus(String list) {
        int count = 0;
        for (String part : list.strip().split(",")) {
            if (part.isEmpty()) continue;
            int dash = part.indexOf('-');
            try {
                count += dash < 0 ? 1 : Integer.parseInt(part.substring(dash + 1)) - Integer.parseInt(part.substring(0, dash)) + 1;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("CPU list '" + list.strip() + "' is not a list");
            }
        }
        if (count <= 0) throw new IllegalArgumentException("CPU list '" + list.strip() + "' names no CPU");
        return count;
    }

    /** A sysfs size: bytes, or a count with a K, M or G suffix (binary units), e.g. {@code 32K}. */
    static long parseSize(String text) {
        String s = text.strip();
        long unit = switch (s.isEmpty() ? ' ' : Character.toUpperCase(s.charAt(s.length() - 1))) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        try {
            long n = Long.parseLong(digits);
            if (n <= 0) throw new IllegalArgumentException("cache size '" + text + "' is not positive");
            return n * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cache size '" + text + "' is not a size");
        }
    }

    /** For logs: e.g. {@code L1d 32 KiB, L2 512 KiB (sysfs)}. */
    public String describe() { return "L1d " + (l1dBytes >> 10) + " KiB, L2 " + (l2Bytes >> 10) + " KiB (" + source + ")"; }

    private static String field(Path index, String name) throws IOException {
        return Files.readString(index.resolve(name)).strip();
    }
}
