package dev.trident.autograd;

import dev.trident.nn.MixtureOfExperts;
import dev.trident.nn.MoeSpec;
import dev.trident.nn.Parameters;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The mixture of experts against finite differences: gates (through sigmoid or softmax affinities and the top-K
 * normalization), the grouped expert dispatch, the shared experts and the sequence-wise balance loss. Top-K choice
 * is piecewise constant; the random inputs keep affinities apart, so a step of h never changes it. With expert
 * dropout on, the mask is drawn from the same seed in every evaluation.
 */
class MoeGradientProperties {
    @Property(tries = 8, seed = "20261128")
    void mixtureOfExperts(@ForAll @IntRange(min = 1, max = 6) int tokens, @ForAll @IntRange(min = 2, max = 5) int experts,
                          @ForAll @IntRange(min = 0, max = 1) int shared, @ForAll boolean sigmoid,
                          @ForAll boolean expertDropout, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        int d = 5, k = Math.min(2, experts);
        MoeSpec spec = new MoeSpec(d, experts, k, shared, 3, 1.5, sigmoid ? MoeSpec.Gating.SIGMOID : MoeSpec.Gating.SOFTMAX,
                true, 0, 0.5);
        Parameters params = new Parameters(seed);
        MixtureOfExperts moe = new MixtureOfExperts(params, "mlp", spec, 0.5, 0.5);
        if (expertDropout) moe.setExpertDropout(0.3f); // the mask is fixed by the seed passed to forward below
        Random rng = new Random(seed);
        Tensor x = GradCheck.random(rng, true, tokens, d);
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(x);
        for (Parameters.Parameter p : params.all()) if (!p.name().endsWith("bias")) inputs.add(p.tensor());
        // out = moe(x) plus the balance loss broadcast into the first output element, so both are checked.
        GradCheck.check("moe", inputs, t -> {
            Tensor y = moe.forward(t, x, 1, tokens, 4242L);
            Tensor bal = moe.takeBalanceLoss();
            if (bal == null) return y;
            Tensor pad = t.tensor(tokens, d);
            java.util.Arrays.fill(pad.data, 0, tokens * d, 0f);
            Tensor padded = Ops.add(t, y, pad);
            padded.data[0] += bal.data[0];
            t.record(() -> { if (padded.grad != null) t.grad(bal)[0] += padded.grad[0]; });
            return padded;
        }, seed, 3e-2);
    }
}
