package dev.trident.kernels;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchedGemvTest {
    @Property(tries = 40, seed = "20261128")
    void matchesTheScalarGemm(@ForAll @IntRange(min = 1, max = 19) int n, @ForAll @IntRange(min = 1, max = 300) int rows,
                              @ForAll @IntRange(min = 1, max = 70) int cols, @ForAll @IntRange(min = 0, max = 5) int xOff) {
        Random rng = new Random(n * 31L + rows * 7L + cols);
        float[] w = new float[rows * cols], x = new float[xOff + n * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextGaussian();
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        float[] expected = new float[n * rows], actual = new float[3 + n * rows];
        Reference.sgemm(false, true, n, rows, cols, x, xOff, cols, w, 0, cols, 0f, expected, 0, rows);
        BatchedGemv.multiply(n, rows, cols, w, x, xOff, actual, 3);
        for (int i = 0; i < n * rows; i++)
            assertTrue(Math.abs(expected[i] - actual[3 + i]) <= 1e-4 * Math.sqrt(cols) + 1e-5,
                    "element " + i + ": " + expected[i] + " vs " + actual[3 + i]);
    }

    /** Every row's result is bit-for-bit the one it gets alone, whatever group (1, 4 or 8 rows, spare slots repeated) computed it. */
    @Property(tries = 40, seed = "20261128")
    void aRowsResultDoesNotDependOnItsNeighbours(@ForAll @IntRange(min = 2, max = 19) int n, @ForAll @IntRange(min = 1, max = 200) int rows,
                                                 @ForAll @IntRange(min = 1, max = 90) int cols) {
        Random rng = new Random(n * 17L + rows * 5L + cols);
        float[] w = new float[rows * cols], x = new float[n * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextGaussian();
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        float[] all = new float[n * rows], alone = new float[rows];
        BatchedGemv.multiply(n, rows, cols, w, x, 0, all, 0);
        for (int t = 0; t < n; t++) {
            BatchedGemv.multiply(1, rows, cols, w, x, t * cols, alone, 0);
            for (int j = 0; j < rows; j++)
                assertEquals(Float.floatToIntBits(alone[j]), Float.floatToIntBits(all[t * rows + j]), "row " + t + ", output " + j);
        }
    }
}
