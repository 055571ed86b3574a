package dev.trident.kernels;

/** Rotary position embedding in place; contract of {@link Reference#rope}. */
public final class RopeKernel {
    private RopeKernel() {}

    public static void apply(float[] x, int rows, int heads, int headDim, int posStart, int period,
                             RopeTable table, boolean inverse) {
        Reference.rope(x, rows, heads, headDim, posStart, period, table, inverse);
    }
}
