package dev.trident.spark.diloco;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The outer optimizer is PyTorch's SGD(momentum=mu, nesterov=True) on the outer gradient, as in DiLoCo. */
class OuterNesterovTest {
    @Test
    void matchesNesterovSgdOverSeveralSteps() {
        float[] theta = {1f, -2f, 0.5f};
        double[] ref = {1, -2, 0.5}, buf = new double[3];
        float[][] deltas = {{0.1f, -0.2f, 0f}, {0.05f, 0.1f, -0.3f}, {-0.02f, 0f, 0.01f}};
        OuterNesterov opt = new OuterNesterov(3, 0.7, 0.9);
        for (float[] d : deltas) {
            opt.step(theta, d);
            for (int i = 0; i < 3; i++) {
                buf[i] = 0.9 * buf[i] + d[i];
                ref[i] -= 0.7 * (d[i] + 0.9 * buf[i]);
            }
        }
        for (int i = 0; i < 3; i++) assertEquals(ref[i], theta[i], 1e-6);
    }

    @Test
    void learningRateOneWithoutMomentumAveragesTheWorkers() {
        float[] theta = {1f, 2f};
        new OuterNesterov(2, 1, 0).step(theta, new float[]{0.25f, -0.5f});
        assertArrayEquals(new float[]{0.75f, 2.5f}, theta);
    }
}
