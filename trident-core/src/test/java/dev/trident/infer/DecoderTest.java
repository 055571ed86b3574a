package dev.trident.infer;

import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The KV-cache inference path must give the training forward's logits, whether tokens come one by one or in chunks. */
class DecoderTest {
    private static final ModelConfig CONFIG = new ModelConfig(97, 48, 3, 6, 2, 8, 100, 64, 10000, 1e-5f, false);

    private static final ModelConfig MOE = CONFIG.withMoe(new dev.trident.nn.MoeSpec(48, 6, 2, 1, 24, 1.7,
            dev.trident.nn.MoeSpec.Gating.SIGMOID, true, 1e-3, 0), 1);

    /** MLA of CONFIG's width and heads, with a query latent; values narrower than the query/key heads. */
    private static final ModelConfig MLA = CONFIG.withMla(new dev.trident.nn.MlaSpec(48, 6, 20, 12, 6, 4, 5));

    @Test
    void latentAttentionDecodeMatchesTrainingForward() {
        check(new Transformer(MLA, 7));
        // No query latent, values wider than the query/key heads.
        check(new Transformer(CONFIG.withMla(new dev.trident.nn.MlaSpec(48, 6, 0, 10, 4, 2, 9)), 8));
    }

    @Test
    void latentAttentionWithMoeAndMtpDecodesLikeTraining() {
        Transformer model = new Transformer(MLA.withMoe(MOE.moe(), 1).withMtpDepth(2), 9);
        check(model);
        mtpCheck(model);
    }

    @Test
    void latentCacheHoldsOnlyTheLatentAndRopeKey() {
        Decoder decoder = new Decoder(new Transformer(MLA, 7), 2);
        assertEquals(3L * (12 + 4) * 4, decoder.newCache().bytesPerToken(), "c_kv (12) + k_pe (4) floats per layer");
        assertEquals(MLA.kvCacheBytesPerToken(), decoder.newCache().bytesPerToken());
        assertEquals(2L * 3 * 2 * 8 * 4, new Decoder(new Transformer(CONFIG, 7), 2).newCache().bytesPerToken(), "GQA: K and V of 2 kv heads of 8");
    }

    /** The absorbed path (attention in the latent space) against the naive one (keys and values decompressed). */
    @Test
    void absorbedDecodeGivesTheNaiveDecodesLogits() {
        Transformer model = new Transformer(MLA.withMaxSeqLen(160), 21);
        // Weights larger than the 0.02 initialization, so attention is far from uniform.
        Random rng = new Random(21);
        for (var p : model.params.all()) for (int i = 0; i < p.tensor().size(); i++) p.tensor().data[i] += (float) (0.15 * rng.nextGaussian());
        Decoder absorbed = new Decoder(model, 6), naive = new Decoder(model, 6, LatentAttentionDecoder.Path.NAIVE);
        KvCache ca = absorbed.newCache(), cn = naive.newCache();
        int[] tokens = rng.ints(150, 0, MLA.vocabSize()).toArray();
        double worst = 0, scale = 0;
        for (int pos = 0, n; pos < tokens.length; pos += n) {
            n = Math.min(tokens.length - pos, pos < 100 ? 1 + pos % 6 : 1);
            int[] chunk = java.util.Arrays.copyOfRange(tokens, pos, pos + n);
            float[] a = absorbed.forward(ca, chunk, n).clone(), b = naive.forward(cn, chunk, n);
            for (int i = 0; i < n * MLA.vocabSize(); i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
                scale = Math.max(scale, Math.abs(b[i]));
            }
        }
        assertTrue(scale > 0.1, "logits too small to compare: " + scale);
        assertTrue(worst < 1e-4 * Math.max(1, scale), "absorbed decode differs from naive decode by " + worst + " (logit scale " + scale + ")");
    }

    /**
     * QK-norm and RoPE on halves, each alone and together, on GQA, MoE + MTP and (halves, grouped routing) MLA models;
     * RoPE scaling (llama3, YaRN) on GQA and MLA.
     */
    @Test
    void qkNormAndRopeHalvesDecodeLikeTraining() {
        var halves = dev.trident.kernels.RopePairing.HALVES;
        ModelConfig[] configs = {CONFIG.withQkNorm(true), CONFIG.withRopePairing(halves),
                CONFIG.withQkNorm(true).withRopePairing(halves), MOE.withQkNorm(true).withRopePairing(halves).withMtpDepth(2),
                MLA.withRopePairing(halves).withMoe(MOE.moe().withGroups(3, 2), 1).withMtpDepth(1),
                // RoPE scaling: llama3 on GQA; DeepSeek-V3's YaRN on MLA (its mscale^2 multiplies MLA's softmax scale)
                CONFIG.withRopeScaling(dev.trident.kernels.RopeScaling.llama3(8, 1, 4, 16)),
                MLA.withRopeScaling(dev.trident.kernels.RopeScaling.yarn(40, 8, 32, 1, 1, 1, 0)),
                MLA.withRopeScaling(dev.trident.kernels.RopeScaling.yarn(4, 8, 32, 1, 0, 0, 0))};
        for (int c = 0; c < configs.length; c++) {
            Transformer model = new Transformer(configs[c], 30 + c);
            Random rng = new Random(c); // gains away from 1 and larger weights, so the norms and rotations matter
            for (var p : model.params.all()) for (int i = 0; i < p.tensor().size(); i++) p.tensor().data[i] += (float) (0.1 * rng.nextGaussian());
            check(model);
            if (configs[c].mtpDepth() == 2) mtpCheck(model);
        }
    }

    @Test
    void cachedDecodeMatchesFullSequenceForward() {
        check(new Transformer(CONFIG, 7));
    }

    @Test
    void mixtureOfExpertsDecodeMatchesTrainingForwardAndReadsOnlyChosenExperts() {
        Transformer model = new Transformer(MOE, 7);
        for (var m : model.moeLayers()) for (int i = 0; i < 6; i++) m.router.bias.data[i] = 0.01f * i; // bias in play
        check(model);
        Decoder decoder = new Decoder(model, 4);
        KvCache cache = decoder.newCache();
        decoder.takeExpertBytesRead();
        decoder.forward(cache, new int[]{3}, 1);
        long perExpert = 4L * 3 * 48 * 24;
        assertEquals(2 * 2 * perExpert, decoder.takeExpertBytesRead(), "one token reads K=2 experts in each of 2 MoE layers");
    }

    /** Small experts run side by side on the workers (Decoder.experts); the logits are those of one thread, bit for bit. */
    @Test
    void expertsRunInParallelGiveTheSerialLogitsExactly() {
        Transformer model = new Transformer(MOE.withMtpDepth(1), 11);
        int[] tokens = new Random(5).ints(24, 0, MOE.vocabSize()).toArray();
        float[][] serial = logitsWithThreads(model, tokens, 1);
        for (int threads : new int[]{2, 3}) {
            float[][] parallel = logitsWithThreads(model, tokens, threads);
            for (int i = 0; i < serial.length; i++)
                org.junit.jupiter.api.Assertions.assertArrayEquals(serial[i], parallel[i], threads + " threads, pass " + i);
        }
    }

    /**
     * A continuous-batching step of eight sequences with long caches: their attention is enough work to run side by
     * side on the workers (SegmentSplit), and every sequence's logits are those of one thread, bit for bit (GQA and
     * MLA's absorbed path).
     */
    @Test
    void sequencesAttendSideBySideWithTheSerialLogits() {
        ModelConfig wide = new ModelConfig(97, 256, 2, 8, 4, 32, 200, 192, 10000, 1e-5f, false);
        for (ModelConfig config : new ModelConfig[]{wide, wide.withMla(new dev.trident.nn.MlaSpec(256, 8, 64, 64, 32, 16, 32))}) {
            Transformer model = new Transformer(config, 21);
            float[] serial = batchStepWithThreads(model, 1);
            for (int threads : new int[]{2, 3})
                org.junit.jupiter.api.Assertions.assertArrayEquals(serial, batchStepWithThreads(model, threads), threads + " threads");
        }
    }

    /** Eight caches pre-filled with 140..175 tokens, then two steps: one row each, then rows 1, 3, 1, 2, ... */
    private static float[] batchStepWithThreads(Transformer model, int threads) {
        int before = dev.trident.kernels.WorkerPool.global().threads();
        dev.trident.kernels.WorkerPool.setGlobalThreads(threads);
        try {
            Random rng = new Random(8);
            int vocab = model.config.vocabSize();
            Decoder decoder = new Decoder(model, 192);
            KvCache[] caches = new KvCache[8];
            for (int i = 0; i < 8; i++) {
                caches[i] = decoder.newCache();
                decoder.forward(caches[i], rng.ints(140 + 5 * i, 0, vocab).toArray(), 140 + 5 * i);
            }
            int[] ones = new int[8], mixed = {1, 3, 1, 2, 1, 1, 2, 1};
            java.util.Arrays.fill(ones, 1);
            float[] a = decoder.forward(caches, ones, 8, rng.ints(8, 0, vocab).toArray()).clone();
            float[] b = decoder.forward(caches, mixed, 8, rng.ints(12, 0, vocab).toArray());
            float[] both = java.util.Arrays.copyOf(a, 8 * vocab + 12 * vocab);
            System.arraycopy(b, 0, both, 8 * vocab, 12 * vocab);
            return both;
        } finally {
            dev.trident.kernels.WorkerPool.setGlobalThreads(before);
        }
    }

    /** One token, then chunks of 8 and 15, then a batch of 8 sequences of one token each, on a pool of the given size. */
    private static float[][] logitsWithThreads(Transformer model, int[] tokens, int threads) {
        int before = dev.trident.kernels.WorkerPool.global().threads();
        dev.trident.kernels.WorkerPool.setGlobalThreads(threads);
        try {
            Decoder decoder = new Decoder(model, 16);
            KvCache cache = decoder.newCache();
            float[] a = decoder.forward(cache, new int[]{tokens[0]}, 1).clone();
            float[] b = decoder.forward(cache, java.util.Arrays.copyOfRange(tokens, 1, 9), 8).clone();
            float[] c = decoder.forward(cache, java.util.Arrays.copyOfRange(tokens, 9, 24), 15).clone();
            KvCache[] caches = new KvCache[8];
            for (int i = 0; i < 8; i++) caches[i] = decoder.newCache();
            int[] ones = new int[8];
            java.util.Arrays.fill(ones, 1);
            float[] d = decoder.forward(caches, ones, 8, java.util.Arrays.copyOfRange(tokens, 3, 11)).clone();
            return new float[][]{a, b, c, d};
        } finally {
            dev.trident.kernels.WorkerPool.setGlobalThreads(before);
        }
    }

    @Test
    void mtpModulesDecodeLikeTheirTrainingForward() {
        mtpCheck(new Transformer(CONFIG.withMtpDepth(2), 13));
    }

    private static void mtpCheck(Transformer model) {
        ModelConfig config = model.config;
        int seq = 20, d = config.dim(), vocab = config.vocabSize();
        int[] tokens = new Random(8).ints(seq + 2, 0, vocab).toArray();
        int[] in = java.util.Arrays.copyOf(tokens, seq);
        Tape tape = new Tape();
        tape.setRecording(false);
        // Training side: h^0, then module k reads t_{i+k} and h^{k-1}.
        Tensor h = model.hidden(tape, in, 1, seq, 0f, 0);
        float[][] expected = new float[3][];
        for (int k = 1; k <= 2; k++) {
            int[] ids = java.util.Arrays.copyOfRange(tokens, k, k + seq);
            var m = model.mtp.modules[k - 1];
            h = m.forward(tape, dev.trident.autograd.Ops.embedding(tape, model.embedding, ids), h, 1, seq, 0f, 0);
            expected[k] = dev.trident.autograd.Ops.linear(tape, m.finalNorm.forward(tape, h), model.head).data.clone();
        }
        // Inference side, in uneven chunks with separate caches.
        Decoder decoder = new Decoder(model, 8);
        KvCache main = decoder.newCache(), m1 = decoder.newMtpCache(), m2 = decoder.newMtpCache();
        float[] h0 = new float[seq * d], h1 = new float[seq * d];
        double worst = 0;
        for (int pos = 0, n; pos < seq; pos += n) {
            n = Math.min(seq - pos, pos % 2 == 0 ? 7 : 3);
            decoder.forward(main, java.util.Arrays.copyOfRange(in, pos, pos + n), n);
            System.arraycopy(decoder.hidden(), 0, h0, pos * d, n * d);
            // Alternate chunks ask for no head rows / the last one only (the drafter's way): same h^k and last row.
            int rows1 = pos % 2 == 0 ? n : 0, rows2 = pos % 2 == 0 ? 1 : n;
            float[] l1 = decoder.mtpForward(1, m1, tokens, pos + 1, h0, pos * d, n, rows1);
            for (int i = 0; i < rows1 * vocab; i++) worst = Math.max(worst, Math.abs(l1[i] - expected[1][(pos + n - rows1) * vocab + i]));
            System.arraycopy(decoder.residual(), 0, h1, pos * d, n * d);
            float[] l2 = decoder.mtpForward(2, m2, tokens, pos + 2, h1, pos * d, n, rows2);
            for (int i = 0; i < rows2 * vocab; i++) worst = Math.max(worst, Math.abs(l2[i] - expected[2][(pos + n - rows2) * vocab + i]));
        }
        assertTrue(worst < 1e-4, "MTP decode differs from the training forward by " + worst);
    }

    private static void check(Transformer model) {
        ModelConfig CONFIG = model.config;
        int seq = 37;
        int[] tokens = new Random(3).ints(seq, 0, CONFIG.vocabSize()).toArray();
        Tape tape = new Tape();
        tape.setRecording(false);
        float[] full = model.logits(tape, tokens, 1, seq).data.clone();

        // One token at a time.
        Decoder decoder = new Decoder(model, 8);
        KvCache cache = decoder.newCache();
        int vocab = CONFIG.vocabSize();
        double worst = 0;
        for (int t = 0; t < seq; t++) {
            float[] logits = decoder.forward(cache, new int[]{tokens[t]}, 1);
            for (int j = 0; j < vocab; j++) worst = Math.max(worst, Math.abs(logits[j] - full[t * vocab + j]));
        }
        assertTrue(worst < 1e-4, "one-by-one decode differs from the full forward by " + worst);

        // Uneven chunks (prefill + verification shapes).
        cache = decoder.newCache();
        int[] chunks = {5, 1, 8, 3, 7, 1, 8, 4};
        int pos = 0;
        worst = 0;
        for (int n : chunks) {
            float[] logits = decoder.forward(cache, java.util.Arrays.copyOfRange(tokens, pos, pos + n), n);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < vocab; j++) worst = Math.max(worst, Math.abs(logits[i * vocab + j] - full[(pos + i) * vocab + j]));
            pos += n;
        }
        assertEquals(seq, pos);
        assertTrue(worst < 1e-4, "chunked decode differs from the full forward by " + worst);
    }

    @Test
    void forwardLastGivesTheLastRowOfForward() {
        Transformer model = new Transformer(CONFIG, 12);
        int[] tokens = new Random(6).ints(10, 0, CONFIG.vocabSize()).toArray();
        Decoder a = new Decoder(model, 12), b = new Decoder(model, 12);
        KvCache ca = a.newCache(), cb = b.newCache();
        float[] all = a.forward(ca, tokens, 10);
        float[] last = b.forwardLast(cb, tokens, 10);
        int v = CONFIG.vocabSize();
        for (int j = 0; j < v; j++) assertEquals(all[9 * v + j], last[j], 1e-5f); // a GEMM row against a GEMV
        float[] next = a.forward(ca, new int[]{3}, 1).clone(), next2 = b.forward(cb, new int[]{3}, 1);
        for (int j = 0; j < v; j++) assertEquals(next[j], next2[j], 1e-5f, "the cache holds every row either way");
    }

    @Test
    void truncatingTheCacheRollsBackExactly() {
        Transformer model = new Transformer(CONFIG, 11);
        int[] tokens = new Random(5).ints(12, 0, CONFIG.vocabSize()).toArray();
        Decoder decoder = new Decoder(model, 12);
        KvCache cache = decoder.newCache();
        decoder.forward(cache, tokens, 8);
        float[] expected = decoder.forward(cache, new int[]{tokens[8]}, 1).clone();
        cache.truncate(8);
        decoder.forward(cache, new int[]{(tokens[8] + 1) % CONFIG.vocabSize()}, 1); // a rejected draft
        cache.truncate(8);
        float[] again = decoder.forward(cache, new int[]{tokens[8]}, 1);
        for (int j = 0; j < CONFIG.vocabSize(); j++) assertEquals(expected[j], again[j], 0f);
    }
}
