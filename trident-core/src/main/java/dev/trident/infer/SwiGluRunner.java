package dev.trident.infer;

import dev.trident.kernels.SwiGluKernel;
import dev.trident.kernels.quant.Matmul;

/**
 * down(silu(x gate^T) * (x up^T)) for up to maxRows rows, through its own {@link Matmul} and scratch, so that
 * several can run at once on different threads (the experts of a MoE layer, one group of experts per worker).
 */
final class SwiGluRunner {
    private final Matmul mm;
    private final float[] gate, up, hid, gathered;

    /** hidden: the widest FFN it runs; dim: the model width (the rows it gathers). */
    SwiGluRunner(Matmul mm, int maxRows, int hidden, int dim) {
        this.mm = mm;
        gate = new float[maxRows * hidden];
        up = new float[maxRows * hidden];
        hid = new float[maxRows * hidden];
        gathered = new float[maxRows * dim];
    }

    /** out[outOff + t * d ...] for the n rows of in (row t at t * d). */
    void run(ModelWeights.Ffn f, float[] in, int d, float[] out, int outOff, int n) {
        int h = f.gate().rows();
        mm.input(in, 0, n, d).multiply(f.gate(), gate, f.up(), up, null, null);
        SwiGluKernel.forward(gate, up, hid, n * h);
        mm.input(hid, 0, n, h).multiply(f.down(), out, outOff);
    }

    /** A buffer of maxRows x dim for the rows one expert is given. */
    float[] gathered() { return gathered; }
}
