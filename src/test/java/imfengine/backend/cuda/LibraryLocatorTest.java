package imfengine.backend.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The order in which {@link LibraryLocator} offers cuBLAS, on fake folder trees (empty files named like the libraries). */
class LibraryLocatorTest {
    @TempDir Path root;

    private Path lib(String dir, String name) throws IOException {
        Path d = Files.createDirectories(root.resolve(dir));
        return Files.createFile(d.resolve(name));
    }

    /** libcublas.so.N and its libcublasLt.so.N in {@code dir}. */
    private Path pair(String dir, int major) throws IOException {
        lib(dir, "libcublasLt.so." + major);
        return lib(dir, "libcublas.so." + major);
    }

    private LibraryLocator.Environment env(Map<String, String> vars, String property) {
        return new LibraryLocator.Environment(vars, property, root, "x86_64-linux");
    }

    private static List<String> libraries(LibraryLocator.Search s) {
        return s.candidates().stream().map(LibraryLocator.Candidate::library).toList();
    }

    @Test void everyPlaceInTheDocumentedOrder() throws IOException {
        Path home = pair("opt/cuda-home/lib64", 12);
        Path cudaPath = pair("opt/cuda-path/targets/x86_64-linux/lib", 13);
        pair("usr/local/cuda-13.0/lib64", 13);
        Files.createSymbolicLink(root.resolve("usr/local/cuda"), root.resolve("usr/local/cuda-13.0")); // tried once, as cuda
        Path cuda13 = root.resolve("usr/local/cuda/lib64/libcublas.so.13");
        Path cuda12x = pair("usr/local/cuda-12.10/targets/x86_64-linux/lib", 12);
        Path cuda124 = pair("usr/local/cuda-12.4/lib64", 12);
        Path conda = pair("conda/lib", 12);
        Path venv = pair("venv/lib/python3.12/site-packages/nvidia/cu13/lib", 13);
        Path condaWheel = pair("conda/lib/python3.11/site-packages/nvidia/cublas/lib", 12);
        lib("tools/bin", "python3");
        Path onPath = pair("tools/lib/python3.13/site-packages/nvidia/cublas/lib", 12);
        Path user = pair("home/me/.local/lib/python3.10/site-packages/nvidia/cublas/lib", 12);
        Path usrLocal13 = pair("usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib", 13);
        Path usrLocal12 = pair("usr/local/lib/python3.12/dist-packages/nvidia/cublas/lib", 12);
        Path newerPython = pair("usr/lib/python3.12/dist-packages/nvidia/cublas/lib", 12);
        Path olderPython = pair("usr/lib/python3.9/dist-packages/nvidia/cublas/lib", 12);
        Path optConda = pair("opt/conda/lib/python3.10/site-packages/nvidia/cublas/lib", 12);
        Map<String, String> vars = Map.of("CUDA_HOME", root.resolve("opt/cuda-home").toString(),
                "CUDA_PATH", root.resolve("opt/cuda-path").toString(), "CONDA_PREFIX", root.resolve("conda").toString(),
                "VIRTUAL_ENV", root.resolve("venv").toString(), "PATH", "relative/bin::" + root.resolve("tools/bin"),
                "HOME", root.resolve("home/me").toString());
        LibraryLocator.Search s = LibraryLocator.search(LibraryLocator.CUBLAS, env(vars, null));
        List<String> want = new ArrayList<>(List.of("libcublas.so.13", "libcublas.so.12"));
        for (Path p : List.of(home, cudaPath, cuda13, cuda12x, cuda124, conda, venv, condaWheel, onPath, user, usrLocal13, usrLocal12,
                newerPython, olderPython, optConda))
            want.add(p.toString());
        assertEquals(want, libraries(s));
        assertEquals("the loader's search path", s.candidates().getFirst().place());
        assertNull(s.candidates().getFirst().companion(), "a soname's libcublasLt is the loader's business");
        for (LibraryLocator.Candidate c : s.candidates().subList(2, s.candidates().size()))
            assertEquals(c.library().replace("libcublas.so", "libcublasLt.so"), c.companion(), "libcublasLt beside " + c.library());
        assertEquals("CUDA_HOME=" + root.resolve("opt/cuda-home"), s.candidates().get(2).place());
        assertEquals("python wheel", s.candidates().get(8).place());
    }

    @Test void inOneFolderCuda13ComesFirstAndAMissingLtIsNoCompanion() throws IOException {
        Path twelve = pair("opt/cuda/lib64", 12);
        Path thirteen = lib("opt/cuda/lib64", "libcublas.so.13");
        LibraryLocator.Search s = LibraryLocator.search(LibraryLocator.CUBLAS, env(Map.of("CUDA_HOME", root.resolve("opt/cuda").toString()), null));
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12", thirteen.toString(), twelve.toString()), libraries(s));
        assertNull(s.candidates().get(2).companion());
        assertEquals(twelve.resolveSibling("libcublasLt.so.12").toString(), s.candidates().get(3).companion());
    }

    @Test void anOverrideIsTheOnlyPlaceTriedAndThePropertyBeatsTheVariable() throws IOException {
        Path byProperty = pair("a", 12), byVariable = pair("b", 13);
        pair("usr/local/cuda/lib64", 13);
        Map<String, String> vars = Map.of(LibraryLocator.CUBLAS.variable(), byVariable.toString());
        LibraryLocator.Search s = LibraryLocator.search(LibraryLocator.CUBLAS, env(vars, byProperty.toString()));
        assertEquals(List.of(byProperty.toString()), libraries(s));
        assertEquals("-Dimf.cublas=" + byProperty, s.candidates().getFirst().place());
        assertEquals(byProperty.resolveSibling("libcublasLt.so.12").toString(), s.candidates().getFirst().companion());
        LibraryLocator.Search folder = LibraryLocator.search(LibraryLocator.CUBLAS, env(Map.of(LibraryLocator.CUBLAS.variable(), root.resolve("b").toString()), ""));
        assertEquals(List.of(byVariable.toString()), libraries(folder), "a folder, named by the variable (a blank property is unset)");
        LibraryLocator.Search missing = LibraryLocator.search(LibraryLocator.CUBLAS, env(Map.of(LibraryLocator.CUBLAS.variable(), root.resolve("nowhere").toString()), null));
        assertEquals(List.of(), missing.candidates());
        assertEquals(List.of("IMF_CUBLAS=" + root.resolve("nowhere") + " (no such file or folder)"), missing.emptyPlaces());
    }

    @Test void placesWithoutCublasAreNamed() throws IOException {
        Files.createDirectories(root.resolve("usr/local/cuda-13.0/lib64"));
        Files.createDirectories(root.resolve("usr/lib/python3.12/dist-packages"));
        LibraryLocator.Search s = LibraryLocator.search(LibraryLocator.CUBLAS, env(Map.of("CUDA_HOME", root.resolve("empty").toString()), null));
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12"), libraries(s));
        String empty = String.join("; ", s.emptyPlaces());
        assertTrue(empty.contains("CUDA_HOME=" + root.resolve("empty") + " (no cuBLAS in lib64, targets/x86_64-linux/lib, lib)"), empty);
        assertTrue(empty.contains("CUDA_PATH (unset)"), empty);
        assertTrue(empty.contains(root.resolve("usr/local/cuda-13.0") + " (no cuBLAS in lib64, targets/x86_64-linux/lib)"), empty);
        assertTrue(empty.contains("python wheels (no nvidia/cu13/lib or nvidia/cublas/lib in " + root.resolve("usr/lib/python3.12/dist-packages")), empty);
    }

    // ---- loading: Cublas.open over the candidates ----------------------------------------------

    /** A library whose every symbol resolves (to libc's strlen: bound, never called), so the binding succeeds. */
    private static NativeLibrary everySymbol(String path) {
        var strlen = java.lang.foreign.Linker.nativeLinker().defaultLookup().find("strlen").orElseThrow();
        return new NativeLibrary(path, name -> java.util.Optional.of(strlen));
    }

    @Test void theFirstCandidateThatLoadsWinsAndItsLtLoadsFirst() throws IOException {
        Path bad = pair("opt/cuda/lib64", 13), good = pair("usr/local/cuda-12.4/lib64", 12);
        LibraryLocator.Search s = LibraryLocator.search(LibraryLocator.CUBLAS, env(Map.of("CUDA_HOME", root.resolve("opt/cuda").toString()), null));
        List<String> opened = new ArrayList<>();
        NativeLibrary.Loader loader = name -> {
            opened.add(name);
            if (!name.equals(good.toString()) && !name.endsWith("libcublasLt.so.12"))
                throw new IllegalArgumentException(name + ": cannot open shared object file");
            return everySymbol("/resolved" + name);
        };
        try (Cublas c = Cublas.open(s, loader)) {
            assertEquals("/resolved" + good, c.library());
            assertEquals(root.resolve("usr/local/cuda-12.4").toString(), c.place());
        }
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12", bad.resolveSibling("libcublasLt.so.13").toString(),
                good.resolveSibling("libcublasLt.so.12").toString(), good.toString()), opened);
    }

    @Test void noCublasIsOneLineNamingEveryPlaceAndTheLoadersReason() throws IOException {
        Path empty13 = pair("wheel/nvidia/cu13/lib", 13);
        lib("wheel/nvidia/cu13/lib", "libcublas.so.12");
        // an override folder keeps the search away from this machine's own folders; the real dlopen reads the empty files
        LibraryLocator.Search s = LibraryLocator.search(LibraryLocator.CUBLAS, env(Map.of(LibraryLocator.CUBLAS.variable(), empty13.getParent().toString()), null));
        CudaException e = org.junit.jupiter.api.Assertions.assertThrows(CudaException.class, () -> Cublas.open(s, NativeLibrary::open));
        String m = e.getMessage();
        assertTrue(m.startsWith("cuBLAS is not available: tried "), m);
        assertTrue(m.contains(empty13.resolveSibling("libcublasLt.so.13") + ": file too short"), "the companion fails first, with dlerror's reason: " + m);
        assertTrue(m.contains(empty13.resolveSibling("libcublas.so.12") + ": file too short"), m);
        assertTrue(m.endsWith("(set IMF_CUBLAS or -Dimf.cublas to libcublas.so.N or its folder)"), m);
        assertTrue(!m.contains("\n"), m);
        Map<String, String> none = new HashMap<>();
        none.put(LibraryLocator.CUBLAS.variable(), root.resolve("absent").toString());
        CudaException e2 = org.junit.jupiter.api.Assertions.assertThrows(CudaException.class,
                () -> Cublas.open(LibraryLocator.search(LibraryLocator.CUBLAS, env(none, null)), NativeLibrary::open));
        assertTrue(e2.getMessage().contains("IMF_CUBLAS=" + root.resolve("absent") + " (no such file or folder)"), e2.getMessage());
    }

    @Test void aLibraryWithoutTheSymbolsIsRejectedByName() {
        // libc loads but has no cublasCreate_v2: the binding says which symbol is missing
        LibraryLocator.Search s = new LibraryLocator.Search(List.of(new LibraryLocator.Candidate("test", "libc.so.6", null)), List.of());
        CudaException e = org.junit.jupiter.api.Assertions.assertThrows(CudaException.class, () -> Cublas.open(s, NativeLibrary::open));
        assertTrue(e.getMessage().contains("libc.so.6 [test]: symbol cublasCreate_v2 missing"), e.getMessage());
    }

    @Test void nativeLibraryReportsTheFileTheLoaderChose() {
        NativeLibrary libc = NativeLibrary.open("libc.so.6");
        assertTrue(libc.path().startsWith("/") && libc.path().contains("libc"), libc.path());
        assertTrue(libc.symbols().find("strlen").isPresent());
    }
}
