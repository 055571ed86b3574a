package dev.trident.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static dev.trident.kernels.KernelAssert.assertClose;

class SwiGluKernelTest {
    // 20_003 elements go through the worker pool with a tail in the last chunk.
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 8, 9, 33, 129, 4099, 20_003})
    void forwardAndBackwardMatchReference(int n) {
        SplittableRandom rnd = new SplittableRandom(1000 + n);
        float[] gate = KernelAssert.random(rnd, n, -12, 12);
        if (n > 4) {
            gate[0] = -100f; // sigma underflows to 0
            gate[1] = 100f;
            gate[2] = 0f;
        }
        float[] up = KernelAssert.random(rnd, n, -2, 2);
        float[] dOut = KernelAssert.random(rnd, n, -1, 1);

        float[] want = new float[n], got = new float[n];
        Reference.swigluForward(gate, up, want, n);
        SwiGluKernel.forward(gate, up, got, n);
        assertClose("swiglu out", want, got, 1e-6, 1e-5);

        float[] wantDg = new float[n], wantDu = new float[n], gotDg = new float[n], gotDu = new float[n];
        Reference.swigluBackward(gate, up, dOut, wantDg, wantDu, n);
        SwiGluKernel.backward(gate, up, dOut, gotDg, gotDu, n);
        assertClose("swiglu dGate", wantDg, gotDg, 1e-6, 1e-5);
        assertClose("swiglu dUp", wantDu, gotDu, 1e-6, 1e-5);
    }
}
