package imfengine.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MedianTest {
    @Test void anOddCountGivesTheMiddleValue() {
        assertEquals(3, Median.of(new double[] {5, 3, 1}), 0);
        assertEquals(7, Median.of(new double[] {7}), 0);
    }

    @Test void anEvenCountGivesTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Median.of(new double[] {4, 1, 3, 2}), 0);
    }

    @Test void theValuesKeepTheirOrder() {
        double[] x = {4, 1, 3};
        Median.of(x);
        assertArrayEquals(new double[] {4, 1, 3}, x, 0);
    }

    @Test void noValuesIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> Median.of(new double[0]));
    }
}
