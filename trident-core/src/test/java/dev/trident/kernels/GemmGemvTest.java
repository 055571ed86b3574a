package dev.trident.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** {@link Gemm#gemv} against the scalar twin {@link Reference#gemv}. */
class GemmGemvTest {
    @ParameterizedTest(name = "rows={0} cols={1}")
    @CsvSource({"1,1", "1,17", "3,5", "4,16", "5,33", "7,64", "9,1", "33,100", "257,513", "1000,384", "130,1031"})
    void matchesReference(int rows, int cols) {
        for (int[] off : new int[][]{{0, 0, 0}, {3, 5, 2}}) {
            int wOff = off[0], xOff = off[1], yOff = off[2];
            long seed = rows * 131L + cols;
            float[] w = GemmTest.random(wOff + rows * cols, seed);
            float[] x = GemmTest.random(xOff + cols, seed + 1);
            float[] want = GemmTest.random(yOff + rows + 3, seed + 2);
            float[] got = want.clone();
            Reference.gemv(rows, cols, w, wOff, x, xOff, want, yOff);
            Gemm.gemv(rows, cols, w, wOff, x, xOff, got, yOff);
            for (int i = 0; i < got.length; i++) {
                if (i < yOff || i >= yOff + rows) {
                    assertEquals(want[i], got[i], "y outside [yOff, yOff + rows) changed at " + i);
                    continue;
                }
                double scale = 0;
                for (int p = 0; p < cols; p++) scale += Math.abs((double) w[wOff + (i - yOff) * cols + p] * x[xOff + p]);
                double tol = 1e-6 * (cols + 4) * (scale + 1e-3);
                if (!(Math.abs(got[i] - want[i]) <= tol))
                    fail(String.format("rows=%d cols=%d offs=%d,%d,%d: y[%d] = %s, want %s", rows, cols, wOff, xOff,
                            yOff, i - yOff, got[i], want[i]));
            }
        }
    }
}
