package imfengine.backend.cuda.emu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A kernel emulator library through {@code java.lang.foreign}: our CUDA kernels compiled for the CPU
 * ({@code make emu}; the C ABI is {@code native-kernels/emu/imf_emu.h}, the design {@code docs/EMULATION.md}).
 * A launch takes exactly what {@code cuLaunchKernel} takes, with device pointers being host addresses;
 * it runs synchronously on the calling thread, one launch at a time per library.
 * <p>
 * {@link #engine()} is {@code libimfemu.so}, every kernel of {@code native-kernels/}; the emulator's tests
 * load its self-test and mutant libraries with {@link #load}. Libraries stay loaded for the JVM's life.
 */
public final class EmulatorLibrary {
    /** Where {@code make emu} puts the libraries: system property {@code imf.emu.dir}, else {@code target/emu}. */
    public static Path directory() { return Path.of(System.getProperty("imf.emu.dir", "target/emu")); }

    /** A grid or block shape. */
    public record Dim3(int x, int y, int z) {
        public static Dim3 of(int x) { return new Dim3(x, 1, 1); }

        public static Dim3 of(int x, int y) { return new Dim3(x, y, 1); }
    }

    /**
     * A registered kernel: its {@code extern "C"} name, its family (the {@code .cu} file's base name), its
     * parameter types from the C++ signature ({@code ptr, i32, u32, i64, u64, f32, f64} or {@code bN} for an
     * N-byte struct by value, comma-separated) and its static shared memory (from its PTX; -1 when the
     * library was built without one).
     */
    public record KernelInfo(String name, String family, String signature, int staticSharedBytes) {
        public int arity() { return signature.isEmpty() ? 0 : signature.split(",").length; }
    }

    private static final Map<Path, EmulatorLibrary> LOADED = new ConcurrentHashMap<>();
    private static final int ERR_LEN = 1024;

    private final Path path;
    private final MethodHandle launch, setMaxDynamic;
    private final List<KernelInfo> kernels;

    private EmulatorLibrary(Path path) {
        this.path = path;
        SymbolLookup lookup = SymbolLookup.libraryLookup(path, Arena.global());
        Linker linker = Linker.nativeLinker();
        MethodHandle count = bind(linker, lookup, "imf_emu_kernel_count", FunctionDescriptor.of(JAVA_INT));
        MethodHandle name = bind(linker, lookup, "imf_emu_kernel_name", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        MethodHandle family = bind(linker, lookup, "imf_emu_kernel_family", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        MethodHandle signature = bind(linker, lookup, "imf_emu_kernel_signature", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        MethodHandle staticShared = bind(linker, lookup, "imf_emu_kernel_static_shared", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        launch = bind(linker, lookup, "imf_emu_launch", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        setMaxDynamic = bind(linker, lookup, "imf_emu_set_max_dynamic_shared",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG));
        try {
            List<KernelInfo> list = new ArrayList<>();
            int n = (int) count.invokeExact();
            for (int i = 0; i < n; i++)
                list.add(new KernelInfo(string((MemorySegment) name.invokeExact(i)), string((MemorySegment) family.invokeExact(i)),
                        string((MemorySegment) signature.invokeExact(i)), (int) staticShared.invokeExact(i)));
            kernels = List.copyOf(list);
        } catch (Throwable t) {
            throw new IllegalStateException("reading the kernel list of " + path, t);
        }
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lookup, String symbol, FunctionDescriptor d) {
        MemorySegment s = lookup.find(symbol).orElseThrow(() -> new IllegalStateException("no " + symbol + " in the emulator library"));
        return linker.downcallHandle(s, d);
    }

    private static String string(MemorySegment cString) { return cString.reinterpret(Long.MAX_VALUE).getString(0); }

    /** Loads (once) the emulator library at {@code path}. */
    public static EmulatorLibrary load(Path path) {
        Path p = path.toAbsolutePath().normalize();
        if (!Files.isRegularFile(p))
            throw new IllegalStateException("no emulator library at " + p + ": run `make emu` (docs/EMULATION.md)");
        return LOADED.computeIfAbsent(p, EmulatorLibrary::new);
    }

    /** {@code libimfemu.so}: every kernel of {@code native-kernels/} under emulation. */
    public static EmulatorLibrary engine() { return load(directory().resolve("libimfemu.so")); }

    public Path path() { return path; }

    /** The registered kernels, families in build order. */
    public List<KernelInfo> kernels() { return kernels; }

    public Optional<KernelInfo> kernel(String name) { return kernels.stream().filter(k -> k.name().equals(name)).findFirst(); }

    /**
     * Runs {@code symbol} on {@code grid × block} threads with {@code sharedBytes} of dynamic shared memory;
     * {@code params} is {@code kernelParams} (see {@link LaunchParams}). Returns when every block has run.
     * Throws {@link EmulatorException} for an unknown kernel, a launch the GPU would refuse (geometry, shared
     * memory) or a kernel that misused a barrier or warp intrinsic.
     */
    public void launch(String symbol, Dim3 grid, Dim3 block, int sharedBytes, MemorySegment params) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment err = call.allocate(ERR_LEN);
            int rc = (int) launch.invokeExact(call.allocateFrom(symbol), grid.x(), grid.y(), grid.z(), block.x(), block.y(),
                    block.z(), sharedBytes, params, err, (long) ERR_LEN);
            check(rc, err);
        } catch (EmulatorException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("imf_emu_launch", t);
        }
    }

    /**
     * As {@link #launch(String, Dim3, Dim3, int, MemorySegment)}, first checking the packing against the kernel's
     * signature: the number of parameters, and for each its size and kind (pointer, integer, float, struct);
     * signedness is not compared (an {@code unsigned} may be packed with {@link LaunchParams#i32}).
     */
    public void launch(String symbol, Dim3 grid, Dim3 block, int sharedBytes, LaunchParams params) {
        KernelInfo k = kernel(symbol).orElseThrow(() -> new EmulatorException(EmulatorException.Failure.UNKNOWN_KERNEL,
                "no kernel named " + symbol + " in " + path.getFileName()));
        if (!packing(k.signature()).equals(packing(params.signature())))
            throw new IllegalArgumentException(symbol + " takes (" + k.signature() + ") but was packed as (" + params.signature() + ")");
        launch(symbol, grid, block, sharedBytes, params.segment());
    }

    private static String packing(String signature) { return signature.replace("u", "i"); }

    /** The twin of {@code cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)}: lets {@code symbol} use up to {@code bytes}. */
    public void setMaxDynamicShared(String symbol, int bytes) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment err = call.allocate(ERR_LEN);
            int rc = (int) setMaxDynamic.invokeExact(call.allocateFrom(symbol), bytes, err, (long) ERR_LEN);
            check(rc, err);
        } catch (EmulatorException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("imf_emu_set_max_dynamic_shared", t);
        }
    }

    private static void check(int rc, MemorySegment err) {
        if (rc != 0) throw new EmulatorException(EmulatorException.Failure.of(rc), err.getString(0));
    }

    @Override public String toString() { return "EmulatorLibrary(" + path + ", " + kernels.size() + " kernels)"; }
}
