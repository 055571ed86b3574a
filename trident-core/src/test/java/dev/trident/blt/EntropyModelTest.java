package dev.trident.blt;

import dev.trident.blt.entropy.EntropyModel;
import dev.trident.blt.entropy.EntropyStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EntropyModelTest {
    /** The whole-text computation and the byte-at-a-time stream agree, across context slides and newline resets. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void batchEqualsStream(boolean resetAtNewline) {
        EntropyModel em = BltFixtures.entropyModel(16, 9);
        byte[] text = BltFixtures.text(300, 4); // 300 bytes through a 16-byte context: many slides and newlines
        float[] batch = em.entropies(text, resetAtNewline, null);
        assertTrue(Float.isNaN(batch[0]));
        EntropyStream s = em.stream(resetAtNewline);
        for (int i = 0; i + 1 < text.length; i++) {
            float next = s.push(text[i]);
            assertEquals(batch[i + 1], next, 1e-4, "H of byte " + (i + 1));
        }
    }

    @Test
    void contextsAreBoundedAndRestartAtNewlines() {
        int w = 16;
        for (int i = 1; i < 200; i++) {
            int a = EntropyModel.contextStart(i, -1, w, false);
            assertTrue(i - a >= 1 && i - a <= w, "context of byte " + i + " is " + (i - a) + " bytes");
            if (i > w / 2) assertTrue(i - a > w / 2, "context of byte " + i + " holds at least W/2 bytes");
        }
        assertEquals(40, EntropyModel.contextStart(45, 40, w, true), "starts at the newline");
        assertEquals(EntropyModel.contextStart(45, -1, w, false), EntropyModel.contextStart(45, 10, w, true), "a newline out of reach changes nothing");
    }

    @Test
    void entropyOfUniformAndPeakedLogits() {
        float[] uniform = new float[257];
        assertEquals(Math.log(257), EntropyModel.entropy(uniform, 0, 257), 1e-5);
        float[] peaked = new float[257];
        peaked[3] = 100;
        assertEquals(0, EntropyModel.entropy(peaked, 0, 257), 1e-5);
    }
}
