package dev.trident.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static dev.trident.kernels.KernelAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SoftmaxTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 8, 9, 33, 129, 1000, 32_001})
    void inPlaceMatchesReferenceAtAnOffset(int n) {
        SplittableRandom rnd = new SplittableRandom(n);
        float[] x = KernelAssert.random(rnd, n + 5, -30, 30);
        x[3 + n / 2] = 80f; // dominant entry: stability needs the max shift
        float[] want = x.clone(), got = x.clone();
        Reference.softmax(want, 3, n);
        Softmax.inPlace(got, 3, n);
        assertClose("softmax", want, got, 1e-7, 1e-5); // also checks the 3 + 2 untouched guard floats
    }

    @Test
    void maskedEntriesGetZero() {
        float[] x = {1f, Float.NEGATIVE_INFINITY, 2f, Float.NEGATIVE_INFINITY, 0f, 0f, 0f, 0f, 0f, 3f};
        float[] want = x.clone();
        Reference.softmax(want, 0, x.length);
        Softmax.inPlace(x, 0, x.length);
        assertEquals(0f, x[1]);
        assertEquals(0f, x[3]);
        assertClose("masked softmax", want, x, 1e-7, 1e-5);
    }

    @Test
    void rowsMatchesReferencePerRow() {
        int rows = 40, n = 77;
        float[] x = KernelAssert.random(new SplittableRandom(9), rows * n + 2, -10, 10);
        float[] want = x.clone(), got = x.clone();
        for (int r = 0; r < rows; r++) Reference.softmax(want, 2 + r * n, n);
        Softmax.rows(got, 2, rows, n);
        assertClose("softmax rows", want, got, 1e-7, 1e-5);
    }
}
