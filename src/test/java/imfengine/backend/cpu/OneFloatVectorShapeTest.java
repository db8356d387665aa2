package imfengine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CPU kernels use one FloatVector shape, the preferred species. A second shape in the process (a 128-bit
 * copy once did it) gives C2 type profiles with two concrete vector classes, and some of its compiles then box
 * the vectors: ten times the heap and a slower step (docs/PERF.md, "Boxed Vector API kernels in plain runs").
 * This reads the sources, because the harm is done by merely running such code next to the kernels.
 */
class OneFloatVectorShapeTest {
    private static final Pattern OTHER_SHAPE = Pattern.compile(
            "SPECIES_(64|128|256|512|MAX)\\b|VectorSpecies\\.of|\\bwith(Shape|Lanes)\\(|\\b(cast|convert|reinterpret)Shape\\(");

    @Test
    void noSourceNamesAnotherVectorShape() throws IOException {
        Path root = Path.of("src/main/java");
        assertTrue(Files.isDirectory(root), "run from the project root: " + root.toAbsolutePath());
        List<String> found = new ArrayList<>();
        int javaFiles;
        try (Stream<Path> files = Files.walk(root)) {
            List<Path> sources = files.filter(f -> f.toString().endsWith(".java")).toList();
            javaFiles = sources.size();
            for (Path f : sources) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    if (OTHER_SHAPE.matcher(lines.get(i)).find()) found.add(root.relativize(f) + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        assertTrue(javaFiles > 50, "found only " + javaFiles + " sources under " + root);
        assertEquals(List.of(), found, "a FloatVector shape other than SPECIES_PREFERRED");
    }

    @Test
    void thePatternCatchesWhatItIsFor() {
        for (String bad : List.of("FloatVector.SPECIES_128", "FloatVector.SPECIES_MAX", "S.withShape(VectorShape.S_128_BIT)",
                "VectorSpecies.of(float.class, VectorShape.S_128_BIT)", "v.reinterpretShape(H, 0)", "v.convertShape(op, H, 0)")) {
            assertTrue(OTHER_SHAPE.matcher(bad).find(), bad);
        }
        assertTrue(!OTHER_SHAPE.matcher("FloatVector.SPECIES_PREFERRED").find());
    }
}
