package dev.trident.nn;

import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;

/** Root-mean-square layer norm with a learned gain (no bias, no mean subtraction). */
public final class RmsNorm {
    public final Tensor weight;
    public final float eps;

    public RmsNorm(Parameters params, String name, int dim, float eps) {
        this.weight = params.ones(name + ".weight", dim);
        this.eps = eps;
    }

    public Tensor forward(Tape tape, Tensor x) {
        return Ops.rmsNorm(tape, x, weight, eps);
    }

    /** Normalizes every weight-wide slice of each row on its own: x [N, heads * width] (QK-norm per head). */
    public Tensor forwardPerHead(Tape tape, Tensor x) {
        return Ops.headRmsNorm(tape, x, weight, eps);
    }
}
