package dev.trident.io.gguf;

import dev.trident.TridentException;
import dev.trident.kernels.RopeScaling;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.quant.WeightFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Llama 3's rope_freqs divisors back to llama3 parameters, and what the exporter refuses. */
class GgufRopeScalingTest {
    @TempDir
    Path dir;

    @Test
    void recoversLlama3ParametersFromTheDivisors() {
        // Llama 3.1 8B and Llama 3.2 1B: head 128, theta 500000 (many blended pairs: the fitted line).
        for (RopeScaling s : new RopeScaling[] {RopeScaling.llama3(8, 1, 4, 8192), RopeScaling.llama3(32, 1, 4, 8192)}) {
            assertEquals(s, GgufRopeScaling.llama3(GgufRopeScaling.divisors(s, 128, 500000), 128, 500000));
        }
        // A scaled triple (original, low, high) x 2 gives the same frequencies; low comes back as 1.
        RopeScaling doubled = RopeScaling.llama3(4, 2, 8, 512);
        RopeScaling back = GgufRopeScaling.llama3(GgufRopeScaling.divisors(doubled, 64, 10000), 64, 10000);
        assertEquals(RopeScaling.llama3(4, 1, 4, 256), back);
        assertArrayEquals(doubled.frequencies(64, 10000), back.frequencies(64, 10000), 1e-15);
        // One blended pair, and none (kept and divided pairs only).
        for (RopeScaling s : new RopeScaling[] {RopeScaling.llama3(8, 1, 4, 32), RopeScaling.llama3(8, 1, 4, 8192)}) {
            RopeScaling r = GgufRopeScaling.llama3(GgufRopeScaling.divisors(s, 16, 10000), 16, 10000);
            assertArrayEquals(GgufRopeScaling.divisors(s, 16, 10000), GgufRopeScaling.divisors(r, 16, 10000));
        }
    }

    @Test
    void divisorsThatAreNotLlama3sAreRefused() {
        Random rnd = new Random(1);
        float[] noise = new float[32];
        for (int i = 0; i < noise.length; i++) noise[i] = 1 + rnd.nextFloat() * 7;
        assertNull(GgufRopeScaling.llama3(noise, 64, 10000));
        assertNull(GgufRopeScaling.llama3(new float[] {1, 0.5f, 2}, 6, 10000)); // a divisor below 1
        float[] ones = new float[8];
        java.util.Arrays.fill(ones, 1);
        assertTrue(GgufRopeScaling.llama3(ones, 16, 10000).factor() == 1); // no scaling at all
    }

    @Test
    void scalingLlamaCppWouldRunDifferentlyIsNotExported() {
        ModelConfig qwen3 = TestModels.qwen3();
        assertRefused(qwen3.withRopeScaling(RopeScaling.llama3(8, 1, 4, 32)), "llama architecture only");
        assertRefused(qwen3.withRopeScaling(RopeScaling.yarn(4, 32, 16, 1, 0, 0, 0)), "beta_fast 32");
        // llama.cpp's deepseek2 scales its softmax by (0.1 ln(factor) + 1)^2 for any scaling (measured with linear x4:
        // 61% argmax agreement), so no scaling is written for MLA.
        assertRefused(TestModels.mlaMoe().withRopeScaling(RopeScaling.yarn(4, 32, 32, 1, 1, 1, 0)), "multi-head latent attention");
        assertRefused(TestModels.mlaMoe().withRopeScaling(RopeScaling.linear(4)), "multi-head latent attention");
    }

    private void assertRefused(ModelConfig c, String part) {
        Model m = TestModels.random(c, 1);
        TridentException e = assertThrows(TridentException.class,
                () -> GgufModelWriter.write(m, dir.resolve("x.gguf"), GgufModelWriter.Options.of(WeightFormat.F32)));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
