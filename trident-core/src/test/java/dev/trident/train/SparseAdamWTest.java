package dev.trident.train;

import dev.trident.autograd.SparseRows;
import dev.trident.nn.Parameters;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Lazy (sparse) AdamW rows: only marked rows move, their update equals the dense one, and marks are cleared. */
class SparseAdamWTest {
    @Test
    void onlyMarkedRowsMoveAndMatchTheDenseUpdate() {
        Parameters dense = new Parameters(1), lazy = new Parameters(1);
        var a = dense.matrix("t", 4, 3, 0.5).data;
        var b = lazy.matrix("t", 4, 3, 0.5);
        assertArrayEquals(a, b.data);
        AdamW denseOpt = new AdamW(dense.all(), 0.9, 0.95, 1e-8, 0.1);
        SparseRows rows = new SparseRows(4, 3);
        AdamW lazyOpt = new AdamW(lazy.all(), 0.9, 0.95, 1e-8, 0.1).sparse(b, rows);
        float[] before = b.data.clone();
        for (int step = 0; step < 3; step++) {
            // Rows 1 and 3 get gradients; rows 0 and 2 none.
            float[] g = {0, 0, 0, 0.3f, -0.2f, 0.1f, 0, 0, 0, -0.5f, 0.4f, 0.2f};
            System.arraycopy(g, 0, dense.all().getFirst().tensor().grad, 0, 12);
            System.arraycopy(g, 0, b.grad, 0, 12);
            rows.mark(1);
            rows.mark(3);
            denseOpt.step(1e-2);
            lazyOpt.step(1e-2);
            assertEquals(0, rows.count(), "marks cleared after the step");
        }
        for (int r : new int[]{1, 3})
            for (int j = 0; j < 3; j++) assertEquals(a[r * 3 + j], b.data[r * 3 + j], 0f, "marked row " + r + " moves as dense Adam moves it");
        for (int r : new int[]{0, 2})
            for (int j = 0; j < 3; j++) {
                assertEquals(before[r * 3 + j], b.data[r * 3 + j], 0f, "unmarked row " + r + " keeps its weights");
                assertNotEquals(before[r * 3 + j], a[r * 3 + j], "dense AdamW decays every row");
            }
    }
}
