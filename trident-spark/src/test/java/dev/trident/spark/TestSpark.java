package dev.trident.spark;

import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.model.ModelFiles;
import dev.trident.model.Transformer;
import dev.trident.tokenizer.BpeTrainer;
import dev.trident.tokenizer.Tokenizer;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the Spark tests share: one local[2] session per JVM (starting Spark takes seconds), tiny models, text. */
public final class TestSpark {
    private static SparkSession session;

    private TestSpark() {}

    /** local[2,2]: two cores, and a failed task is tried once more (the DiLoCo retry test relies on it). */
    public static synchronized SparkSession session() {
        if (session == null) session = LocalSpark.builder("local[2,2]").getOrCreate();
        return session;
    }

    /** The first `bytes` bytes of the built-in Shakespeare. */
    public static byte[] shakespeare(int bytes) {
        Path p = Path.of("..", "data", "tinyshakespeare.txt");
        try (InputStream in = Files.newInputStream(p)) {
            return in.readNBytes(bytes);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + p.toAbsolutePath(), e);
        }
    }

    /** A small untrained model with a BPE tokenizer (trained on 20 kB of Shakespeare), saved into dir. */
    public static Model tinyModel(Path dir, int maxSeqLen) {
        Tokenizer tok = BpeTrainer.train(shakespeare(20_000), 300, List.of("<|endoftext|>"));
        ModelConfig c = new ModelConfig(tok.vocabSize(), 32, 2, 4, 2, 8, 64, maxSeqLen, 10000, 1e-5f, true);
        Transformer t = new Transformer(c, 7);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ModelFiles.saveWeights(dir, t);
        tok.save(dir.resolve(ModelFiles.TOKENIZER));
        return Model.load(dir);
    }

    public static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
