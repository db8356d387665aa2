package imfengine.architecture;

import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.FieldModel;
import java.lang.classfile.MethodModel;
import java.lang.reflect.AccessFlag;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Finds host arrays of numbers ({@code float[]}, {@code int[]}, {@code double[]}, any rank) in the
 * compiled signatures of a class: every method and constructor (parameters, return type and generic
 * signature, private ones included) and every non-private field. Compiler-made members (lambda bodies,
 * bridges) are skipped: they carry a method's local variables, not its interface. Reads class files
 * with {@code java.lang.classfile}, so it checks exactly what was compiled.
 */
final class HostArraySignatures {
    private static final Pattern HOST_ARRAY = Pattern.compile("\\[+[FID]");

    /** One offending member: {@code owner#name descriptor}. */
    record Violation(String owner, String member, String descriptor) {
        @Override public String toString() { return owner + "#" + member + " " + descriptor; }
    }

    private HostArraySignatures() {}

    static List<Violation> scan(byte[] classFile) {
        ClassModel cm = ClassFile.of().parse(classFile);
        String owner = cm.thisClass().asInternalName().replace('/', '.');
        List<Violation> out = new ArrayList<>();
        for (MethodModel m : cm.methods()) {
            if (m.flags().has(AccessFlag.SYNTHETIC) || m.flags().has(AccessFlag.BRIDGE)) continue;
            String descriptor = m.methodType().stringValue();
            String generic = m.findAttribute(Attributes.signature()).map(s -> s.signature().stringValue()).orElse("");
            if (hostArray(descriptor) || hostArray(generic)) out.add(new Violation(owner, m.methodName().stringValue(), descriptor));
        }
        for (FieldModel f : cm.fields()) {
            if (f.flags().has(AccessFlag.PRIVATE) || f.flags().has(AccessFlag.SYNTHETIC)) continue;
            String descriptor = f.fieldType().stringValue();
            if (hostArray(descriptor)) out.add(new Violation(owner, f.fieldName().stringValue(), descriptor));
        }
        return out;
    }

    static boolean hostArray(String descriptor) { return HOST_ARRAY.matcher(descriptor).find(); }
}
