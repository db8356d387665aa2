package imfengine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No method of a CPU kernel class takes or returns a vector or a mask. C2 inlines such a call only while
 * its heuristics allow, and a call it leaves out of line boxes the vectors on every call: in about one JVM
 * in ten or twenty that cost 11930 MiB of heap and 1.6× the time per xs step (see {@link VectorMath}).
 */
class NoVectorInSignaturesTest {
    @Test
    void kernelMethodsPassArraysAndScalarsOnly() throws Exception {
        assumeTrue(VectorSupport.present(), "jdk.incubator.vector not present");
        Class<?> vector = Class.forName("jdk.incubator.vector.Vector"), mask = Class.forName("jdk.incubator.vector.VectorMask");
        Path classes = Path.of(CpuBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path pkg = classes.resolve("imfengine/backend/cpu");
        List<String> names;
        try (Stream<Path> files = Files.list(pkg)) {
            names = files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".class"))
                    .map(f -> "imfengine.backend.cpu." + f.substring(0, f.length() - ".class".length())).sorted().toList();
        }
        assertTrue(names.contains("imfengine.backend.cpu.AttentionSimd"), "kernel classes not found under " + pkg);
        List<String> offenders = new ArrayList<>();
        for (String name : names) {
            for (Method m : Class.forName(name, false, getClass().getClassLoader()).getDeclaredMethods()) {
                List<Class<?>> types = new ArrayList<>(List.of(m.getParameterTypes()));
                types.add(m.getReturnType());
                if (types.stream().anyMatch(t -> vector.isAssignableFrom(t) || mask.isAssignableFrom(t))) offenders.add(name + "::" + m.getName());
            }
        }
        assertEquals(List.of(), offenders, "kernel methods that pass vectors (C2 boxes them when it does not inline the call)");
    }
}
