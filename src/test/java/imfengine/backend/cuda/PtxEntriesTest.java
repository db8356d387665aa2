package imfengine.backend.cuda;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PTX resources the jar carries declare exactly the kernels {@link Kernel} names: parsed from the
 * {@code .entry} lines of the PTX text, family by family, so a renamed kernel or a stale PTX fails here
 * rather than on the GPU.
 */
class PtxEntriesTest {
    private static final Pattern ENTRY = Pattern.compile("^\\s*\\.visible\\s+\\.entry\\s+(\\w+)\\s*\\(", Pattern.MULTILINE);

    static Set<String> entries(String resource) {
        byte[] bytes = PtxModules.ptxBytes(resource);
        assertEquals(0, bytes[bytes.length - 1], "PTX handed to cuModuleLoadData must end in a 0 byte");
        String ptx = new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
        assertTrue(ptx.contains(".target sm_80"), resource + " is not compute_80 PTX");
        assertTrue(Pattern.compile("^\\.version \\d+\\.\\d+", Pattern.MULTILINE).matcher(ptx).find(), resource + " has no .version");
        Set<String> names = new TreeSet<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    @Test void everyFamilyDeclaresExactlyItsKernels() {
        var byFamily = Arrays.stream(Kernel.values()).collect(Collectors.groupingBy(Kernel::family, TreeMap::new,
                Collectors.mapping(Kernel::symbol, Collectors.toCollection(TreeSet::new))));
        for (var e : byFamily.entrySet())
            assertEquals(e.getValue(), entries("/ptx/" + e.getKey() + ".ptx"), "entries of " + e.getKey() + ".ptx");
    }

    @Test void kernelNamesFollowTheConvention() {
        for (Kernel k : Kernel.values())
            assertTrue(k.symbol().matches("[a-z0-9_]+_(fwd|jvp|vjp)_(f32|i32|b16)"), k.symbol());
    }

    @Test void olderDriversGetTheSameKernelsRelabelledAsIsa78() {
        for (Kernel k : Kernel.values()) {
            byte[] ptx = PtxModules.ptxBytes(k.resource()), old = PtxModules.withVersion(ptx, PtxModules.FALLBACK_ISA);
            assertEquals(0, old[old.length - 1]);
            String a = new String(ptx, 0, ptx.length - 1, StandardCharsets.UTF_8), b = new String(old, 0, old.length - 1, StandardCharsets.UTF_8);
            assertTrue(b.contains("\n.version 7.8\n"), k.resource());
            assertEquals(a.replaceFirst("(?m)^\\.version .*$", ""), b.replaceFirst("(?m)^\\.version .*$", ""), "only the .version line changes");
        }
    }

    @Test void aMissingResourceIsAClearError() {
        CudaException e = org.junit.jupiter.api.Assertions.assertThrows(CudaException.class, () -> PtxModules.ptxBytes("/ptx/nope.ptx"));
        assertTrue(e.getMessage().contains("make ptx"), e.getMessage());
    }
}
