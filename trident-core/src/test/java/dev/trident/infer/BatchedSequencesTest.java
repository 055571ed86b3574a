package dev.trident.infer;

import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Continuous batching: one forward over segments of several sequences (each at its own position, some decoding one
 * token, some pre-filling a chunk) gives every sequence the logits it gets when run alone.
 */
class BatchedSequencesTest {
    private static final ModelConfig GQA = new ModelConfig(97, 48, 3, 6, 2, 8, 100, 64, 10000, 1e-5f, false);
    private static final ModelConfig MOE_MLA = GQA.withMla(new MlaSpec(48, 6, 20, 12, 6, 4, 5))
            .withMoe(new MoeSpec(48, 6, 2, 1, 24, 1.7, MoeSpec.Gating.SIGMOID, true, 1e-3, 0), 1);

    @Test
    void segmentsOfSeveralSequencesGiveEachItsOwnLogits() {
        check(new Transformer(GQA, 3));
        check(new Transformer(MOE_MLA, 4));
        check(new Transformer(GQA.withRopePairing(dev.trident.kernels.RopePairing.HALVES).withQkNorm(true), 5)); // Qwen3-style
    }

    private static void check(Transformer model) {
        Random rng = new Random(11);
        int seqs = 5, vocab = model.config.vocabSize();
        Decoder batched = new Decoder(model, 16), alone = new Decoder(model, 16);
        KvCache[] shared = new KvCache[seqs], own = new KvCache[seqs];
        for (int s = 0; s < seqs; s++) {
            shared[s] = batched.newCache();
            own[s] = alone.newCache();
        }
        double worst = 0;
        for (int step = 0; step < 12; step++) {
            // A varying subset of sequences joins each step, each with 1..3 tokens (a prompt chunk or a decode).
            KvCache[] caches = new KvCache[seqs];
            int[] counts = new int[seqs], who = new int[seqs], tokens = new int[16];
            int segs = 0, rows = 0;
            for (int s = 0; s < seqs; s++) {
                if (rng.nextInt(4) == 0) continue;
                int n = 1 + rng.nextInt(3);
                who[segs] = s;
                caches[segs] = shared[s];
                counts[segs++] = n;
                for (int i = 0; i < n; i++) tokens[rows++] = rng.nextInt(vocab);
            }
            if (segs == 0) continue;
            float[] got = batched.forward(caches, counts, segs, tokens).clone();
            for (int g = 0, row = 0; g < segs; row += counts[g], g++) {
                float[] want = alone.forward(own[who[g]], Arrays.copyOfRange(tokens, row, row + counts[g]), counts[g]);
                for (int i = 0; i < counts[g] * vocab; i++) worst = Math.max(worst, Math.abs(got[row * vocab + i] - want[i]));
                assertEquals(own[who[g]].length(), shared[who[g]].length());
            }
        }
        assertEquals(0, worst, 1e-5, "batched logits against each sequence alone");
    }

    @Test
    void aCacheTwiceInOneForwardIsRefused() {
        Decoder d = new Decoder(new Transformer(GQA, 3), 4);
        KvCache c = d.newCache();
        assertThrows(IllegalArgumentException.class, () -> d.forward(new KvCache[]{c, c}, new int[]{1, 1}, 2, new int[]{1, 2}));
        assertEquals(0, c.length(), "a refused forward leaves the cache alone");
    }
}
