package dev.trident.autograd;

import java.util.Arrays;

/**
 * A float tensor in the autograd graph: a shape, its values and (once backward reaches it) its gradient. Values
 * are row-major; most ops see a tensor as a matrix of {@link #rows()} x {@link #cols()} (the last dimension).
 */
public final class Tensor {
    private final int[] shape;
    private final int size;
    public final float[] data;
    /** Gradient of the loss with respect to data; null until backward writes it. */
    public float[] grad;
    public final boolean requiresGrad;

    public Tensor(float[] data, boolean requiresGrad, int... shape) {
        this.shape = shape.clone();
        int n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        if (data.length < n) throw new IllegalArgumentException("data of " + data.length + " floats for shape " + Arrays.toString(shape));
        this.size = n;
        this.data = data;
        this.requiresGrad = requiresGrad;
    }

    public static Tensor zeros(boolean requiresGrad, int... shape) {
        int n = 1;
        for (int d : shape) n = Math.multiplyExact(n, d);
        return new Tensor(new float[n], requiresGrad, shape);
    }

    public int[] shape() { return shape.clone(); }

    public int dim(int i) { return shape[i < 0 ? shape.length + i : i]; }

    public int rank() { return shape.length; }

    /** Number of elements (data may be a larger pooled buffer). */
    public int size() { return size; }

    /** Product of all dimensions but the last. */
    public int rows() { return shape.length == 0 ? 1 : size / Math.max(1, shape[shape.length - 1]); }

    /** The last dimension. */
    public int cols() { return shape.length == 0 ? 1 : shape[shape.length - 1]; }

    /** Sets the gradient to zero (allocating it if needed). */
    public void zeroGrad() {
        if (grad == null) grad = new float[size];
        else Arrays.fill(grad, 0, size, 0f);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
