package imfengine.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shape's derived shapes. */
class ShapeTest {
    @Test void splitLastMakesTwoAxesOfTheLast() {
        assertEquals(Shape.of(2, 5, 3, 32), Shape.of(2, 5, 96).splitLast(3));
        assertEquals(Shape.of(1, 7), Shape.of(7).splitLast(1));
        var e = assertThrows(IllegalArgumentException.class, () -> Shape.of(2, 4, 10).splitLast(3));
        assertTrue(e.getMessage().contains("[2, 4, 10]") && e.getMessage().contains("3 parts"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Shape.of(2, 4).splitLast(0));
    }
}
