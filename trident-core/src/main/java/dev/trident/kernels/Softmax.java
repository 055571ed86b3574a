package dev.trident.kernels;

/** Softmax in place; contract of {@link Reference#softmax}. */
public final class Softmax {
    private Softmax() {}

    /** x <- exp(x - max) / sum(exp(x - max)) over x[off .. off+n). */
    public static void inPlace(float[] x, int off, int n) {
        float max = VecMath.max(x, off, n);
        float sum = VecMath.expShiftSum(x, off, x, off, n, max);
        VecMath.scale(x, off, n, 1f / sum);
    }

    /** Softmax of each of {@code rows} rows of length n stored contiguously from off; parallel when large. */
    public static void rows(float[] x, int off, int rows, int n) {
        Parallel.forRange(rows, 8L * n, (r0, r1, worker) -> {
            for (int r = r0; r < r1; r++) inPlace(x, off + r * n, n);
        });
    }
}
