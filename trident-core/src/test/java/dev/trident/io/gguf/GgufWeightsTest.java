package dev.trident.io.gguf;

import dev.trident.infer.Decoder;
import dev.trident.infer.KvCache;
import dev.trident.infer.ModelWeights;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.quant.WeightFormat;
import dev.trident.quant.WeightMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weights mapped in place from a GGUF file decode like the same file imported (every tensor dequantized into a
 * Transformer): for each exported architecture (llama, glm4moe with its RoPE on halves, deepseek2 with MLA, MoE
 * and an MTP module) and for fp32 and quantized files; and the matrices really are the file's bytes.
 */
class GgufWeightsTest {
    @TempDir
    Path dir;

    @Test
    void mappedWeightsDecodeLikeTheImportedModel() {
        record Case(ModelConfig config, GgufArchitecture arch) {}
        List<Case> cases = List.of(new Case(TestModels.dense(false), GgufArchitecture.LLAMA),
                new Case(TestModels.moeGqa(), GgufArchitecture.GLM4MOE), new Case(TestModels.mlaMoe(), GgufArchitecture.DEEPSEEK2));
        for (Case c : cases) {
            for (WeightFormat f : List.of(WeightFormat.F32, WeightFormat.Q8_0, WeightFormat.Q4_K)) {
                Model m = TestModels.random(c.config(), 5);
                Path file = dir.resolve(c.arch().ggufName() + "-" + f.name() + ".gguf");
                GgufModelWriter.write(m, file, GgufModelWriter.Options.of(f).withArchitecture(c.arch()));
                Model imported = Model.load(file);
                try (GgufFile g = GgufFile.open(file)) {
                    GgufWeights.Mapped mapped = GgufWeights.map(g);
                    String what = c.arch().ggufName() + " " + f.name();
                    var emb = (WeightMatrix.Quantized) mapped.weights().embedding();
                    assertEquals(g.tensor("token_embd.weight").data().address(), emb.matrix().data().address(), what + ": embedding read in place");
                    compare(what, new Decoder(mapped.weights(), 8, false), new Decoder(ModelWeights.of(imported.transformer()), 8, false),
                            mapped.config().vocabSize());
                }
            }
        }
    }

    /** Logits of 20 tokens, one at a time and in chunks, from both decoders. */
    private static void compare(String what, Decoder mapped, Decoder imported, int vocab) {
        int[] tokens = Arrays.copyOf(TestModels.tokenizer().encode(TestModels.heldOut(400)), 20);
        KvCache a = mapped.newCache(), b = imported.newCache();
        double worst = 0, scale = 0;
        for (int pos = 0, n; pos < tokens.length; pos += n) {
            n = pos < 6 ? 1 : 7;
            n = Math.min(n, tokens.length - pos);
            int[] in = Arrays.copyOfRange(tokens, pos, pos + n);
            float[] x = mapped.forward(a, in, n).clone(), y = imported.forward(b, in, n);
            for (int i = 0; i < n * vocab; i++) {
                worst = Math.max(worst, Math.abs(x[i] - y[i]));
                scale = Math.max(scale, Math.abs(y[i]));
            }
        }
        assertTrue(scale > 0, what);
        assertTrue(worst <= 1e-4 * Math.max(1, scale), what + ": mapped decode differs from the imported model by " + worst + " (scale " + scale + ")");
    }
}
