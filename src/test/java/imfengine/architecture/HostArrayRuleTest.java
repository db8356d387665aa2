package imfengine.architecture;

import imfengine.backend.Backend;
import imfengine.imf.ImfObjective;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tensors are the only currency above the backend: no {@code float[]}, {@code int[]} or {@code double[]}
 * in any signature of {@code nn/}, {@code ops/}, {@code imf/}, {@code optim/} or {@code Backend}, except the
 * backend's explicit transfer points. Host arrays live at the edges (data loading in {@code data/},
 * checkpoint I/O in {@code io/}, {@code tensor.Host}, the CLI), which are not scanned.
 */
class HostArrayRuleTest {
    static final List<String> PACKAGES = List.of("imfengine/nn", "imfengine/ops", "imfengine/imf", "imfengine/optim");

    /** The explicit upload/download points: the only host arrays the rule admits. */
    static final Set<String> TRANSFER_POINTS = Set.of(
            "imfengine.backend.Backend#upload ([FLimfengine/tensor/Tensor;)V",
            "imfengine.backend.Backend#upload ([ILimfengine/tensor/Tensor;)V",
            "imfengine.backend.Backend#download (Limfengine/tensor/Tensor;[F)V",
            "imfengine.backend.Backend#download (Limfengine/tensor/Tensor;[I)V");

    @Test void noHostArraysAboveTheBackend() throws IOException {
        List<Path> classes = classFiles();
        assertTrue(classes.size() > 40, "the scan saw only " + classes.size() + " classes");
        Set<String> found = new TreeSet<>();
        for (Path c : classes) for (var v : HostArraySignatures.scan(Files.readAllBytes(c))) found.add(v.toString());
        found.addAll(scanned(Backend.class));
        Set<String> unexpected = new TreeSet<>(found);
        unexpected.removeAll(TRANSFER_POINTS);
        assertEquals(Set.of(), unexpected, "host arrays in signatures above the backend");
        assertEquals(TRANSFER_POINTS, found, "the transfer points the rule admits are still there");
    }

    /** The test of the test: a float[] parameter added to ImfObjective is caught, with its name. */
    @Test void aFloatArrayParameterAddedToTheObjectiveIsCaught() throws IOException {
        byte[] original = bytes(ImfObjective.class);
        assertEquals(List.of(), HostArraySignatures.scan(original), "ImfObjective as compiled is clean");
        MethodTypeDesc takesHostArray = MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_float.arrayType());
        byte[] changed = ClassFile.of().transformClass(ClassFile.of().parse(original),
                java.lang.classfile.ClassTransform.endHandler(b -> b.withMethodBody("lossOnHost", takesHostArray,
                        ClassFile.ACC_PUBLIC, code -> code.return_())));
        var violations = HostArraySignatures.scan(changed);
        assertEquals(1, violations.size(), "violations: " + violations);
        assertEquals("imfengine.imf.ImfObjective#lossOnHost ([F)V", violations.get(0).toString());
        byte[] withInts = ClassFile.of().transformClass(ClassFile.of().parse(original),
                java.lang.classfile.ClassTransform.endHandler(b -> b.withMethodBody("labels",
                        MethodTypeDesc.of(ConstantDescs.CD_int.arrayType()), ClassFile.ACC_PRIVATE,
                        code -> code.aconst_null().areturn())));
        assertEquals(1, HostArraySignatures.scan(withInts).size(), "an int[] return type, even on a private method");
    }

    @Test void lambdaBodiesAndLocalsAreNotSignatures() {
        assertTrue(HostArraySignatures.hostArray("([[F)V") && HostArraySignatures.hostArray("()[I")
                && HostArraySignatures.hostArray("Ljava/util/List<[D>;"));
        assertTrue(!HostArraySignatures.hostArray("(Limfengine/tensor/Tensor;[Limfengine/tensor/Tensor;)V")
                && !HostArraySignatures.hostArray("([Z[J)V"), "arrays of objects, booleans and longs are not host data");
    }

    private static Set<String> scanned(Class<?> c) throws IOException {
        Set<String> out = new TreeSet<>();
        for (var v : HostArraySignatures.scan(bytes(c))) out.add(v.toString());
        return out;
    }

    private static byte[] bytes(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }

    /** Every class file of {@link #PACKAGES}, nested and inner classes included, from the compiled main classes. */
    private static List<Path> classFiles() throws IOException {
        Path mainClasses;
        try { // where ImfObjective was loaded from: the main classes, not the tests of the same packages
            mainClasses = Path.of(ImfObjective.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        List<Path> out = new ArrayList<>();
        for (String pkg : PACKAGES) {
            Path dir = mainClasses.resolve(pkg);
            assertTrue(Files.isDirectory(dir), "no compiled classes in " + dir);
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(p -> p.toString().endsWith(".class")).forEach(out::add);
            }
        }
        return out;
    }
}
