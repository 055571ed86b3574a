package dev.trident.infer;

import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;
import dev.trident.quant.WeightFormat;
import dev.trident.quant.WeightMatrix;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decoding with quantized weights gives the logits of the same model with those weights dequantized to fp32 (the
 * fp32 decode is held to the training forward by {@link DecoderTest}): one token at a time (GEMV), in a chunk of
 * a few (batched GEMV) and in a longer chunk (GEMM over dequantized tiles), for every format, dense and MoE, GQA
 * and MLA, with fp32 activations (only the summation order differs) and with int8 activations (within the
 * activation rounding).
 */
class QuantizedDecodeTest {
    /** Widths that every format holds without fallback (multiples of 256), small enough for a unit test. */
    private static final ModelConfig DENSE = new ModelConfig(61, 256, 2, 4, 2, 64, 256, 48, 10000, 1e-5f, false);
    private static final ModelConfig MOE_MLA = DENSE.withMla(new MlaSpec(256, 4, 64, 64, 32, 16, 32))
            .withMoe(new MoeSpec(256, 4, 2, 1, 256, 1.3, MoeSpec.Gating.SIGMOID, true, 1e-3, 0), 1).withMtpDepth(1);

    private static Transformer model(ModelConfig c, long seed) {
        Transformer t = new Transformer(c, seed);
        Random rng = new Random(seed);
        // Weights larger than the 0.02 initialization, so logits spread and errors show.
        for (var p : t.params.all()) for (int i = 0; i < p.tensor().size(); i++) p.tensor().data[i] += (float) (0.05 * rng.nextGaussian());
        return t;
    }

    @Test
    void quantizedDecodeMatchesTheDequantizedModel() {
        Transformer dense = model(DENSE, 3), moe = model(MOE_MLA, 4);
        for (WeightFormat f : new WeightFormat[]{WeightFormat.Q8_0, WeightFormat.Q4_K, WeightFormat.FP8_BLOCK, WeightFormat.Q4_0,
                WeightFormat.BF16, WeightFormat.F16}) {
            for (Transformer t : new Transformer[]{dense, moe}) {
                if (t == moe && f != WeightFormat.Q8_0 && f != WeightFormat.Q4_K) continue; // the formats' kernels are covered on dense
                ModelWeights q = ModelWeights.quantize(t, QuantPolicy.of(f));
                ModelWeights ref = q.dequantized();
                if (f == WeightFormat.FP8_BLOCK) // its GEMV reads x as bf16 (2^-9 relative per value); prefill chunks are fp32
                    check(f.name() + " bf16 activations", t.config, new Decoder(q, 12, false), new Decoder(ref, 12, false), 0.01);
                else check(f.name() + " fp32 activations", t.config, new Decoder(q, 12, false), new Decoder(ref, 12, false), 2e-5);
                if (f == WeightFormat.Q8_0 || f == WeightFormat.Q4_K || f == WeightFormat.Q4_0)
                    check(f.name() + " int8 activations", t.config, new Decoder(q, 12, true), new Decoder(ref, 12, false), 0.03);
            }
        }
    }

    /** Logits of 14 tokens fed 1 by 1, then as chunks of 3 and 9, against the reference; tol relative to the logit scale. */
    private static void check(String what, ModelConfig c, Decoder got, Decoder want, double tol) {
        int[] tokens = new Random(9).ints(14, 0, c.vocabSize()).toArray();
        int vocab = c.vocabSize();
        KvCache cg = got.newCache(), cw = want.newCache();
        double worst = 0, scale = 0;
        int[][] chunks = {{0, 1}, {1, 1}, {2, 3}, {5, 9}};
        for (int[] ch : chunks) {
            int[] in = Arrays.copyOfRange(tokens, ch[0], ch[0] + ch[1]);
            float[] a = got.forward(cg, in, ch[1]).clone(), b = want.forward(cw, in, ch[1]);
            for (int i = 0; i < ch[1] * vocab; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
                scale = Math.max(scale, Math.abs(b[i]));
            }
        }
        assertTrue(scale > 0.5, what + ": logits too small to compare: " + scale);
        assertTrue(worst <= tol * scale, what + " (" + c.mla() + "): quantized decode differs by " + worst + ", logit scale " + scale);
    }

    @Test
    void policyKeepsNormsAndRouterInFp32AndFallsBackForOddRows() {
        Transformer t = model(MOE_MLA, 5);
        ModelWeights q = ModelWeights.quantize(t, QuantPolicy.of(WeightFormat.Q4_K));
        var moe = (ModelWeights.Moe) q.blocks()[1].ffn();
        assertTrue(moe.router() instanceof WeightMatrix.Dense, "router stays fp32");
        assertSame(t.blocks[1].attentionNorm.weight.data, q.blocks()[1].attentionNorm().gain(), "norm gains shared, not copied");
        assertEquals(WeightFormat.Q4_K, moe.experts()[0].gate().format());
        assertEquals(WeightFormat.Q8_0, q.head().format(), "4-bit policy keeps the head at Q8_0");
        var mla = (ModelWeights.Mla) q.blocks()[0].attention();
        assertEquals(WeightFormat.Q8_0, mla.ukT()[0].format(), "rows of 32 cannot hold Q4_K: Q8_0 instead");
        ModelWeights f32 = ModelWeights.of(t);
        assertSame(t.blocks[0].feedForward instanceof dev.trident.nn.FeedForward ff ? ff.gate.data : null,
                ((WeightMatrix.Dense) ((ModelWeights.Ffn) f32.blocks()[0].ffn()).gate()).data(), "fp32 weights are the model's own arrays");
        assertTrue(q.bytesPerToken() < f32.bytesPerToken() / 4, "4-bit weights read under a quarter of fp32's bytes");
        assertNotEquals(0, q.weightsByFormat().getOrDefault("Q4_K", 0L));
    }
}
