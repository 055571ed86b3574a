package dev.trident.model;

import java.nio.file.Path;

/** A trained model: config, weights and tokenizer, as loaded from a model directory. */
public final class Model {
    private Model() {}

    /** Loads a model directory written by `trident train`; TridentException naming the file if it is bad. */
    public static Model load(Path dir) {
        throw new UnsupportedOperationException("in progress");
    }

    /** Number of parameters. */
    public long parameterCount() {
        throw new UnsupportedOperationException("in progress");
    }
}
