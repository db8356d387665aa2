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
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    /** Each kernel's declared parameter list is its PTX's, type for type (pointers and long long are both .u64). */
    @Test void everyKernelsDeclaredParametersAreThoseOfItsPtx() {
        for (Kernel k : Kernel.values()) {
            var ptx = PtxText.entries(PtxText.of(k.resource()));
            assertEquals(k.params().stream().map(Param::ptx).toList(), ptx.get(k.symbol()), "parameters of " + k.symbol());
        }
        // and the comparison notices a kernel whose signature changed in the .cu file
        String ema = PtxText.of(Kernel.EMA_FWD.resource());
        String changed = ema.replaceFirst("\\.param \\.f32 ema_fwd_f32_param_2", ".param .f64 ema_fwd_f32_param_2");
        assertTrue(!changed.equals(ema), "the edit applies");
        assertTrue(!Kernel.EMA_FWD.params().stream().map(Param::ptx).toList().equals(PtxText.entries(changed).get("ema_fwd_f32")));
    }

    @Test void argumentsAreCheckedAgainstTheSignatureAsTheyAreBuilt() {
        var wrongType = assertThrows(IllegalArgumentException.class, () -> KernelArgs.of(Kernel.UNARY_FWD).ptr(0));
        assertTrue(wrongType.getMessage().contains("unary_fwd_f32 argument 0 is a I32, not a PTR"), wrongType.getMessage());
        var tooFew = assertThrows(IllegalArgumentException.class, () -> KernelArgs.of(Kernel.EMA_FWD).ptr(1).ptr(2).f32(0.9f).values());
        assertTrue(tooFew.getMessage().contains("ema_fwd_f32 takes 4 arguments, got 3"), tooFew.getMessage());
        var tooMany = assertThrows(IllegalArgumentException.class,
                () -> KernelArgs.of(Kernel.IOTA_FWD_I32).ptr(1).i64(3).i64(4));
        assertTrue(tooMany.getMessage().contains("iota_fwd_i32 takes 2 arguments"), tooMany.getMessage());
        assertEquals(4, KernelArgs.of(Kernel.EMA_FWD).ptr(1).ptr(2).f32(0.9f).i64(7).values().size());
    }

    /** Launch geometry the kernels export in their PTX, read by the host: one definition, in the .cu file. */
    @Test void geometryComesFromThePtx() {
        assertEquals(32, AttentionGeometry.TILE);
        assertEquals(8, AttentionGeometry.WARPS);
        assertEquals(128, AttentionGeometry.MAX_HEAD_DIM);
        var s = new imfengine.backend.AttentionSpec(3, 69, 4, 64, 0.125f);
        Launch fwd = AttentionGeometry.launch("fwd", s), dkdv = AttentionGeometry.launch("dkdv", s);
        assertEquals(new Launch(9, 12, 256, 1, 4 * (2 * 32 * 65 + 8 * 64)), fwd);
        assertEquals(4 * (2 * 32 * 65 + 16 * 64 + 64), dkdv.sharedBytes());
        assertEquals(32, PtxText.constant("reduction", "column_sum_block_x"));
        assertEquals(8, PtxText.constant("reduction", "column_sum_block_y"));
        // column sums: B/2's per-head q/k norms at batch 256 (64 weights, 256·276·12 rows) and its gates (768 columns)
        assertEquals(512, ColumnSums.slices(256 * 276 * 12, 64));
        assertEquals(new Launch(2, 512, 32, 8, 0), ColumnSums.launch(64, 512));
        assertEquals(43, ColumnSums.slices(256 * 276, 768));
        assertEquals(1, ColumnSums.slices(128, 64), "no slice under 128 rows");
        assertEquals(2, ColumnSums.slices(129, 64));
        assertEquals(1, ColumnSums.slices(0, 64));
        // rows: a warp each up to 1024 floats, 8 to a block; a block of 256 beyond
        for (String family : new String[]{"rmsnorm", "softmax"}) {
            assertEquals(new Launch(3, 1, 32, 8, 0), RowGeometry.launch(family, 21, 64));
            assertEquals(new Launch(1, 1, 32, 8, 0), RowGeometry.launch(family, 1, 1024));
            assertEquals(new Launch(5, 1, 256, 1, 0), RowGeometry.launch(family, 5, 1025));
        }
        assertEquals(256, PtxText.constant("selection", "select_nonzero_threads"));
        var missing = assertThrows(CudaException.class, () -> PtxText.constant("attention", "no_such_constant"));
        assertTrue(missing.getMessage().contains("no_such_constant"), missing.getMessage());
        var tooWide = assertThrows(IllegalArgumentException.class,
                () -> AttentionGeometry.launch("fwd", new imfengine.backend.AttentionSpec(1, 8, 1, 256, 1f)));
        assertTrue(tooWide.getMessage().contains("head width 256"), tooWide.getMessage());
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
