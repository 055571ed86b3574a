package dev.trident.engine;

import dev.trident.chat.ChatTemplate;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.model.ModelFiles;
import dev.trident.model.Transformer;
import dev.trident.nn.Parameters;
import dev.trident.tokenizer.BpeTrainer;
import dev.trident.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Small random models for engine and server tests (also used by trident-server's and trident-langchain4j's tests
 * through the core's test jar): a BPE tokenizer trained on a few lines, and weights perturbed enough that the
 * next-token distributions are far from uniform.
 */
public final class TestModels {
    private static Tokenizer tokenizer;

    private TestModels() {}

    public static synchronized Tokenizer tokenizer() {
        if (tokenizer == null) {
            String text = "User: what light through yonder window breaks?\n\nAssistant: It is the east, and Juliet is the sun. ".repeat(20)
                    + "the quick brown fox jumps over the lazy dog. ".repeat(30) + "ROMEO: Hello, how are you?\n".repeat(20);
            tokenizer = BpeTrainer.train(text.getBytes(StandardCharsets.UTF_8), 320, List.of("<|endoftext|>"));
        }
        return tokenizer;
    }

    /** A dense GQA model of context ctx with random weights from seed. */
    public static Model model(long seed, int ctx) {
        return model(new ModelConfig(tokenizer().vocabSize(), 32, 2, 4, 2, 8, 64, ctx, 10000, 1e-5f, true), seed);
    }

    public static Model model(ModelConfig c, long seed) {
        Transformer t = new Transformer(c, seed);
        Random rng = new Random(seed);
        for (Parameters.Parameter p : t.params.all())
            if (!p.name().endsWith("bias"))
                for (int i = 0; i < p.tensor().size(); i++) p.tensor().data[i] += (float) (0.15 * rng.nextGaussian());
        return new Model(t, tokenizer());
    }

    /** Writes m as a model directory: config.json, model.safetensors, tokenizer.json, tokenizer_config.json. */
    public static Path writeModelDir(Model m, Path dir) {
        ModelFiles.saveWeights(dir, m.transformer());
        m.tokenizer().save(dir.resolve(ModelFiles.TOKENIZER));
        ChatTemplate.writeDefault(dir, m.tokenizer());
        return dir;
    }
}
