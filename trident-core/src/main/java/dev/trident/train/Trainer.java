package dev.trident.train;

/** Trains a model from raw text: tokenizer, data split, AdamW loop, evaluation and atomic checkpoints. */
public final class Trainer {
    private Trainer() {}

    /** Runs the whole training job; throws TridentException for bad input (missing data, unknown preset...). */
    public static TrainResult train(TrainOptions options, TrainListener listener) {
        throw new UnsupportedOperationException("in progress");
    }
}
