package dev.trident.io.gguf;

import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;
import dev.trident.nn.Parameters.Parameter;
import dev.trident.tokenizer.BpeTrainer;
import dev.trident.tokenizer.Tokenizer;
import dev.trident.train.AdamW;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Small models of each shape the GGUF exporter maps to an architecture, with a byte-level BPE vocabulary trained on
 * the built-in corpus: random ones (every weight, norm gain and router bias drawn, so a mix-up of any two tensors
 * shows) and briefly trained ones (peaked next-token distributions, so argmax agreement means something).
 */
final class TestModels {
    static final int VOCAB = 384;
    private static byte[] corpus;
    private static Tokenizer tokenizer;

    private TestModels() {}

    static synchronized byte[] corpus() {
        if (corpus == null) {
            Path p = Path.of("../data/tinyshakespeare.txt");
            if (!Files.exists(p)) p = Path.of("data/tinyshakespeare.txt");
            try {
                corpus = Files.readAllBytes(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return corpus;
    }

    /** A 384-token byte-level BPE (383 merges' worth of ordinary tokens + one special) trained on 200 kB. */
    static synchronized Tokenizer tokenizer() {
        if (tokenizer == null) tokenizer = BpeTrainer.train(Arrays.copyOf(corpus(), 200_000), VOCAB, List.of("<|endoftext|>"));
        return tokenizer;
    }

    /** Text the models were not trained on (the corpus tail). */
    static String heldOut(int bytes) {
        byte[] c = corpus();
        return new String(c, c.length - bytes, bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    static ModelConfig dense(boolean tied) {
        return new ModelConfig(tokenizer().vocabSize(), 64, 2, 4, 2, 16, 96, 128, 10000, 1e-5f, tied);
    }

    /** DeepSeekMoE with grouped-query attention: 1 dense block, 8 routed (2 active) + 1 shared, scale 2.5, one MTP module. */
    static ModelConfig moeGqa() {
        return dense(true).withMoe(new MoeSpec(64, 8, 2, 1, 32, 2.5, MoeSpec.Gating.SIGMOID, true, 1e-2, 0), 1).withMtpDepth(1);
    }

    /** Mixtral-style experts for llama: 4 routed (2 active) of width 96, softmax gating, no shared, no dense blocks. */
    static ModelConfig mixtral() {
        return dense(true).withMoe(new MoeSpec(64, 4, 2, 0, 96, 1.0, MoeSpec.Gating.SOFTMAX, true, 0, 0), 0);
    }

    /** MLA with a query latent + DeepSeekMoE + one MTP module (DeepSeek-V3's shape, tiny). */
    static ModelConfig mlaMoe() {
        return dense(false).withMla(new MlaSpec(64, 4, 32, 32, 16, 8, 16))
                .withMoe(new MoeSpec(64, 8, 2, 1, 32, 1.0, MoeSpec.Gating.SIGMOID, true, 1e-2, 0), 1).withMtpDepth(1);
    }

    /** MLA without a query latent (DeepSeek-V2-Lite style), dense FFN. */
    static ModelConfig mlaDense() {
        return dense(true).withMla(new MlaSpec(64, 4, 0, 16, 16, 8, 16));
    }

    /** Every matrix normal(0, 0.02) from the seed, every norm gain in [0.5, 1.5), every router bias in [-0.1, 0.1). */
    static Model random(ModelConfig c, long seed) {
        Transformer t = new Transformer(c, seed);
        SplittableRandom rnd = new SplittableRandom(seed + 1);
        for (Parameter p : t.params.all()) {
            if (p.decay()) continue;
            float[] d = p.tensor().data;
            boolean bias = p.name().endsWith("e_score_correction_bias");
            if (bias && c.moe().gating() == MoeSpec.Gating.SOFTMAX) continue; // Mixtral-style routers have none
            for (int i = 0; i < p.tensor().size(); i++) d[i] = bias ? (float) (rnd.nextDouble() * 0.2 - 0.1) : (float) (0.5 + rnd.nextDouble());
        }
        return new Model(t, tokenizer());
    }

    /** A model of config c trained for steps AdamW steps (batch 4 x 64 tokens, peak lr 1e-2) on the corpus head. */
    static Model trained(ModelConfig c, int steps, long seed) {
        Tokenizer tok = tokenizer();
        int[] data = tok.encode(Arrays.copyOf(corpus(), 300_000));
        Transformer t = new Transformer(c, seed);
        List<Parameter> params = t.params.all();
        AdamW opt = new AdamW(params, 0.9, 0.95, 1e-8, 0.0);
        Tape tape = new Tape();
        SplittableRandom rnd = new SplittableRandom(seed);
        int batch = 4, seq = 64;
        for (int step = 0; step < steps; step++) {
            int[] in = new int[batch * seq], tg = new int[batch * seq];
            for (int b = 0; b < batch; b++) {
                int at = rnd.nextInt(data.length - seq - 1);
                System.arraycopy(data, at, in, b * seq, seq);
                System.arraycopy(data, at + 1, tg, b * seq, seq);
            }
            t.params.zeroGrads();
            Transformer.Loss loss = t.loss(tape, in, tg, batch, seq, 0f, seed + step, 0.3f);
            tape.backward(loss.total());
            tape.reset();
            AdamW.clipGradNorm(params, 1.0);
            double lr = 1e-2 * Math.min(1, (step + 1) / 10.0) * (1 - 0.9 * step / steps);
            opt.step(lr);
            for (var moe : t.moeLayers(true)) moe.router.updateBias(moe.router.takeLoad());
        }
        return new Model(t, tok);
    }

    /** Natural-log next-token probabilities after each prefix of tokens, in double. */
    static double[][] logProbs(Model m, int[] tokens) {
        Tape tape = new Tape();
        tape.setRecording(false);
        Tensor logits = m.transformer().logits(tape, tokens, 1, tokens.length);
        int v = logits.cols();
        double[][] out = new double[tokens.length][v];
        for (int p = 0; p < tokens.length; p++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < v; i++) max = Math.max(max, logits.data[p * v + i]);
            double sum = 0;
            for (int i = 0; i < v; i++) sum += Math.exp(logits.data[p * v + i] - max);
            double lse = max + Math.log(sum);
            for (int i = 0; i < v; i++) out[p][i] = logits.data[p * v + i] - lse;
        }
        return out;
    }

    /** The raw logits of tokens [n, vocab]. */
    static float[] logits(Model m, int[] tokens) {
        Tape tape = new Tape();
        tape.setRecording(false);
        Tensor logits = m.transformer().logits(tape, tokens, 1, tokens.length);
        return Arrays.copyOf(logits.data, logits.size());
    }
}
