package dev.trident.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static dev.trident.kernels.KernelAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CrossEntropyTest {
    @ParameterizedTest(name = "rows={0} vocab={1}")
    @CsvSource({"1,1", "3,7", "4,9", "5,33", "6,129", "64,1000", "16,4099"})
    void lossAndGradientMatchReference(int rows, int vocab) {
        SplittableRandom rnd = new SplittableRandom(rows * 7919L + vocab);
        float[] logits = KernelAssert.random(rnd, rows * vocab, -8, 8);
        int[] targets = new int[rows];
        for (int r = 0; r < rows; r++) targets[r] = rnd.nextInt(vocab);
        if (rows > 2) targets[1] = -1; // an ignored row
        float[] want = new float[rows * vocab], got = new float[rows * vocab];
        java.util.Arrays.fill(got, 42f); // ignored rows must be zeroed, not left alone
        double wantLoss = Reference.crossEntropy(logits, targets, rows, vocab, want);
        double gotLoss = CrossEntropy.forwardBackward(logits, targets, rows, vocab, got);
        assertEquals(wantLoss, gotLoss, 1e-5 * Math.max(1, Math.abs(wantLoss)));
        assertClose("dLogits", want, got, 1e-7, 1e-4);
        assertEquals(wantLoss, CrossEntropy.forwardBackward(logits, targets, rows, vocab, null),
                1e-5 * Math.max(1, Math.abs(wantLoss)), "loss without gradient");
    }

    @Test
    void allIgnoredGivesZero() {
        float[] logits = {1, 2, 3, 4, 5, 6};
        float[] d = new float[6];
        assertEquals(0.0, CrossEntropy.forwardBackward(logits, new int[] {-1, -1}, 2, 3, d));
        assertClose("zero grad", new float[6], d, 0, 0);
    }

    @Test
    void targetOutOfRangeIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> CrossEntropy.forwardBackward(new float[4], new int[] {4}, 1, 4, null));
    }
}
