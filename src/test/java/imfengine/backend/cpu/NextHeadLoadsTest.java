package imfengine.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NextHeadLoads} reads only the rows it is given, within the head's length, and every 64-byte line they
 * span: the first and last float of each row and no gap of more than 16 floats between two reads. Which floats it
 * read is found by summing over arrays that hold a single 1.
 */
class NextHeadLoadsTest {
    @Test void readsEveryLineOfTheGroupsRowsAndNothingElse() {
        int w = 96, len = 7, rowsInGroup = 4;
        for (int dh : new int[] {5, 16, 32, 33, 64}) {
            int base = w - dh; // the last head of a row: its rows end where the next row's first head starts
            for (int i0 = 0; i0 < len; i0 += rowsInGroup) {
                List<Integer> read = readIndices(base, w, i0, rowsInGroup, len, dh, len * w);
                int end = Math.min(len, i0 + rowsInGroup);
                for (int i = i0; i < end; i++) {
                    int row = base + i * w, last = row + dh - 1;
                    List<Integer> inRow = read.stream().filter(x -> x >= row && x <= last).toList();
                    assertEquals(row, inRow.getFirst(), "dh " + dh + ", row " + i + ": its first float");
                    assertEquals(last, inRow.getLast(), "dh " + dh + ", row " + i + ": its last float");
                    for (int j = 1; j < inRow.size(); j++)
                        assertTrue(inRow.get(j) - inRow.get(j - 1) <= 16, "dh " + dh + ", row " + i + ": a line skipped after " + inRow.get(j - 1));
                }
                for (int x : read) {
                    int i = (x - base) / w;
                    assertTrue(x >= base && i >= i0 && i < end && x - base - i * w < dh, "dh " + dh + ": read " + x + " outside the group's rows");
                }
            }
        }
    }

    /** The indices {@link NextHeadLoads#rows} reads in its first array, in ascending order. */
    private static List<Integer> readIndices(int base, int w, int i0, int count, int len, int dh, int n) {
        float[] zero = new float[n];
        List<Integer> read = new ArrayList<>();
        for (int x = 0; x < n; x++) {
            float[] one = new float[n];
            one[x] = 1f;
            if (NextHeadLoads.rows(base, w, i0, count, len, dh, one, zero, zero, zero) != 0f) read.add(x);
        }
        return read;
    }
}
