package imfengine.backend.cuda.emu;

import imfengine.backend.cuda.emu.EmulatorException.Failure;
import imfengine.backend.cuda.emu.EmulatorLibrary.Dim3;
import imfengine.backend.cuda.emu.EmulatorLibrary.KernelInfo;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * libimfemu.so against the PTX the jar ships (the same sources, compiled twice): the same kernels per family,
 * the same parameter sizes, the same static shared memory; and the launch checks cuLaunchKernel would make.
 */
class EmulatorLibraryTest {
    private static final EmulatorLibrary LIB = EmulatorLibrary.engine();
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.(\\w+)\\s+\\w+(?:\\[(\\d+)\\])?");

    private static String ptx(String family) {
        try (InputStream in = EmulatorLibraryTest.class.getResourceAsStream("/ptx/" + family + ".ptx")) {
            if (in == null) throw new AssertionError("no /ptx/" + family + ".ptx: run make ptx");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Parameter sizes in bytes of each .entry of a PTX module. */
    private static Map<String, List<Integer>> entries(String family) {
        Map<String, List<Integer>> out = new TreeMap<>();
        Matcher m = ENTRY.matcher(ptx(family));
        while (m.find()) {
            List<Integer> sizes = new ArrayList<>();
            Matcher p = PARAM.matcher(m.group(2));
            while (p.find()) sizes.add(p.group(2) != null ? Integer.parseInt(p.group(2)) : Integer.parseInt(p.group(1).substring(1)) / 8);
            out.put(m.group(1), sizes);
        }
        return out;
    }

    private static List<Integer> sizes(String signature) {
        List<Integer> out = new ArrayList<>();
        for (String code : signature.split(","))
            out.add(code.equals("ptr") ? 8 : code.startsWith("b") ? Integer.parseInt(code.substring(1)) : Integer.parseInt(code.substring(1)) / 8);
        return out;
    }

    private static Map<String, Set<String>> byFamily() {
        return LIB.kernels().stream().collect(Collectors.groupingBy(KernelInfo::family, TreeMap::new,
                Collectors.mapping(KernelInfo::name, Collectors.toCollection(TreeSet::new))));
    }

    @Test void everyKernelSourceIsAFamilyOfTheLibrary() throws IOException {
        Set<String> sources = new TreeSet<>();
        try (Stream<Path> files = Files.list(Path.of("native-kernels"))) {
            files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".cu")).forEach(f -> sources.add(f.substring(0, f.length() - 3)));
        }
        assertEquals(sources, byFamily().keySet());
    }

    @Test void eachFamilyHasExactlyThePtxEntries() {
        for (var e : byFamily().entrySet()) assertEquals(entries(e.getKey()).keySet(), e.getValue(), "kernels of " + e.getKey());
    }

    @Test void parameterSizesMatchThePtx() {
        for (KernelInfo k : LIB.kernels())
            assertEquals(entries(k.family()).get(k.name()), sizes(k.signature()), k.name() + "(" + k.signature() + ")");
    }

    @Test void staticSharedMemoryComesFromThePtx() {
        assertEquals(8 * 33 * Float.BYTES, LIB.kernel("reduce_cols_vjp_f32").orElseThrow().staticSharedBytes());
        assertEquals(32 * Double.BYTES, LIB.kernel("sum_all_fwd_f32").orElseThrow().staticSharedBytes());
        assertEquals(0, LIB.kernel("attention_fwd_f32").orElseThrow().staticSharedBytes(), "attention uses dynamic shared memory only");
        assertEquals("ptr,ptr,b136,i64", LIB.kernel("permute_fwd_f32").orElseThrow().signature());
    }

    private static Failure failure(Runnable r) { return assertThrows(EmulatorException.class, r::run).failure(); }

    @Test void launchesTheGpuWouldRefuseAreRefused() {
        MemorySegment none = MemorySegment.NULL;
        assertEquals(Failure.UNKNOWN_KERNEL, failure(() -> LIB.launch("no_such_kernel", Dim3.of(1), Dim3.of(1), 0, none)));
        assertEquals(Failure.INVALID_LAUNCH, failure(() -> LIB.launch("sum_rows_fwd_f32", Dim3.of(0), Dim3.of(256), 0, none)));
        assertEquals(Failure.INVALID_LAUNCH, failure(() -> LIB.launch("sum_rows_fwd_f32", Dim3.of(1), Dim3.of(1025), 0, none)));
        assertEquals(Failure.INVALID_LAUNCH, failure(() -> LIB.launch("sum_rows_fwd_f32", Dim3.of(1), new Dim3(1, 1, 65), 0, none)));
        assertEquals(Failure.INVALID_LAUNCH, failure(() -> LIB.launch("sum_rows_fwd_f32", Dim3.of(1), Dim3.of(64, 32), 0, none)));
        assertEquals(Failure.INVALID_LAUNCH, failure(() -> LIB.launch("sum_rows_fwd_f32", Dim3.of(1, 65536), Dim3.of(256), 0, none)));
        assertEquals(Failure.INVALID_ARGUMENT, failure(() -> LIB.launch("sum_rows_fwd_f32", Dim3.of(1), Dim3.of(256), 0, none)));
        // 1056 bytes of static shared memory leave 48 KiB − 1056 for dynamic without opting in
        assertEquals(Failure.SHARED_MEMORY, failure(() -> LIB.launch("reduce_cols_vjp_f32", Dim3.of(1), Dim3.of(32, 8), 48 * 1024 - 1056 + 4, none)));
        assertEquals(Failure.SHARED_MEMORY, failure(() -> LIB.setMaxDynamicShared("reduce_cols_vjp_f32", 227 * 1024 - 1056 + 4)));
    }

    @Test void optingInRaisesTheDynamicSharedLimit() {
        EmulatorLibrary selftest = EmulatorLibrary.load(EmulatorLibrary.directory().resolve("libimfemu-selftest.so"));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(16);
            LaunchParams p = new LaunchParams(a).ptr(out);
            assertEquals(Failure.SHARED_MEMORY, failure(() -> selftest.launch("check_shared_per_block", Dim3.of(1), Dim3.of(32), 64 * 1024, p)));
            selftest.setMaxDynamicShared("check_shared_per_block", 99 * 1024);
            selftest.launch("check_shared_per_block", Dim3.of(1), Dim3.of(32), 64 * 1024, p);
        }
    }

    @Test void packingIsCheckedAgainstTheSignature() {
        try (Arena a = Arena.ofConfined()) {
            LaunchParams wrong = new LaunchParams(a).ptr(0L).ptr(0L).i32(3).i64(4);  // sum_rows takes (ptr, ptr, i32, i32)
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LIB.launch("sum_rows_fwd_f32", Dim3.of(1), Dim3.of(256), 0, wrong));
            assertTrue(e.getMessage().contains("(ptr,ptr,i32,i32)"), e.getMessage());
            LaunchParams floats = new LaunchParams(a).ptr(0L).ptr(0L).f32(3).i32(4);
            assertThrows(IllegalArgumentException.class, () -> LIB.launch("sum_rows_fwd_f32", Dim3.of(1), Dim3.of(256), 0, floats));
        }
    }
}
