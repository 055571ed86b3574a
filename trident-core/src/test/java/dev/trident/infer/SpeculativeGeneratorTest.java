package dev.trident.infer;

import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.nn.Parameters;
import dev.trident.tokenizer.BpeTrainer;
import dev.trident.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Speculation must not change what is generated: token for token when greedy, in distribution when sampling. */
class SpeculativeGeneratorTest {
    private static Tokenizer tokenizer;

    @BeforeAll
    static void trainTokenizer() {
        String text = "the quick brown fox jumps over the lazy dog. ".repeat(40) + "ROMEO: what light through yonder window breaks? ".repeat(30);
        tokenizer = BpeTrainer.train(text.getBytes(StandardCharsets.UTF_8), 300, List.of("<|endoftext|>"));
    }

    /** A random model with MTP modules; weights larger than the initialization so predictions are decisive. */
    private static Model model(int mtp, int vocab, long seed, boolean moe) {
        return model(mtp, vocab, seed, moe, false);
    }

    private static Model model(int mtp, int vocab, long seed, boolean moe, boolean mla) {
        ModelConfig c = new ModelConfig(vocab, 32, 2, 4, 2, 8, 64, 96, 10000, 1e-5f, true).withMtpDepth(mtp);
        if (mla) c = c.withMla(new dev.trident.nn.MlaSpec(32, 4, 12, 10, 6, 4, 7));
        if (moe) c = c.withMoe(new dev.trident.nn.MoeSpec(32, 4, 2, 1, 16, 1.0, dev.trident.nn.MoeSpec.Gating.SIGMOID, true, 1e-3, 0), 1);
        Transformer t = new Transformer(c, seed);
        Random rng = new Random(seed);
        for (Parameters.Parameter p : t.params.all())
            if (!p.name().endsWith("bias"))
                for (int i = 0; i < p.tensor().size(); i++) p.tensor().data[i] += (float) (0.15 * rng.nextGaussian());
        return new Model(t, tokenizer);
    }

    @Test
    void greedySpeculationEqualsPlainGreedyTokenForToken() {
        String[] prompts = {"the", "ROMEO: what", "fox jumps over", "x", "the lazy dog. the quick brown fox jumps over the lazy dog.", "window"};
        for (int depth = 1; depth <= 3; depth++) {
            for (boolean moe : new boolean[]{false, true}) {
                Model m = model(3, tokenizer.vocabSize(), 40 + depth, moe);
                for (String prompt : prompts) {
                    SamplingOptions o = new SamplingOptions(60, 0, 0, 1, 1, false);
                    int[] plain = new Generator(m).generate(prompt, o, null).tokens();
                    GenerationResult spec = new SpeculativeGenerator(m, depth).generate(prompt, o, null);
                    assertArrayEquals(plain, spec.tokens(), "depth " + depth + (moe ? " moe" : "") + ", prompt '" + prompt + "'");
                    assertTrue(spec.speculation().mainForwards() <= plain.length, "never more main forwards than tokens");
                }
            }
        }
    }

    @Test
    void greedySpeculationWithLatentAttentionEqualsPlainGreedy() {
        Model m = model(2, tokenizer.vocabSize(), 77, false, true);
        for (String prompt : new String[]{"the", "ROMEO: what", "fox jumps over the lazy dog."}) {
            SamplingOptions o = new SamplingOptions(60, 0, 0, 1, 1, false);
            int[] plain = new Generator(m).generate(prompt, o, null).tokens();
            assertArrayEquals(plain, new SpeculativeGenerator(m, 2).generate(prompt, o, null).tokens(), "MLA, prompt '" + prompt + "'");
        }
    }

    @Test
    void sampledSpeculationHasTheMainModelsDistribution() {
        // Joint law of the first two sampled tokens (the second one goes through draft acceptance), under top-k 4,
        // against the exact main-model probabilities.
        Model m = model(2, tokenizer.vocabSize(), 7, false);
        String prompt = "the quick";
        int vocab = m.config().vocabSize(), usable = tokenizer.vocabSize();
        Decoder dec = new Decoder(m.transformer(), 16);
        Sampler filter = new Sampler(vocab, 1.0, 4, 1, 0);
        int[] ids = tokenizer.encode(prompt);
        KvCache cache = dec.newCache();
        float[] p1 = new float[usable];
        filter.distribution(dec.forward(cache, ids, ids.length), (ids.length - 1) * vocab, usable, p1);
        java.util.Map<Long, Double> exact = new java.util.HashMap<>();
        for (int a = 0; a < usable; a++) {
            if (p1[a] == 0) continue;
            cache.truncate(ids.length);
            float[] p2 = new float[usable];
            filter.distribution(dec.forward(cache, new int[]{a}, 1), 0, usable, p2);
            for (int b = 0; b < usable; b++) if (p2[b] > 0) exact.put((long) a * vocab + b, (double) p1[a] * p2[b]);
        }
        int samples = 4000;
        java.util.Map<Long, Integer> counts = new java.util.HashMap<>();
        SpeculativeGenerator spec = new SpeculativeGenerator(m, 2);
        long accepted = 0, proposed = 0;
        for (int s = 0; s < samples; s++) {
            GenerationResult r = spec.generate(prompt, new SamplingOptions(3, 1.0, 4, 1, 1000 + s, false), null);
            counts.merge((long) r.tokens()[0] * vocab + r.tokens()[1], 1, Integer::sum);
            accepted += r.speculation().accepted()[0];
            proposed += r.speculation().proposed()[0];
        }
        double chi2 = 0;
        for (var e : exact.entrySet()) {
            double expected = e.getValue() * samples;
            double seen = counts.getOrDefault(e.getKey(), 0);
            chi2 += (seen - expected) * (seen - expected) / expected;
        }
        for (var key : counts.keySet()) assertTrue(exact.containsKey(key), "sampled a pair the main model gives probability 0");
        // 16 cells -> 15 degrees of freedom; chi2 above 37.7 would happen by chance with probability 0.001.
        assertTrue(exact.size() <= 16, "top-4 twice gives at most 16 outcomes");
        assertTrue(chi2 < 37.7, "speculative samples do not follow the main model: chi2 = " + chi2);
        assertTrue(proposed > samples / 2 && accepted < proposed, "the draft path was exercised with rejections: " + accepted + "/" + proposed);
    }
}
