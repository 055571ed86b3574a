package dev.trident.blt;

import dev.trident.autograd.GradCheckAccess;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.blt.entropy.EntropyModel;
import dev.trident.blt.patch.Patcher;
import dev.trident.blt.patch.PatchingMode;
import dev.trident.nn.Parameters;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BltModelTest {
    /**
     * The whole BLT training loss against finite differences, for every parameter but the two 257-row matrices,
     * the byte table and the output head (their ops, embeddingSum and linear, have their own checks; their 2,056
     * entries would triple this test's time).
     */
    @Test
    void lossGradientOfEveryParameter() {
        BltConfig c = BltFixtures.tinyConfig(6, PatchingMode.ENTROPY, 1.0);
        BltModel model = BltFixtures.perturbed(c, 3, 0.3);
        Random rng = new Random(3);
        int batch = 2;
        int[] tokens = new int[batch * 6], targets = new int[batch * 6];
        for (int b = 0; b < batch; b++) {
            tokens[b * 6] = ByteVocab.BOS;
            for (int i = 1; i < 6; i++) tokens[b * 6 + i] = 97 + rng.nextInt(5);
            for (int i = 0; i < 6; i++) targets[b * 6 + i] = i < 5 ? tokens[b * 6 + i + 1] : 97 + rng.nextInt(5);
        }
        // Window 0: patches {0} {1 2 3} {4 5}; window 1: {0} {1} {2} {3 4 5}, the next byte opening a patch.
        boolean[][] flags = {{true, true, false, false, true, false, false}, {true, true, true, true, false, false, true}};
        PatchLayout layout = PatchLayout.of(flags, 6, c.crossK(), c.decoderCrossWindow());
        List<Tensor> inputs = new ArrayList<>();
        for (Parameters.Parameter p : model.params.all()) if (p.tensor().rows() != ByteVocab.SIZE) inputs.add(p.tensor());
        GradCheckAccess.check("blt", inputs, t -> model.loss(t, tokens, targets, layout, 0f, 1), 19, 3e-2);
    }

    /**
     * The patch / decoder alignment: with patches from the entropy model, changing byte j never changes the
     * prediction of any byte at or before j (the prediction of byte i is row i of a window that starts at the text).
     */
    @Test
    void changingAByteNeverChangesEarlierPredictions() {
        int seq = 40;
        BltConfig c = BltFixtures.tinyConfig(seq, PatchingMode.ENTROPY, 0).withSeqLen(seq);
        BltModel model = BltFixtures.perturbed(c, 5, 0.3);
        EntropyModel em = BltFixtures.entropyModel(16, 7);
        byte[] text = BltFixtures.text(seq, 11);
        float[] h0 = em.entropies(text, false, null);
        // Threshold at the median entropy: about every other byte starts a patch.
        float[] sorted = Arrays.copyOfRange(h0, 1, h0.length);
        Arrays.sort(sorted);
        Patcher patcher = new Patcher(c.patcher().withThreshold(sorted[sorted.length / 2]));
        float[] base = predictions(model, em, patcher, text);
        for (int j : new int[]{0, 1, 7, 20, 38, 39}) {
            byte[] changed = text.clone();
            changed[j] = (byte) (changed[j] == 'x' ? 'y' : 'x');
            float[] p = predictions(model, em, patcher, changed);
            int v = ByteVocab.SIZE;
            for (int i = 0; i <= j; i++)
                for (int x = 0; x < v; x++)
                    assertEquals(base[i * v + x], p[i * v + x], 1e-5, "prediction of byte " + i + " moved when byte " + j + " changed");
            if (j + 1 < seq) {
                double moved = 0;
                for (int i = j + 1; i < seq; i++) for (int x = 0; x < v; x++) moved = Math.max(moved, Math.abs(base[i * v + x] - p[i * v + x]));
                assertTrue(moved > 1e-4, "changing byte " + j + " changed nothing after it");
            }
        }
    }

    /** Logits of one window starting at the text: row i predicts byte i. */
    static float[] predictions(BltModel model, EntropyModel em, Patcher patcher, byte[] text) {
        int seq = model.config.seqLen();
        float[] h = em.entropies(text, false, null);
        boolean[][] flags = {new boolean[seq + 1]};
        patcher.flags(text, h, 0, flags[0]);
        int[] tokens = new int[seq];
        tokens[0] = ByteVocab.BOS;
        for (int i = 1; i < seq; i++) tokens[i] = text[i - 1] & 0xFF;
        PatchLayout layout = PatchLayout.of(flags, seq, model.config.crossK(), model.config.decoderCrossWindow());
        Tape tape = new Tape();
        tape.setRecording(false);
        Tensor logits = model.logits(tape, tokens, layout, 0f, 0);
        return Arrays.copyOf(logits.data, seq * ByteVocab.SIZE);
    }
}
