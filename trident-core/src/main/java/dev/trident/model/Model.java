package dev.trident.model;

import dev.trident.TridentException;
import dev.trident.io.gguf.GgufFile;
import dev.trident.io.gguf.GgufModelReader;
import dev.trident.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/** A model: config, weights and tokenizer, as trained or loaded from a model directory or a GGUF file. */
public final class Model {
    private final Transformer transformer;
    private final Tokenizer tokenizer;

    public Model(Transformer transformer, Tokenizer tokenizer) {
        if (tokenizer.vocabSize() > transformer.config.vocabSize())
            throw new IllegalArgumentException("tokenizer has " + tokenizer.vocabSize() + " tokens, model " + transformer.config.vocabSize());
        this.transformer = transformer;
        this.tokenizer = tokenizer;
    }

    /**
     * Loads a model from any format Trident reads: a model directory written by `trident train` or
     * `trident convert`, or a GGUF file (llama.cpp's format, recognized by its magic bytes, whatever its name).
     * Weights are fp32 in memory. A TridentException names the file if it is missing or bad.
     */
    public static Model load(Path path) {
        if (Files.isRegularFile(path)) {
            if (GgufFile.isGguf(path)) return GgufModelReader.read(path);
            throw new TridentException(path + ": not a model (expected a .gguf file or a model directory)");
        }
        return loadDirectory(path);
    }

    /** Loads a model directory written by `trident train`; TridentException naming the file if it is bad. */
    public static Model loadDirectory(Path dir) {
        if (!Files.isDirectory(dir)) throw new TridentException(dir + ": no such model directory or GGUF file; pass the --out folder of 'trident train' or a .gguf file");
        Path config = dir.resolve(ModelFiles.CONFIG), weights = dir.resolve(ModelFiles.WEIGHTS), tok = dir.resolve(ModelFiles.TOKENIZER);
        for (Path p : new Path[]{config, weights, tok})
            if (!Files.isRegularFile(p)) throw new TridentException(p + ": missing; " + dir + " is not a complete model directory");
        ModelConfig cfg = ModelFiles.parseConfig(config);
        Tokenizer tokenizer = Tokenizer.load(tok);
        if (tokenizer.vocabSize() > cfg.vocabSize())
            throw new TridentException(tok + ": has " + tokenizer.vocabSize() + " tokens but config.json says vocab_size " + cfg.vocabSize());
        Transformer t = Transformer.unset(cfg);
        ModelFiles.loadWeights(weights, t);
        return new Model(t, tokenizer);
    }

    public ModelConfig config() { return transformer.config; }

    public Transformer transformer() { return transformer; }

    public Tokenizer tokenizer() { return tokenizer; }

    /** Number of parameters. */
    public long parameterCount() { return transformer.params.count(); }
}
