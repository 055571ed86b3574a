package dev.trident.blt;

import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.blt.entropy.EntropyModel;
import dev.trident.blt.patch.Patcher;
import dev.trident.blt.patch.PatchingMode;
import dev.trident.infer.Sampler;
import dev.trident.infer.SamplingOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Byte-by-byte generation with incremental patching against the training forward on the same bytes. */
class BltGeneratorTest {
    @ParameterizedTest
    @EnumSource(value = PatchingMode.class)
    void generationEqualsTeacherForcedPrediction(PatchingMode mode) {
        int seq = 48;
        BltConfig c = BltFixtures.tinyConfig(seq, mode, 0).withSeqLen(seq);
        c = c.withPatcher(c.patcher().withMaxPatchLength(mode == PatchingMode.ENTROPY ? 5 : 0));
        BltModel model = BltFixtures.perturbed(c, 21, 0.3);
        EntropyModel em = BltFixtures.entropyModel(16, 23);
        // A threshold near the middle of the entropies of some text, so patches vary in length.
        byte[] sample = BltFixtures.text(400, 5);
        float[] hs = em.entropies(sample, false, null);
        double theta = median(hs, mode == PatchingMode.MONOTONIC);
        model = withThreshold(model, theta);
        BltGenerator g = new BltGenerator(model, mode.usesEntropy() ? em : null);

        // Greedy generation fills the window; keep every position's logits.
        byte[] prompt = "ab, c".getBytes(StandardCharsets.US_ASCII);
        float[][] incremental = new float[seq][];
        int[] tokens = new int[seq];
        tokens[0] = ByteVocab.BOS;
        float[] l = g.feed(ByteVocab.BOS);
        for (int p = 1; p < seq; p++) {
            incremental[p - 1] = l.clone();
            tokens[p] = p <= prompt.length ? prompt[p - 1] & 0xFF : Sampler.argmax(l, 0, 256);
            l = g.feed(tokens[p]);
        }
        incremental[seq - 1] = l.clone();
        boolean[] flags = g.flags();
        assertEquals(seq + 1, flags.length);

        // The flags are the batch patcher's on the same text with the batch entropies.
        byte[] text = new byte[seq];
        for (int p = 1; p < seq; p++) text[p - 1] = (byte) tokens[p];
        text[seq - 1] = (byte) Sampler.argmax(l, 0, 256);
        boolean[] batchFlags = new boolean[seq + 1];
        float[] h = mode.usesEntropy() ? em.entropies(text, false, null) : new float[seq];
        new Patcher(model.config.patcher()).flags(text, h, 0, batchFlags);
        assertArrayEquals(batchFlags, flags, "incremental patch starts differ from the batch patcher's");
        int patches = 0;
        for (int p = 0; p < seq; p++) if (flags[p]) patches++;
        assertTrue(patches > 3 && patches < seq - 3, mode + ": " + patches + " patches in " + seq + " positions");
        assertEquals(flags[seq] ? patches : patches - 1, g.globalSteps());

        // Teacher forcing: the training forward over the whole window gives the same logits at every position.
        PatchLayout layout = PatchLayout.of(new boolean[][]{flags}, seq, c.crossK(), c.decoderCrossWindow());
        Tape tape = new Tape();
        tape.setRecording(false);
        Tensor forced = model.logits(tape, tokens, layout, 0f, 0);
        for (int p = 0; p < seq; p++) {
            float[] want = Arrays.copyOfRange(forced.data, p * ByteVocab.SIZE, (p + 1) * ByteVocab.SIZE);
            for (int v = 0; v < ByteVocab.SIZE; v++)
                assertEquals(want[v], incremental[p][v], 2e-4 * (1 + Math.abs(want[v])), mode + ": position " + p + " logit " + v);
            if (p >= prompt.length && p + 1 < seq)
                assertEquals(Sampler.argmax(want, 0, 256), tokens[p + 1], "greedy byte at position " + (p + 1));
        }
    }

    private static double median(float[] h, boolean differences) {
        float[] v = new float[h.length - 2];
        for (int i = 2; i < h.length; i++) v[i - 2] = differences ? h[i] - h[i - 1] : h[i];
        Arrays.sort(v);
        return v[v.length / 2];
    }

    private static BltModel withThreshold(BltModel m, double theta) {
        BltModel out = new BltModel(m.config.withPatcher(m.config.patcher().withThreshold(theta)), 0);
        for (int i = 0; i < m.params.all().size(); i++) {
            float[] src = m.params.all().get(i).tensor().data;
            System.arraycopy(src, 0, out.params.all().get(i).tensor().data, 0, src.length);
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = PatchingMode.class, names = {"ENTROPY"})
    void generateStopsAtTheWindowAndStreamsUtf8(PatchingMode mode) {
        BltConfig c = BltFixtures.tinyConfig(24, mode, 2.0).withSeqLen(24);
        BltGenerator g = new BltGenerator(BltFixtures.perturbed(c, 2, 0.3), BltFixtures.entropyModel(16, 3));
        StringBuilder streamed = new StringBuilder();
        BltGenerator.Result r = g.generate("hi".getBytes(StandardCharsets.UTF_8), new SamplingOptions(100, 0.9, 0, 1, 7, false), streamed::append);
        assertEquals("window", r.stopReason());
        assertEquals(24 - 1 - 2 + 1, r.bytes().length);
        assertEquals(new String(r.bytes(), StandardCharsets.UTF_8), streamed.toString());
    }
}
