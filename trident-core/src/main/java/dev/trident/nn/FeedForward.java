package dev.trident.nn;

import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;

/** SwiGLU feed-forward: down(silu(x W_gate) * (x W_up)). */
public final class FeedForward implements FeedForwardLayer {
    public final FeedForwardSpec spec;
    public final Tensor gate, up, down;

    public FeedForward(Parameters params, String name, FeedForwardSpec spec, double std, double residualStd) {
        this.spec = spec;
        this.gate = params.matrix(name + ".gate_proj.weight", spec.hiddenDim(), spec.dim(), std);
        this.up = params.matrix(name + ".up_proj.weight", spec.hiddenDim(), spec.dim(), std);
        this.down = params.matrix(name + ".down_proj.weight", spec.dim(), spec.hiddenDim(), residualStd);
    }

    @Override
    public Tensor forward(Tape tape, Tensor x, int batch, int seq) {
        return forward(tape, x);
    }

    public Tensor forward(Tape tape, Tensor x) {
        return Ops.linear(tape, Ops.swiglu(tape, Ops.linear(tape, x, gate), Ops.linear(tape, x, up)), down);
    }
}
