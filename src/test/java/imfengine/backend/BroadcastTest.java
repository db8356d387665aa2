package imfengine.backend;

import imfengine.tensor.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BroadcastTest {
    @Test void supportedPatterns() {
        assertEquals(new Broadcast(1, 24, 1), Broadcast.of("t", Shape.of(2, 3, 4), Shape.of(2, 3, 4)));
        assertEquals(new Broadcast(6, 4, 1), Broadcast.of("t", Shape.of(2, 3, 4), Shape.of(4)));
        assertEquals(new Broadcast(1, 2, 12), Broadcast.of("t", Shape.of(2, 3, 4), Shape.of(2, 1, 1)));
        assertEquals(new Broadcast(1, 4, 64), Broadcast.of("t", Shape.of(4, 8, 8, 1), Shape.of(4, 1, 1, 1)));
        assertEquals(new Broadcast(1, 6, 1), Broadcast.of("t", Shape.of(2, 1, 3), Shape.of(2, 1, 3)));
        assertEquals(new Broadcast(2, 3, 1), Broadcast.of("t", Shape.of(2, 1, 3), Shape.of(3)));
        assertEquals(new Broadcast(24, 1, 1), Broadcast.of("t", Shape.of(2, 3, 4), Shape.of(1)));
        assertEquals(new Broadcast(2, 12, 1), Broadcast.of("t", Shape.of(2, 3, 4), Shape.of(3, 4)));
    }

    @Test void rejectsMismatchesNamingOpAndShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Broadcast.of("add", Shape.of(2, 3, 4), Shape.of(2, 1, 4)));
        assertEquals("add: cannot broadcast shape [2, 1, 4] over [2, 3, 4]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Broadcast.of("add", Shape.of(2, 3), Shape.of(5)));
        assertThrows(IllegalArgumentException.class, () -> Broadcast.of("add", Shape.of(3), Shape.of(2, 3)));
    }
}
