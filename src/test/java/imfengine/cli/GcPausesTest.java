package imfengine.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GcPausesTest {
    @Test void noCollectionsNoLine() {
        assertNull(new GcPauses(5, 40).since(new GcPauses(5, 40)).warning("the profiled step"));
    }

    @Test void collectionsAreCountedAndNamed() {
        GcPauses d = new GcPauses(7, 530).since(new GcPauses(5, 40));
        assertEquals(new GcPauses(2, 490), d);
        assertEquals("profile: 2 garbage collections (490 ms) during the 3 profiled steps: calls they interrupted look slower;"
                + " more --warmup lets the heap settle first", d.warning("the 3 profiled steps"));
        assertTrue(new GcPauses(1, 3).warning("the profiled step").startsWith("profile: 1 garbage collection (3 ms) during"));
    }

    @Test void seesACollectionOfThisJvm() {
        GcPauses before = GcPauses.now();
        System.gc();
        assertTrue(GcPauses.now().since(before).collections() >= 1, "System.gc() counted by the collectors' beans");
    }
}
