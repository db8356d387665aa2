package imfengine.backend.cuda.emu;

import imfengine.backend.cuda.emu.EmulatorException.Failure;
import imfengine.backend.cuda.emu.EmulatorLibrary.Dim3;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The emulator's own semantics, on the kernels of native-kernels/emu/selftest/emu_checks.cu, against values
 * worked out by hand from the CUDA Programming Guide (shuffles, votes, barriers, atomics) and IEEE rounding
 * (bf16 and half conversions). Lane values in the shuffle kernels are v = 100 + lane + 1000·warp.
 */
class EmulatorSelfTest {
    /** What a lane reads from a source lane that did not take part (all bits set). */
    private static final int POISON = -1;

    private static final EmulatorLibrary LIB = EmulatorLibrary.load(EmulatorLibrary.directory().resolve("libimfemu-selftest.so"));

    private static void run(String kernel, Dim3 grid, Dim3 block, int shared, LaunchParams p) { LIB.launch(kernel, grid, block, shared, p); }

    private static MemorySegment ints(Arena a, int n, int value) {
        MemorySegment s = a.allocate(ValueLayout.JAVA_INT, n);
        for (int i = 0; i < n; i++) s.setAtIndex(ValueLayout.JAVA_INT, i, value);
        return s;
    }

    // ---- threads, blocks, barriers --------------------------------------------------------------

    @Test void coordinatesFollowCudasLinearOrder() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = ints(a, 8 * 6 * 24, -7);
            run("check_coords", new Dim3(2, 3, 1), new Dim3(4, 2, 3), 0, new LaunchParams(a).ptr(out));
            int[] o = out.toArray(ValueLayout.JAVA_INT);
            for (int by = 0; by < 3; by++)
                for (int bx = 0; bx < 2; bx++)
                    for (int tz = 0; tz < 3; tz++)
                        for (int ty = 0; ty < 2; ty++)
                            for (int tx = 0; tx < 4; tx++) {
                                int g = (bx + 2 * by) * 24 + tx + 4 * (ty + 2 * tz);
                                assertArrayEquals(new int[]{tx, ty, tz, bx, by, 0, 24, 6}, Arrays.copyOfRange(o, 8 * g, 8 * g + 8), "thread " + g);
                            }
        }
    }

    @Test void aBarrierMakesEveryWriteVisibleAndCounts() {
        try (Arena a = Arena.ofConfined()) {
            int n = 96;
            MemorySegment out = ints(a, 4 * 2 * n, -7);
            run("check_barrier", Dim3.of(2), Dim3.of(n), 0, new LaunchParams(a).ptr(out));
            int[] o = out.toArray(ValueLayout.JAVA_INT);
            assertEquals(4 + 286, o[0], "thread 0 reads s[1] = 4 and s[95] = 286");
            for (int b = 0; b < 2; b++)
                for (int t = 0; t < n; t++) {
                    int at = 4 * (b * n + t);
                    assertEquals(3 * ((t + 1) % n) + 1 + 3 * ((t + n - 1) % n) + 1, o[at], "neighbours of thread " + t);
                    assertArrayEquals(new int[]{32, 1, 1}, Arrays.copyOfRange(o, at + 1, at + 4), "__syncthreads_count/and/or");
                }
        }
    }

    @Test void withoutTheBarrierAReaderSeesPoison() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_FLOAT, 64);
            run("check_missing_barrier", Dim3.of(1), Dim3.of(64), 0, new LaunchParams(a).ptr(out));
            float[] o = out.toArray(ValueLayout.JAVA_FLOAT);
            // The first pass runs threads in ascending order: each reads its right neighbour's slot before that
            // neighbour wrote it; only the last thread reads a slot (thread 0's) already written.
            for (int t = 0; t < 63; t++) assertTrue(Float.isNaN(o[t]), "thread " + t + " read " + o[t]);
            assertEquals(1f, o[63]);
        }
    }

    @Test void aBarrierAfterAThreadReturnedIsAFault() {
        try (Arena a = Arena.ofConfined()) {
            EmulatorException e = assertThrows(EmulatorException.class,
                    () -> run("check_barrier_after_exit", Dim3.of(1), Dim3.of(64), 0, new LaunchParams(a).ptr(ints(a, 64, 0))));
            assertEquals(Failure.KERNEL_FAULT, e.failure());
            assertTrue(e.getMessage().contains("thread (5,0,0): returned"), e.getMessage());
        }
    }

    // ---- shuffles ---------------------------------------------------------------------------------

    /** The CUDA Programming Guide's description of each shuffle, for lane values v(l) = 100 + l + 1000·warp. */
    private static int expectedShuffle(int op, int b, int width, int thread) {
        int lane = thread & 31, base = 1000 * (thread >> 5) + 100, start = lane & ~(width - 1), src;
        switch (op) {
            case 0 -> src = start + (b & (width - 1));                               // srcLane modulo width, same section
            case 1 -> src = lane - b >= start ? lane - b : lane;                     // the lowest delta lanes keep var
            case 2 -> src = lane + b < start + width ? lane + b : lane;              // the highest delta lanes keep var
            default -> src = (lane ^ b) < start + width ? lane ^ b : lane;           // earlier sections yes, later ones no
        }
        return base + src;
    }

    @Test void fullWarpShufflesFollowTheProgrammingGuide() {
        int[][] cases = {{0, 5, 32}, {0, 37, 8}, {0, -1, 32}, {1, 3, 16}, {1, 1, 32}, {2, 4, 32}, {2, 1, 8}, {3, 1, 32}, {3, 8, 8}, {3, 16, 32}, {3, 3, 4}};
        try (Arena a = Arena.ofConfined()) {
            for (int[] c : cases) {
                MemorySegment out = ints(a, 64, -7);
                run("check_shfl", Dim3.of(1), Dim3.of(64), 0, new LaunchParams(a).i32(c[0]).i32(c[1]).i32(c[2]).ptr(out));
                int[] o = out.toArray(ValueLayout.JAVA_INT);
                for (int t = 0; t < 64; t++)
                    assertEquals(expectedShuffle(c[0], c[1], c[2], t), o[t], "op " + c[0] + " b " + c[1] + " width " + c[2] + " thread " + t);
            }
            // spot values worked out by hand: idx 37 width 8 from lane 13 reads lane 8 + 37 % 8 = 13; xor 8 width 8:
            // lane 3 would read lane 11 (a later section) and keeps its own value, lane 11 reads lane 3
            assertEquals(113, expectedShuffle(0, 37, 8, 13));
            assertEquals(103, expectedShuffle(3, 8, 8, 3));
            assertEquals(103, expectedShuffle(3, 8, 8, 11));
            assertEquals(1117, expectedShuffle(1, 3, 16, 49));
        }
    }

    @Test void halfWarpsWithTheirOwnMasksNeverReadEachOther() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = ints(a, 32, -7);
            run("check_shfl_half_warps", Dim3.of(1), Dim3.of(32), 0, new LaunchParams(a).ptr(out));
            int[] o = out.toArray(ValueLayout.JAVA_INT), want = new int[32];
            for (int l = 0; l < 12; l++) want[l] = 104 + l;           // down 4 within lanes 0-15
            for (int l = 12; l < 18; l++) want[l] = POISON;           // 12-15 would read 16-19, 16-17 would read 14-15: other mask
            for (int l = 18; l < 32; l++) want[l] = 98 + l;           // up 2 within lanes 16-31
            assertArrayEquals(want, o);
        }
    }

    @Test void lanesThatReturnedReadAsPoison() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = ints(a, 64, -7);
            run("check_shfl_exited", Dim3.of(1), Dim3.of(32), 0, new LaunchParams(a).ptr(out));
            int[] o = out.toArray(ValueLayout.JAVA_INT);
            for (int l = 0; l < 16; l++) {
                assertEquals(POISON, o[2 * l], "lane " + l + " reads exited lane " + (l + 16));
                assertEquals(100 + (l ^ 1), o[2 * l + 1], "lane " + l + " reads live lane " + (l ^ 1));
            }
            for (int i = 32; i < 64; i++) assertEquals(-7, o[i], "returned lanes write nothing");
        }
    }

    @Test void sixtyFourBitValuesShuffleWhole() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment d = a.allocate(ValueLayout.JAVA_DOUBLE, 32), q = a.allocate(ValueLayout.JAVA_LONG, 32);
            run("check_shfl_64", Dim3.of(1), Dim3.of(32), 0, new LaunchParams(a).ptr(d).ptr(q));
            for (int l = 0; l < 32; l++) {
                assertEquals((l ^ 5) + 0.5, d.getAtIndex(ValueLayout.JAVA_DOUBLE, l));
                assertEquals((long) (l + 3 < 32 ? l + 3 : l) << 40, q.getAtIndex(ValueLayout.JAVA_LONG, l));
            }
        }
    }

    @Test void misusedWarpIntrinsicsAreFaults() {
        String[] expect = {"which the mask does not name", "must execute the same warp intrinsic with the same mask", "deadlock"};
        try (Arena a = Arena.ofConfined()) {
            for (int which = 0; which < 3; which++) {
                int w = which;
                EmulatorException e = assertThrows(EmulatorException.class,
                        () -> run("check_warp_misuse", Dim3.of(1), Dim3.of(32), 0, new LaunchParams(a).i32(w).ptr(ints(a, 32, 0))));
                assertEquals(Failure.KERNEL_FAULT, e.failure());
                assertTrue(e.getMessage().contains(expect[which]), e.getMessage());
            }
        }
    }

    // ---- votes, shared memory, atomics --------------------------------------------------------------

    @Test void votesMatchesAndReductions() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = ints(a, 16 * 32, -7);
            run("check_votes", Dim3.of(1), Dim3.of(32), 0, new LaunchParams(a).ptr(out));
            int[] o = out.toArray(ValueLayout.JAVA_INT);
            for (int l = 0; l < 32; l++) {
                int[] r = Arrays.copyOfRange(o, 16 * l, 16 * l + 11);
                assertEquals(0x49249249, r[0], "ballot of lane % 3 == 0");
                assertArrayEquals(new int[]{1, 1, 0}, Arrays.copyOfRange(r, 1, 4), "any(lane == 7), all(true), all(lane != 4)");
                assertEquals(l < 8 ? 0xaa : 0, r[4], "ballot of odd lanes within mask 0xff");
                assertEquals(0x11111111 << (l % 4), r[5], "lanes holding the same lane % 4");
                assertArrayEquals(new int[]{-1, 1, 496, 50}, Arrays.copyOfRange(r, 6, 10), "match_all of 7, its predicate, sum 0..31, max");
                assertEquals(l < 20 ? 0x000fffff : -7, r[10], "ballot after lanes 20-31 returned");
            }
        }
    }

    @Test void sharedMemoryIsPerBlockAndPoisonedAtItsStart() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = ints(a, 4 * 3, 0);
            run("check_shared_per_block", Dim3.of(3), Dim3.of(64), 256, new LaunchParams(a).ptr(out));
            int[] o = out.toArray(ValueLayout.JAVA_INT);
            for (int b = 0; b < 3; b++)
                assertArrayEquals(new int[]{POISON, POISON, 100 + b, 200 + b}, Arrays.copyOfRange(o, 4 * b, 4 * b + 4),
                        "block " + b + ": static and dynamic slot before and after thread 0 wrote them");
        }
    }

    @Test void aSharedArrayNoCodeWritesReadsAsPoison() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = ints(a, 8, 0);
            run("check_shared_never_written", Dim3.of(1), Dim3.of(8), 0, new LaunchParams(a).ptr(out));
            assertArrayEquals(new int[]{POISON, POISON, POISON, POISON, POISON, POISON, POISON, POISON}, out.toArray(ValueLayout.JAVA_INT));
        }
    }

    @Test void atomicsFromEveryThreadOfEveryBlock() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(ValueLayout.JAVA_FLOAT), d = a.allocate(ValueLayout.JAVA_DOUBLE), i = ints(a, 6, 0);
            MemorySegment tickets = ints(a, 1024, -7), u = a.allocate(ValueLayout.JAVA_LONG);
            run("check_atomics", Dim3.of(4), Dim3.of(256), 0, new LaunchParams(a).ptr(f).ptr(d).ptr(i).ptr(tickets).ptr(u));
            assertEquals(1024f, f.get(ValueLayout.JAVA_FLOAT, 0));
            assertEquals(512.0, d.get(ValueLayout.JAVA_DOUBLE, 0));
            assertEquals(1L << 43, u.get(ValueLayout.JAVA_LONG, 0));
            // counter, max of g·7 % 1000 (999 at g = 857), min of −g, 1024 subtractions of 2, the exchange, the CAS max
            assertArrayEquals(new int[]{1024, 999, -1023, -2048, 55, 1023}, i.toArray(ValueLayout.JAVA_INT));
            int[] t = tickets.toArray(ValueLayout.JAVA_INT);
            Arrays.sort(t);
            for (int k = 0; k < 1024; k++) assertEquals(k, t[k], "every old value of the ticket counter handed out once");
        }
    }

    // ---- conversions and rounding -------------------------------------------------------------------

    /** Float bits, and the bf16 and half bits that round-to-nearest-even gives, worked out by hand. */
    private static final int[][] CONVERSIONS = {
            {0x3f800000, 0x3f80, 0x3c00},   // 1
            {0x3f808000, 0x3f80, 0x3c04},   // 1 + 2^-8: bf16 tie, to even (down)
            {0x3f818000, 0x3f82, 0x3c0c},   // 1 + 3·2^-8: bf16 tie, to even (up)
            {0x3f808001, 0x3f81, 0x3c04},   // just above the tie
            {0x3f807fff, 0x3f80, 0x3c04},   // just below the tie
            {0x3f801000, 0x3f80, 0x3c00},   // 1 + 2^-11: half tie, to even (down)
            {0x3f803000, 0x3f80, 0x3c02},   // 1 + 3·2^-11: half tie, to even (up)
            {0xc0200000, 0xc020, 0xc100},   // -2.5
            {0x477fe000, 0x4780, 0x7bff},   // 65504, the largest half (bf16 rounds up: low half 0xe000)
            {0x477ff000, 0x4780, 0x7c00},   // 65520: half tie between 65504 and 2^16, to even: inf
            {0xc77ff000, 0xc780, 0xfc00},   // -65520
            {0x7f7fffff, 0x7f80, 0x7c00},   // the largest float: inf in both
            {0x7f800000, 0x7f80, 0x7c00},   // inf
            {0xff800000, 0xff80, 0xfc00},   // -inf
            {0x7fc00001, 0x7fff, 0x7fff},   // NaN: the canonical NaN
            {0xffc00000, 0x7fff, 0x7fff},   // -NaN: the canonical NaN
            {0x80000000, 0x8000, 0x8000},   // -0
            {0x33800000, 0x3380, 0x0001},   // 2^-24, the least half subnormal
            {0x33000000, 0x3300, 0x0000},   // 2^-25: tie between 0 and 2^-24, to even: 0
            {0x33000001, 0x3300, 0x0001},   // just above
            {0x33c00000, 0x33c0, 0x0002},   // 1.5·2^-24: tie, to even: 2
            {0x34200000, 0x3420, 0x0002},   // 2.5·2^-24: tie, to even: 2
            {0x387fe000, 0x3880, 0x0400},   // 1023.5·2^-24: tie between the largest subnormal and 2^-14, to even: 2^-14
            {0x00008000, 0x0000, 0x0000},   // float subnormal, bf16 tie, to even: 0
            {0x00018000, 0x0002, 0x0000},   // bf16 tie, to even: 2
    };

    @Test void conversionsRoundToNearestEven() {
        int n = CONVERSIONS.length;
        float[] in = new float[n];
        for (int k = 0; k < n; k++) in[k] = Float.intBitsToFloat(CONVERSIONS[k][0]);
        short[][] bits = convert(in);
        for (int k = 0; k < n; k++) {
            String what = String.format("0x%08x", CONVERSIONS[k][0]);
            assertEquals(CONVERSIONS[k][1], bits[0][k] & 0xffff, "bf16 of " + what);
            assertEquals(CONVERSIONS[k][2], bits[1][k] & 0xffff, "half of " + what);
        }
    }

    /** Random floats: half bits equal Java's Float.floatToFloat16; bf16 is the nearer neighbour in double, ties to even. */
    @Test void conversionsAgreeWithIndependentRoundingOnRandomFloats() {
        SplittableRandom r = new SplittableRandom(7);
        float[] in = new float[4096];
        for (int k = 0; k < in.length; k++) {
            float f = Float.intBitsToFloat(r.nextInt());
            in[k] = Float.isNaN(f) ? k : k % 2 == 0 ? f : (float) (r.nextGaussian() * Math.pow(2, r.nextInt(-30, 20)));
        }
        short[][] bits = convert(in);
        for (int k = 0; k < in.length; k++) {
            assertEquals(Float.floatToFloat16(in[k]), bits[1][k], "half of " + in[k]);
            // the two bf16 neighbours of in[k], in double (2^128 standing for the one past the largest finite)
            int b = bits[0][k] & 0xffff, truncated = Float.floatToRawIntBits(in[k]) >>> 16;
            double x = in[k], down = Float.intBitsToFloat(truncated << 16), up = Float.intBitsToFloat((truncated + 1) << 16);
            if (Double.isInfinite(up)) up = Math.copySign(0x1p128, x);
            double dDown = Math.abs(x - down), dUp = Math.abs(x - up);
            int nearest = dDown < dUp ? truncated : dUp < dDown ? truncated + 1 : (truncated & 1) == 0 ? truncated : truncated + 1;
            assertEquals(nearest & 0xffff, b, "bf16 of " + in[k]);
        }
    }

    /** check_convert: bf16 bits, half bits, and the round trips (which must be exact). */
    private static short[][] convert(float[] in) {
        int n = in.length;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment src = a.allocateFrom(ValueLayout.JAVA_FLOAT, in), bf = a.allocate(ValueLayout.JAVA_SHORT, n), h = a.allocate(ValueLayout.JAVA_SHORT, n);
            MemorySegment bfBack = a.allocate(ValueLayout.JAVA_FLOAT, n), hBack = a.allocate(ValueLayout.JAVA_FLOAT, n);
            run("check_convert", Dim3.of(2), Dim3.of(64), 0, new LaunchParams(a).ptr(src).ptr(bf).ptr(h).ptr(bfBack).ptr(hBack).i32(n));
            short[] b = bf.toArray(ValueLayout.JAVA_SHORT), x = h.toArray(ValueLayout.JAVA_SHORT);
            for (int k = 0; k < n; k++) {
                assertEquals(Float.intBitsToFloat((b[k] & 0xffff) << 16), bfBack.getAtIndex(ValueLayout.JAVA_FLOAT, k), 0f, "bf16 back");
                float hb = Float.float16ToFloat(x[k]);
                assertTrue(Float.compare(hb, hBack.getAtIndex(ValueLayout.JAVA_FLOAT, k)) == 0 || Float.isNaN(hb), "half back");
            }
            return new short[][]{b, x};
        }
    }

    @Test void explicitlyRoundedOperationsAreNotFused() {
        try (Arena a = Arena.ofConfined()) {
            float x = 1 + 0x1p-23f;
            MemorySegment in = a.allocateFrom(ValueLayout.JAVA_FLOAT, x), out = a.allocate(ValueLayout.JAVA_FLOAT, 4);
            run("check_rounding", Dim3.of(1), Dim3.of(1), 0, new LaunchParams(a).ptr(in).ptr(out));
            assertArrayEquals(new float[]{0x1p-22f, 0x1p-22f + 0x1p-46f, 0.5f, x}, out.toArray(ValueLayout.JAVA_FLOAT));
        }
    }
}
