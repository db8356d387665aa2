package imfengine.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A shared library opened with the C library's {@code dlopen}, called through {@code java.lang.foreign},
 * rather than with {@link SymbolLookup#libraryLookup}: that one says only "Cannot open library", and on a
 * GPU machine the reason ({@code libcublasLt.so.13: cannot open shared object file}, a wrong ELF class, a
 * missing symbol version) is what tells us what to fix. Libraries stay loaded for the JVM's life, and
 * {@link #path()} is the file the loader chose (its link map's name), also when opened by soname.
 */
public record NativeLibrary(String path, SymbolLookup symbols) {
    private static final int RTLD_NOW = 2, RTLD_GLOBAL = 0x100, RTLD_DI_LINKMAP = 2;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MethodHandle DLOPEN = bind("dlopen", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle DLERROR = bind("dlerror", FunctionDescriptor.of(ADDRESS));
    private static final MethodHandle DLSYM = bind("dlsym", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle DLINFO = bind("dlinfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));

    /** Opens something that loads a library by name or path; throws {@link IllegalArgumentException} with the reason. */
    @FunctionalInterface
    public interface Loader {
        NativeLibrary open(String library);
    }

    /**
     * {@code dlopen(library, RTLD_NOW)}: a path, or a soname the loader searches for ({@code LD_LIBRARY_PATH},
     * {@code ld.so.cache}, the system folders). Throws {@link IllegalArgumentException} with {@code dlerror()}.
     */
    public static NativeLibrary open(String library) { return open(library, RTLD_NOW); }

    /**
     * As {@link #open(String)}, with {@code RTLD_GLOBAL}: for a library whose plug-ins, opened later by the
     * library itself, need its symbols (Open MPI's MCA components need those of {@code libmpi}).
     */
    public static NativeLibrary openGlobal(String library) { return open(library, RTLD_NOW | RTLD_GLOBAL); }

    private static NativeLibrary open(String library, int flags) {
        if (DLOPEN == null || DLSYM == null) { // a C library without dl* in its default lookup: the JDK's loader
            return new NativeLibrary(library, SymbolLookup.libraryLookup(library, Arena.global()));
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) DLOPEN.invokeExact(a.allocateFrom(library), flags);
            if (handle.equals(MemorySegment.NULL)) throw new IllegalArgumentException(lastError());
            return new NativeLibrary(loadedPath(handle, library), name -> find(handle, name));
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalArgumentException(library + ": " + t, t);
        }
    }

    private static Optional<MemorySegment> find(MemorySegment handle, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = (MemorySegment) DLSYM.invokeExact(handle, a.allocateFrom(name));
            return s.equals(MemorySegment.NULL) ? Optional.empty() : Optional.of(s);
        } catch (Throwable t) {
            throw new IllegalStateException("dlsym " + name + ": " + t, t);
        }
    }

    /** {@code l_name} of the handle's {@code struct link_map} (the second field, after {@code l_addr}). */
    private static String loadedPath(MemorySegment handle, String fallback) throws Throwable {
        if (DLINFO == null) return fallback;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            if ((int) DLINFO.invokeExact(handle, RTLD_DI_LINKMAP, out) != 0) return fallback;
            MemorySegment map = out.get(ADDRESS, 0).reinterpret(2 * ADDRESS.byteSize());
            MemorySegment name = map.get(ADDRESS, ADDRESS.byteSize());
            String path = name.equals(MemorySegment.NULL) ? "" : name.reinterpret(4096).getString(0);
            return path.isEmpty() ? fallback : path;
        }
    }

    private static String lastError() throws Throwable {
        MemorySegment e = (MemorySegment) DLERROR.invokeExact();
        return e.equals(MemorySegment.NULL) ? "dlopen failed" : e.reinterpret(4096).getString(0);
    }

    /** A downcall to {@code name} in {@code symbols}; a {@link CudaException} "symbol … missing" when it is not there. */
    static MethodHandle downcall(SymbolLookup symbols, String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbols.find(name).orElseThrow(() -> new CudaException("symbol " + name + " missing")), fd);
    }

    private static MethodHandle bind(String name, FunctionDescriptor fd) {
        return LIBC.find(name).map(s -> LINKER.downcallHandle(s, fd)).orElse(null);
    }
}
