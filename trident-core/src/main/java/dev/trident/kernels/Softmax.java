package dev.trident.kernels;

/** Softmax in place; contract of {@link Reference#softmax}. */
public final class Softmax {
    private Softmax() {}

    public static void inPlace(float[] x, int off, int n) {
        Reference.softmax(x, off, n);
    }
}
