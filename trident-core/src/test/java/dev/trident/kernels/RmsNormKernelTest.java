package dev.trident.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static dev.trident.kernels.KernelAssert.assertClose;

class RmsNormKernelTest {
    @ParameterizedTest(name = "rows={0} dim={1}")
    @CsvSource({"1,1", "3,7", "2,8", "5,9", "4,33", "3,129", "1,1000", "37,65", "128,256"})
    void forwardAndBackwardMatchReference(int rows, int dim) {
        SplittableRandom rnd = new SplittableRandom(31L * rows + dim);
        float[] x = KernelAssert.gaussian(rnd, rows * dim, 1.5);
        float[] w = KernelAssert.random(rnd, dim, 0.5, 1.5);
        float[] dy = KernelAssert.gaussian(rnd, rows * dim, 1.0);
        float eps = 1e-5f;

        float[] wantY = new float[rows * dim], gotY = new float[rows * dim];
        float[] wantInv = new float[rows], gotInv = new float[rows];
        Reference.rmsNormForward(x, w, wantY, wantInv, rows, dim, eps);
        RmsNormKernel.forward(x, w, gotY, gotInv, rows, dim, eps);
        assertClose("y", wantY, gotY, 1e-5, 1e-5);
        assertClose("invRms", wantInv, gotInv, 0, 1e-5);

        float[] wantDx = new float[rows * dim], gotDx = new float[rows * dim];
        float[] wantDw = KernelAssert.random(rnd, dim, -1, 1), gotDw = wantDw.clone(); // dw accumulates
        Reference.rmsNormBackward(x, w, wantInv, dy, wantDx, wantDw, rows, dim);
        RmsNormKernel.backward(x, w, wantInv, dy, gotDx, gotDw, rows, dim);
        assertClose("dx", wantDx, gotDx, 1e-5, 1e-4);
        assertClose("dw", wantDw, gotDw, 1e-4, 1e-4);
    }

    @ParameterizedTest
    @CsvSource({"4,16"})
    void nullInvRmsIsAllowed(int rows, int dim) {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] x = KernelAssert.gaussian(rnd, rows * dim, 1), w = KernelAssert.random(rnd, dim, 0.5, 1.5);
        float[] want = new float[rows * dim], got = new float[rows * dim];
        Reference.rmsNormForward(x, w, want, null, rows, dim, 1e-6f);
        RmsNormKernel.forward(x, w, got, null, rows, dim, 1e-6f);
        assertClose("y", want, got, 1e-5, 1e-5);
    }
}
