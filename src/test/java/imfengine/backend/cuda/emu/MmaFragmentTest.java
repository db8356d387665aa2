package imfengine.backend.cuda.emu;

import imfengine.backend.cuda.emu.EmulatorException.Failure;
import imfengine.backend.cuda.emu.EmulatorLibrary.Dim3;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * mma_bf16_16816 (native-kernels/mma.cuh) under emulation. The fragments are packed and unpacked here, lane
 * by lane, with the PTX ISA's layout for mma.m16n8k16 (.bf16 A row, B col, f32 C/D) written out again
 * independently of the twin in mma.cuh; so if either gets a fragment index wrong, the product is wrong.
 */
class MmaFragmentTest {
    static final EmulatorLibrary LIB = EmulatorLibrary.load(EmulatorLibrary.directory().resolve("libimfemu-selftest.so"));

    // PTX ISA, "Matrix Fragments for mma.m16n8k16 with floating point type": groupID = lane >> 2,
    // threadID_in_group = lane % 4; a0..a7 (two per register, low half first), b0..b3, c0..c3.
    static int aRow(int lane, int i) { return i < 2 || (i >= 4 && i < 6) ? lane >> 2 : (lane >> 2) + 8; }

    static int aCol(int lane, int i) { return i < 4 ? (lane % 4) * 2 + (i & 1) : (lane % 4) * 2 + (i & 1) + 8; }

    static int bRow(int lane, int i) { return i < 2 ? (lane % 4) * 2 + (i & 1) : (lane % 4) * 2 + (i & 1) + 8; }

    static int bCol(int lane) { return lane >> 2; }

    static int cRow(int lane, int i) { return i < 2 ? lane >> 2 : (lane >> 2) + 8; }

    static int cCol(int lane, int i) { return (lane % 4) * 2 + (i & 1); }

    /** Small integers: exact in bf16, and every product and sum exact in f32. */
    static float a(int r, int k) { return (r * 16 + k) % 13 - 6; }

    static float b(int k, int n) { return (k * 8 + n * 3) % 11 - 5; }

    static float c(int r, int n) { return r - n; }

    static int bf16(float v) { return Float.floatToRawIntBits(v) >>> 16; }  // exact for the values above

    @Test void theLayoutFormulasAtHandCheckedPositions() {
        // lane 5: groupID 1, threadID_in_group 1
        assertEquals(1, aRow(5, 0));
        assertEquals(2, aCol(5, 0));
        assertEquals(9, aRow(5, 2));
        assertEquals(2, aCol(5, 2));
        assertEquals(1, aRow(5, 4));
        assertEquals(10, aCol(5, 4));
        assertEquals(9, aRow(5, 7));
        assertEquals(11, aCol(5, 7));
        assertEquals(3, bRow(5, 1));
        assertEquals(10, bRow(5, 2));
        assertEquals(1, bCol(5));
        assertEquals(9, cRow(5, 3));
        assertEquals(3, cCol(5, 3));
    }

    /** D = A·B + C through check_mma on `lib`, unpacked to [16][8]. */
    static float[][] product(EmulatorLibrary lib) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ra = arena.allocate(ValueLayout.JAVA_INT, 32 * 4), rb = arena.allocate(ValueLayout.JAVA_INT, 32 * 2);
            MemorySegment rc = arena.allocate(ValueLayout.JAVA_FLOAT, 32 * 4), rd = arena.allocate(ValueLayout.JAVA_FLOAT, 32 * 4);
            for (int l = 0; l < 32; l++) {
                for (int r = 0; r < 4; r++)
                    ra.setAtIndex(ValueLayout.JAVA_INT, 4L * l + r,
                            bf16(a(aRow(l, 2 * r), aCol(l, 2 * r))) | bf16(a(aRow(l, 2 * r + 1), aCol(l, 2 * r + 1))) << 16);
                for (int r = 0; r < 2; r++)
                    rb.setAtIndex(ValueLayout.JAVA_INT, 2L * l + r, bf16(b(bRow(l, 2 * r), bCol(l))) | bf16(b(bRow(l, 2 * r + 1), bCol(l))) << 16);
                for (int i = 0; i < 4; i++) rc.setAtIndex(ValueLayout.JAVA_FLOAT, 4L * l + i, c(cRow(l, i), cCol(l, i)));
            }
            lib.launch("check_mma", Dim3.of(1), Dim3.of(32), 0, new LaunchParams(arena).ptr(ra).ptr(rb).ptr(rc).ptr(rd).i32(32));
            float[][] d = new float[16][8];
            for (int l = 0; l < 32; l++)
                for (int i = 0; i < 4; i++) d[cRow(l, i)][cCol(l, i)] = rd.getAtIndex(ValueLayout.JAVA_FLOAT, 4L * l + i);
            return d;
        }
    }

    static float[][] expected() {
        float[][] d = new float[16][8];
        for (int r = 0; r < 16; r++)
            for (int n = 0; n < 8; n++) {
                float s = c(r, n);
                for (int k = 0; k < 16; k++) s += a(r, k) * b(k, n);
                d[r][n] = s;
            }
        return d;
    }

    @Test void aProductOfPackedFragments() {
        float[][] d = product(LIB), want = expected();
        // D[0][0] by hand: row 0 of A is −6..6, −6, −5, −4; column 0 of B is −5 3 0 −3 5 2 −1 −4 4 1 −2 −5 3 0 −3 5; C[0][0] = 0
        assertEquals(-1f, want[0][0]);
        for (int r = 0; r < 16; r++) assertArrayEquals(want[r], d[r], "row " + r + " of D");
    }

    @Test void everyLaneMustTakePart() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment z = arena.allocate(4 * 32 * 4);
            EmulatorException e = assertThrows(EmulatorException.class,
                    () -> LIB.launch("check_mma", Dim3.of(1), Dim3.of(32), 0, new LaunchParams(arena).ptr(z).ptr(z).ptr(z).ptr(z).i32(31)));
            assertEquals(Failure.KERNEL_FAULT, e.failure());
            assertTrue(e.getMessage().contains("needs all 32 lanes"), e.getMessage());
        }
    }
}
