package dev.trident.kernels;

/** SwiGLU gate silu(g) * u, forward and backward; contract of {@link Reference#swigluForward} / backward. */
public final class SwiGluKernel {
    private SwiGluKernel() {}

    public static void forward(float[] gate, float[] up, float[] out, int n) {
        Reference.swigluForward(gate, up, out, n);
    }

    public static void backward(float[] gate, float[] up, float[] dOut, float[] dGate, float[] dUp, int n) {
        Reference.swigluBackward(gate, up, dOut, dGate, dUp, n);
    }
}
