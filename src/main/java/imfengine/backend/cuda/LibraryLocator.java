package imfengine.backend.cuda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where an NVIDIA library ({@link #CUBLAS}, {@link #NCCL}) may be, in the order {@link Cublas#open()} and
 * {@link Nccl#open()} try it (the first that loads wins); for cuBLAS:
 * <ol>
 *   <li>an explicit override, {@code -Dimf.cublas=…} or else {@code IMF_CUBLAS=…}: a {@code libcublas.so.N} file
 *       or a folder holding one. When set it is the only place tried: a wrong override is an error, not a
 *       silent fall-back to another cuBLAS;</li>
 *   <li>the loader's own search by soname ({@code LD_LIBRARY_PATH}, {@code ld.so.cache}, system folders):
 *       {@code libcublas.so.13}, then {@code .12};</li>
 *   <li>{@code $CUDA_HOME}, then {@code $CUDA_PATH}: {@code lib64}, {@code targets/<arch>-linux/lib}, {@code lib};</li>
 *   <li>{@code /usr/local/cuda}, then {@code /usr/local/cuda-*} newest version first: {@code lib64},
 *       {@code targets/<arch>-linux/lib};</li>
 *   <li>{@code $CONDA_PREFIX/lib};</li>
 *   <li>NVIDIA's Python wheels, {@code nvidia/cu13/lib} (CUDA 13 wheels) then {@code nvidia/cublas/lib}
 *       (CUDA 12), in the {@code site-packages} / {@code dist-packages} of {@code lib/python3*} under, in turn:
 *       {@code $VIRTUAL_ENV}, {@code $CONDA_PREFIX}, the prefix of each {@code python3} on {@code PATH} (the
 *       folder above its {@code bin}), {@code ~/.local}, {@code /usr/local}, {@code /usr}, {@code /opt/conda}.
 *       Found by listing folders: no Python runs at JVM start.</li>
 * </ol>
 * In a folder, {@code libcublas.so.13} comes before {@code .12}, and each comes with {@code libcublasLt.so.N}
 * of the same folder when there is one ({@link Cublas} loads it first: libcublas needs it, and a wheel's or
 * toolkit's folder is not on the loader's path). A folder reached twice (a symlink) is tried once. Which
 * environment, properties and file-system root it reads is an {@link Environment}, so tests run it on fake
 * folder trees.
 * <p>NCCL is looked for the same way with its own names: {@code -Dimf.nccl} / {@code IMF_NCCL}, {@code libnccl.so.2},
 * and the wheel folder {@code nvidia/nccl/lib} (PyTorch's pip wheels bring NCCL there; there is rarely a system one).
 */
public final class LibraryLocator {
    /**
     * One library's names: sonames newest first, the override's system property and environment variable, the
     * folders of NVIDIA's Python wheels that hold it, and the prefix of a companion loaded first ({@code libcublasLt}
     * for {@code libcublas}), or null.
     */
    public record Library(String name, List<String> sonames, String property, String variable, List<String> wheelFolders,
                          String companionPrefix) {
        String prefix() { return sonames.getFirst().substring(0, sonames.getFirst().indexOf(".so")); }
    }

    public static final Library CUBLAS = new Library("cuBLAS", List.of("libcublas.so.13", "libcublas.so.12"), "imf.cublas", "IMF_CUBLAS",
            List.of("nvidia/cu13/lib", "nvidia/cublas/lib"), "libcublasLt");
    public static final Library NCCL = new Library("NCCL", List.of("libnccl.so.2"), "imf.nccl", "IMF_NCCL",
            List.of("nvidia/nccl/lib", "nvidia/cu13/lib"), null);

    /** One library to try: where it came from, the soname or path, and the libcublasLt to load first (or null). */
    public record Candidate(String place, String library, String companion) {
        @Override public String toString() { return library + " [" + place + "]"; }
    }

    /** The candidates in order, and the places looked at that gave none (for the error line). */
    public record Search(List<Candidate> candidates, List<String> emptyPlaces) {
        /** Makes a binding of a loaded library; throws {@link CudaException} (a symbol missing) to move on to the next candidate. */
        public interface Binder<T> {
            T bind(NativeLibrary library, Candidate found);
        }

        /**
         * The binding of the first candidate that loads with {@code loader} (its companion first) and that
         * {@code binder} accepts; else a {@link CudaException} whose one line says {@code what} is not available,
         * names each candidate tried and why it failed and each place that had none, then {@code hint} in parentheses.
         */
        public <T> T open(NativeLibrary.Loader loader, Binder<T> binder, String what, String hint) {
            List<String> looked = new ArrayList<>();
            for (Candidate c : candidates) {
                try {
                    if (c.companion() != null) loader.open(c.companion());
                    return binder.bind(loader.open(c.library()), c);
                } catch (IllegalArgumentException | CudaException e) {
                    looked.add(c + ": " + oneLine(e.getMessage()));
                }
            }
            looked.addAll(emptyPlaces);
            throw new CudaException(what + " is not available: tried " + (looked.isEmpty() ? "nothing" : String.join("; ", looked))
                    + " (" + hint + ")");
        }
    }

    /** {@code s} with its line breaks folded into spaces ("failed" for null), for one-line error messages. */
    static String oneLine(String s) {
        return s == null ? "failed" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }

    /**
     * What the search reads: environment variables, the override property, the root that the fixed folders
     * ({@code /usr/local/cuda*}, {@code /usr}, {@code /opt/conda}) are resolved against, and the toolkit's
     * target folder name for this CPU ({@code x86_64-linux}, {@code sbsa-linux}).
     */
    public record Environment(Map<String, String> env, String property, Path root, String target) {
        public static Environment system(Library lib) {
            String arch = System.getProperty("os.arch", "");
            return new Environment(System.getenv(), System.getProperty(lib.property()), Path.of("/"),
                    arch.equals("aarch64") ? "sbsa-linux" : "x86_64-linux");
        }

        String get(String name) {
            String v = env.get(name);
            return v == null || v.isBlank() ? null : v;
        }
    }

    private final Library lib;
    private final Environment e;
    private final List<Candidate> candidates = new ArrayList<>();
    private final List<String> empty = new ArrayList<>();
    /** Folders already looked at (by real path) and whether they held the library. */
    private final Map<Path, Boolean> seen = new HashMap<>();

    private LibraryLocator(Library lib, Environment e) {
        this.lib = lib;
        this.e = e;
    }

    /** The places of this JVM's environment. */
    public static Search search(Library lib) { return search(lib, Environment.system(lib)); }

    public static Search search(Library lib, Environment e) {
        LibraryLocator l = new LibraryLocator(lib, e);
        l.run();
        return new Search(List.copyOf(l.candidates), List.copyOf(l.empty));
    }

    private void run() {
        String override = e.property() != null && !e.property().isBlank() ? e.property() : e.get(lib.variable());
        if (override != null) {
            overridden(override, e.property() != null && !e.property().isBlank() ? "-D" + lib.property() : lib.variable());
            return;
        }
        for (String soname : lib.sonames()) candidates.add(new Candidate("the loader's search path", soname, null));
        for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
            String home = e.get(var);
            if (home == null) empty.add(var + " (unset)");
            else toolkit(var + "=" + home, Path.of(home), true);
        }
        Path local = e.root().resolve("usr/local");
        List<Path> toolkits = new ArrayList<>();
        if (Files.isDirectory(local.resolve("cuda"))) toolkits.add(local.resolve("cuda"));
        toolkits.addAll(versioned(local));
        if (toolkits.isEmpty()) empty.add(local.resolve("cuda*") + " (none)");
        for (Path t : toolkits) toolkit(t.toString(), t, false);
        String conda = e.get("CONDA_PREFIX");
        if (conda != null) folder("CONDA_PREFIX", Path.of(conda, "lib"));
        wheels();
    }

    private void overridden(String value, String name) {
        Path p = Path.of(value);
        String place = name + "=" + value;
        if (Files.isDirectory(p)) {
            if (!folder(place, p)) empty.add(place + " (no " + String.join(" or ", lib.sonames()) + " there)");
        } else if (Files.exists(p)) {
            candidates.add(new Candidate(place, p.toString(), companion(p)));
        } else {
            empty.add(place + " (no such file or folder)");
        }
    }

    /** A CUDA toolkit's library folders; {@code lib} too for an explicit home (some installs use it). */
    private void toolkit(String place, Path home, boolean explicitHome) {
        List<String> subs = new ArrayList<>(List.of("lib64", "targets/" + e.target() + "/lib"));
        if (explicitHome) subs.add("lib");
        boolean any = false;
        for (String s : subs) any |= folder(place, home.resolve(s));
        if (!any) empty.add(place + " (no " + lib.name() + " in " + String.join(", ", subs) + ")");
    }

    /** {@code /usr/local/cuda-X.Y} folders, newest version first. */
    private static List<Path> versioned(Path local) {
        if (!Files.isDirectory(local)) return List.of();
        try (Stream<Path> s = Files.list(local)) {
            return s.filter(p -> p.getFileName().toString().matches("cuda-\\d+(\\.\\d+)*") && Files.isDirectory(p))
                    .sorted(Comparator.comparing((Path p) -> version(p.getFileName().toString().substring(5)), LibraryLocator::compareVersions).reversed())
                    .toList();
        } catch (IOException ex) {
            return List.of();
        }
    }

    private static int[] version(String v) {
        String[] parts = v.split("\\.");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Integer.parseInt(parts[i]);
        return out;
    }

    private static int compareVersions(int[] a, int[] b) {
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            int c = Integer.compare(i < a.length ? a[i] : 0, i < b.length ? b[i] : 0);
            if (c != 0) return c;
        }
        return 0;
    }

    private void wheels() {
        Set<Path> prefixes = new LinkedHashSet<>();
        for (String var : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) if (e.get(var) != null) prefixes.add(Path.of(e.get(var)));
        String path = e.get("PATH");
        if (path != null)
            for (String dir : path.split(":"))
                if (!dir.isEmpty() && Files.isRegularFile(Path.of(dir, "python3")) && Path.of(dir).getParent() != null)
                    prefixes.add(Path.of(dir).getParent().normalize());
        if (e.get("HOME") != null) prefixes.add(Path.of(e.get("HOME"), ".local"));
        for (String fixed : List.of("usr/local", "usr", "opt/conda")) prefixes.add(e.root().resolve(fixed));
        List<Path> sitePackages = new ArrayList<>();
        for (Path prefix : prefixes) sitePackages.addAll(sitePackages(prefix));
        boolean any = false;
        for (Path site : sitePackages)
            for (String wheel : lib.wheelFolders()) any |= folder("python wheel", site.resolve(wheel));
        if (!any) empty.add("python wheels (no " + String.join(" or ", lib.wheelFolders()) + " in " + (sitePackages.isEmpty()
                ? "any site-packages: none under " + String.join(", ", prefixes.stream().map(Path::toString).toList())
                : String.join(", ", sitePackages.stream().map(Path::toString).toList())) + ")");
    }

    /** {@code <prefix>/lib/python3*}{@code /site-packages} and {@code dist-packages}, newest Python first. */
    private static List<Path> sitePackages(Path prefix) {
        Path lib = prefix.resolve("lib");
        if (!Files.isDirectory(lib)) return List.of();
        try (Stream<Path> s = Files.list(lib)) {
            List<Path> pythons = s.filter(p -> p.getFileName().toString().matches("python3(\\.\\d+)?") && Files.isDirectory(p))
                    .sorted(Comparator.comparing((Path p) -> version(p.getFileName().toString().substring(6)), LibraryLocator::compareVersions)
                            .reversed())
                    .toList();
            List<Path> out = new ArrayList<>();
            for (Path py : pythons)
                for (String d : List.of("site-packages", "dist-packages")) if (Files.isDirectory(py.resolve(d))) out.add(py.resolve(d));
            return out;
        } catch (IOException ex) {
            return List.of();
        }
    }

    /** Adds the folder's library files in soname order; true when it has any. A folder seen before adds nothing again. */
    private boolean folder(String place, Path dir) {
        if (!Files.isDirectory(dir)) return false;
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException ex) {
            real = dir.toAbsolutePath().normalize();
        }
        if (seen.containsKey(real)) return seen.get(real);
        boolean any = false;
        for (String soname : lib.sonames()) {
            Path file = dir.resolve(soname);
            if (Files.exists(file)) {
                candidates.add(new Candidate(place, file.toString(), companion(file)));
                any = true;
            }
        }
        seen.put(real, any);
        return any;
    }

    /** The companion beside the library ({@code libcublasLt.so.N} beside {@code libcublas.so.N}), when it is there. */
    private String companion(Path file) {
        String name = file.getFileName().toString();
        if (lib.companionPrefix() == null || !name.startsWith(lib.prefix() + ".so")) return null;
        Path c = file.resolveSibling(lib.companionPrefix() + name.substring(lib.prefix().length()));
        return Files.exists(c) ? c.toString() : null;
    }

}
