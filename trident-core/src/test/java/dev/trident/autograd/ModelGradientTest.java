package dev.trident.autograd;

import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.nn.Parameters;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** The whole training loss of a tiny model with D = 2 MTP modules against finite differences, every parameter. */
class ModelGradientTest {
    @Test
    void mainPlusMultiTokenPredictionLoss() {
        ModelConfig config = new ModelConfig(11, 8, 1, 2, 1, 4, 12, 6, 10000, 1e-5f, false).withMtpDepth(2);
        Transformer model = new Transformer(config, 5);
        // Larger weights than the 0.02 initialization, so every path carries a visible gradient.
        Random rng = new Random(5);
        for (Parameters.Parameter p : model.params.all())
            for (int i = 0; i < p.tensor().size(); i++) p.tensor().data[i] += (float) (0.3 * rng.nextGaussian());
        int batch = 2, seq = 6;
        int[] tokens = rng.ints(batch * seq, 0, 11).toArray(), targets = rng.ints(batch * seq, 0, 11).toArray();
        List<Tensor> inputs = new ArrayList<>();
        for (Parameters.Parameter p : model.params.all()) inputs.add(p.tensor());
        GradCheck.check("model+mtp", inputs, t -> model.loss(t, tokens, targets, batch, seq, 0f, 1, 0.3f).total(), 17, 3e-2);
    }

    /** Qwen3-style attention: QK-norm and RoPE on halves, with GQA, a mixture of experts and an MTP module. */
    @Test
    void qkNormAndRopeHalves() {
        ModelConfig config = new ModelConfig(11, 8, 2, 2, 1, 4, 12, 6, 10000, 1e-5f, false)
                .withMoe(new dev.trident.nn.MoeSpec(8, 3, 2, 0, 4, 1.0, dev.trident.nn.MoeSpec.Gating.SOFTMAX, false, 0, 0), 1)
                .withQkNorm(true).withRopePairing(dev.trident.kernels.RopePairing.HALVES).withMtpDepth(1);
        Transformer model = new Transformer(config, 7);
        Random rng = new Random(7);
        for (Parameters.Parameter p : model.params.all())
            for (int i = 0; i < p.tensor().size(); i++) p.tensor().data[i] += (float) (0.3 * rng.nextGaussian());
        int batch = 2, seq = 5;
        int[] tokens = rng.ints(batch * seq, 0, 11).toArray(), targets = rng.ints(batch * seq, 0, 11).toArray();
        List<Tensor> inputs = new ArrayList<>();
        for (Parameters.Parameter p : model.params.all()) inputs.add(p.tensor());
        org.junit.jupiter.api.Assertions.assertNotNull(model.params.get("model.layers.0.self_attn.q_norm.weight"));
        org.junit.jupiter.api.Assertions.assertEquals(config.parameterCount(), model.params.count(), "parameterCount with QK-norm");
        GradCheck.check("qk-norm halves model", inputs, t -> model.loss(t, tokens, targets, batch, seq, 0f, 1, 0.3f).total(), 19, 3e-2);
    }

    @Test
    void latentAttentionModelPlusMultiTokenPrediction() {
        ModelConfig config = new ModelConfig(11, 8, 1, 2, 1, 4, 12, 6, 10000, 1e-5f, false)
                .withMla(new dev.trident.nn.MlaSpec(8, 2, 3, 3, 2, 2, 3)).withMtpDepth(1);
        Transformer model = new Transformer(config, 6);
        Random rng = new Random(6);
        for (Parameters.Parameter p : model.params.all())
            for (int i = 0; i < p.tensor().size(); i++) p.tensor().data[i] += (float) (0.3 * rng.nextGaussian());
        int batch = 2, seq = 5;
        int[] tokens = rng.ints(batch * seq, 0, 11).toArray(), targets = rng.ints(batch * seq, 0, 11).toArray();
        List<Tensor> inputs = new ArrayList<>();
        for (Parameters.Parameter p : model.params.all()) inputs.add(p.tensor());
        org.junit.jupiter.api.Assertions.assertEquals(config.parameterCount(), model.params.count(), "parameterCount with MLA + MTP");
        GradCheck.check("mla model+mtp", inputs, t -> model.loss(t, tokens, targets, batch, seq, 0f, 1, 0.3f).total(), 18, 3e-2);
    }
}
