package dev.trident.nn;

import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;

/**
 * DeepSeekMoE: N_s shared experts that every token passes through plus N_r fine-grained routed experts of which
 * the {@link Router} picks K per token. FFN(u) = sum(shared(u)) + sum_k g_k * expert_k(u); the block adds the residual.
 * The shared experts are stored as one SwiGLU of width N_s * expertHidden, which computes the same sum.
 */
public final class MixtureOfExperts implements FeedForwardLayer {
    public final MoeSpec spec;
    public final Router router;
    public final FeedForward[] experts;
    /** null when N_s = 0. */
    public final FeedForward shared;
    /** The balance loss of the last forward (null when alpha = 0 or not training); the model adds it to the loss. */
    private Tensor lastBalanceLoss;
    /** Dropout rate of the routed experts' hidden activations while training (0: none); see {@link ExpertDispatch}. */
    private float expertDropout;

    public MixtureOfExperts(Parameters params, String name, MoeSpec spec, double std, double residualStd) {
        this.spec = spec;
        this.router = new Router(params, name + ".gate", spec, std);
        this.experts = new FeedForward[spec.routedExperts()];
        for (int i = 0; i < experts.length; i++)
            experts[i] = new FeedForward(params, name + ".experts." + i, new FeedForwardSpec(spec.dim(), spec.expertHidden()), std, residualStd);
        this.shared = spec.sharedExperts() == 0 ? null
                : new FeedForward(params, name + ".shared_experts", new FeedForwardSpec(spec.dim(), spec.sharedExperts() * spec.expertHidden()), std, residualStd);
    }

    /** Sets the training-time dropout rate of the routed experts' hidden activations (0 turns it off). */
    public void setExpertDropout(float p) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("expert dropout must be in [0, 1), got " + p);
        expertDropout = p;
    }

    @Override
    public Tensor forward(Tape tape, Tensor x, int batch, int seq) {
        return forward(tape, x, batch, seq, 0L);
    }

    @Override
    public Tensor forward(Tape tape, Tensor x, int batch, int seq, long seed) {
        Router.Routing routing = router.route(tape, x);
        lastBalanceLoss = spec.balanceAlpha() > 0 && tape.recording() ? router.balanceLoss(tape, routing, batch, seq) : null;
        // In FP8 mode the shared experts take Ops.linear (E4M3 GEMM inputs); the grouped dispatch is fp32 only.
        if (shared != null && tape.fp8())
            return Ops.add(tape, ExpertDispatch.apply(tape, x, routing, experts, expertDropout, seed), shared.forward(tape, x));
        return ExpertDispatch.apply(tape, x, routing, experts, shared, expertDropout, seed);
    }

    /** The sequence-wise balance loss of the last forward pass, or null. */
    public Tensor takeBalanceLoss() {
        Tensor l = lastBalanceLoss;
        lastBalanceLoss = null;
        return l;
    }
}
