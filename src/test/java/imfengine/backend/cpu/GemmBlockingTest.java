package imfengine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The GEMM's block sizes from a core's caches, and the {@code imf.gemm.blocks} override. */
class GemmBlockingTest {
    private static CpuCaches caches(int l1dKiB, int l2KiB) { return new CpuCaches(l1dKiB << 10, l2KiB << 10, "test"); }

    @Test void zen3WithTheFourBySixteenTileKeepsTheTunedBlocks() {
        assertEquals(new GemmBlocking(512, 128, 1024, 256), GemmBlocking.forCaches(caches(32, 512), 4, 16));
    }

    @Test void zen4WithTheEightByThirtyTwoTile() {
        // KC as tuned there; MC 512 by the rule, capped at the largest measured (256); a split k's blocks by the rule
        assertEquals(new GemmBlocking(256, 256, 1024, 128), GemmBlocking.forCaches(caches(32, 1024), 8, 32));
    }

    @Test void intelWithItsLargerL1d() {
        assertEquals(new GemmBlocking(384, 256, 1024, 192), GemmBlocking.forCaches(caches(48, 2048), 8, 32));
    }

    @Test void smallCachesStayWithinBounds() {
        GemmBlocking b = GemmBlocking.forCaches(caches(16, 256), 4, 16);
        assertEquals(256, b.kc());
        assertEquals(128, b.mc());
        assertEquals(128, b.kcSplitK());
        GemmBlocking tiny = GemmBlocking.forCaches(caches(1, 8), 8, 32);
        assertEquals(64, tiny.kc());
        assertEquals(32, tiny.mc(), "at least four panels of rows");
        assertEquals(64, tiny.kcSplitK(), "no deeper than KC, no shallower than 64");
    }

    @Test void mcIsAWholeNumberOfPanels() {
        CpuCaches l2Of372KiB = caches(32, 372); // half of it holds 93 rows of 512 floats
        assertEquals(new GemmBlocking(512, 92, 1024, 256), GemmBlocking.forCaches(l2Of372KiB, 4, 16));
        assertEquals(new GemmBlocking(512, 88, 1024, 256), GemmBlocking.forCaches(l2Of372KiB, 8, 16));
    }

    @Test void parsesTheOverride() {
        assertEquals(new GemmBlocking(40, 16, 64, 40), GemmBlocking.parse("40,16,64", 4, 16), "split-k depth: KC");
        assertEquals(new GemmBlocking(40, 16, 64, 40), GemmBlocking.parse(" 40, 16 ,64", 8, 32));
        assertEquals(new GemmBlocking(512, 128, 1024, 256), GemmBlocking.parse("512,128,1024,256", 4, 16));
        assertThrows(IllegalArgumentException.class, () -> GemmBlocking.parse("40,16,64,0", 4, 16));
        assertThrows(IllegalArgumentException.class, () -> GemmBlocking.parse("40,16,64,32,1", 4, 16));
        assertThrows(IllegalArgumentException.class, () -> GemmBlocking.parse("40,16,64,48", 4, 16), "split-k depth over KC");
        assertThrows(IllegalArgumentException.class, () -> GemmBlocking.parse("40,16", 4, 16));
        assertThrows(IllegalArgumentException.class, () -> GemmBlocking.parse("40,x,64", 4, 16));
        assertThrows(IllegalArgumentException.class, () -> GemmBlocking.parse("0,16,64", 4, 16));
        assertThrows(IllegalArgumentException.class, () -> GemmBlocking.parse("40,18,64", 4, 16), "MC not whole panels");
        assertThrows(IllegalArgumentException.class, () -> GemmBlocking.parse("40,16,48", 8, 32), "NC not whole panels");
    }

    @Test void describes() {
        assertEquals("KC 512, MC 128, NC 1024, split-k KC 256", new GemmBlocking(512, 128, 1024, 256).describe());
    }
}
