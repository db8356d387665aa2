package imfengine.tensor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Permutation#coalesce}: the merged geometry, and the same element order as the permutation it stands for. */
class PermutationTest {
    @Test void patchifyMergesItsNeighbours() {
        Permutation.Coalesced c = Permutation.of(0, 1, 3, 2, 4, 5).coalesce(Shape.of(2, 3, 4, 5, 4, 3));
        assertEquals(Shape.of(6, 4, 5, 12), c.input());
        assertEquals(Permutation.of(0, 2, 1, 3), c.perm());
        assertTrue(c.moves());
    }

    @Test void axesOfSizeOneAreDropped() {
        Permutation.Coalesced c = Permutation.of(2, 1, 0).coalesce(Shape.of(5, 1, 7));
        assertEquals(Shape.of(5, 7), c.input());
        assertEquals(Permutation.of(1, 0), c.perm());
        // a unit axis that moves moves nothing
        assertFalse(Permutation.of(1, 0, 2).coalesce(Shape.of(3, 1, 4)).moves());
        assertFalse(Permutation.of(0, 1, 2).coalesce(Shape.of(3, 5, 4)).moves());
        assertFalse(Permutation.of(1, 0).coalesce(Shape.of(1, 1)).moves());
    }

    @Test void nothingMergesInAFullReverse() {
        Permutation.Coalesced c = Permutation.of(2, 1, 0).coalesce(Shape.of(2, 3, 4));
        assertEquals(Shape.of(2, 3, 4), c.input());
        assertEquals(Permutation.of(2, 1, 0), c.perm());
    }

    @Test void rankMismatchIsNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> Permutation.of(1, 0).coalesce(Shape.of(2, 3, 4)));
        assertTrue(e.getMessage().contains("[1, 0]") && e.getMessage().contains("[2, 3, 4]"), e.getMessage());
    }

    /** Random shapes (many unit axes and mergeable runs) and permutations: the merged permute moves every element alike. */
    @Test void coalescedPermuteMovesElementsAsTheOriginal() {
        SplittableRandom r = new SplittableRandom(5);
        for (int trial = 0; trial < 500; trial++) {
            Case k = randomCase(r, 6, 3, 3);
            Shape s = k.shape();
            Permutation p = k.perm();
            float[] x = iota(s);
            Permutation.Coalesced c = p.coalesce(s);
            assertEquals(s.size(), c.input().size(), "size of " + s + " under " + p);
            float[] want = naive(x, s, p), got = c.moves() ? naive(x, c.input(), c.perm()) : x.clone();
            assertArrayEquals(want, got, s + " under " + p + " as " + c);
        }
    }

    @Test void sourceStridesAreTheInputStridesOfTheOutputAxes() {
        assertArrayEquals(new long[] {1, 12, 4}, Permutation.of(2, 0, 1).sourceStrides(Shape.of(2, 3, 4)));
        SplittableRandom r = new SplittableRandom(6);
        for (int trial = 0; trial < 200; trial++) {
            Case k = randomCase(r, 5, 4, 0);
            Shape s = k.shape(), os = k.perm().apply(s);
            float[] out = naive(iota(s), s, k.perm()); // out[o] = the input offset element o comes from
            long[] strides = k.perm().sourceStrides(s);
            long outStride = 1;
            for (int i = s.rank() - 1; i >= 0; i--) {
                if (os.dim(i) > 1) assertEquals(out[(int) outStride] - out[0], strides[i], 0, s + " under " + k.perm() + ", axis " + i);
                outStride *= os.dim(i);
            }
        }
    }

    private record Case(Shape shape, Permutation perm) {}

    /**
     * Rank 1..maxRank, dims 1..maxDim, axes shuffled; with {@code keepOneIn > 0} each shuffle step is skipped with
     * probability 1/keepOneIn, leaving runs of axes in place (mergeable).
     */
    private static Case randomCase(SplittableRandom r, int maxRank, int maxDim, int keepOneIn) {
        int rank = 1 + r.nextInt(maxRank);
        int[] dims = new int[rank], axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = 1 + r.nextInt(maxDim);
            axes[i] = i;
        }
        for (int i = rank - 1; i > 0; i--) {
            if (keepOneIn > 0 && r.nextInt(keepOneIn) == 0) continue;
            int j = r.nextInt(i + 1), t = axes[i];
            axes[i] = axes[j];
            axes[j] = t;
        }
        return new Case(Shape.of(dims), Permutation.of(axes));
    }

    /** x[i] = i over the shape's elements. */
    private static float[] iota(Shape s) {
        float[] x = new float[(int) s.size()];
        for (int i = 0; i < x.length; i++) x[i] = i;
        return x;
    }

    /** Output element by output element, the input element it comes from. */
    private static float[] naive(float[] x, Shape s, Permutation p) {
        int r = s.rank();
        long[] stride = new long[r];
        long st = 1;
        for (int i = r - 1; i >= 0; i--) { stride[i] = st; st *= s.dim(i); }
        Shape os = p.apply(s);
        float[] out = new float[x.length];
        for (int o = 0; o < out.length; o++) {
            long rem = o, src = 0;
            for (int i = r - 1; i >= 0; i--) {
                src += (rem % os.dim(i)) * stride[p.source(i)];
                rem /= os.dim(i);
            }
            out[o] = x[(int) src];
        }
        return out;
    }
}
