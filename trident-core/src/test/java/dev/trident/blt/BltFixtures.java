package dev.trident.blt;

import dev.trident.blt.entropy.EntropyModel;
import dev.trident.blt.patch.PatcherSpec;
import dev.trident.blt.patch.PatchingMode;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.nn.Parameters;
import dev.trident.tokenizer.BpeTrainer;

import java.util.List;
import java.util.Random;

/** Small models for BLT tests: random weights, made larger than the 0.02 initialization so every path matters. */
public final class BltFixtures {
    private BltFixtures() {}

    /** T = 6, d_L = 4, d_G = 8 (k = 2), one layer each; hashed 3- and 4-grams in tables of 7 rows. */
    public static BltConfig tinyConfig(int seq, PatchingMode mode, double threshold) {
        return new BltConfig(seq, 4, 2, 1, 6, 0, 1, 1, 8, 1, 2, 1, 6, 2, 2, new HashSpec(3, 4, 7, 1), 10000, 1e-5f,
                new PatcherSpec(mode, threshold, 3, 0, false));
    }

    public static BltModel perturbed(BltConfig c, long seed, double sigma) {
        BltModel m = new BltModel(c, seed);
        Random rng = new Random(seed);
        for (Parameters.Parameter p : m.params.all())
            for (int i = 0; i < p.tensor().size(); i++) p.tensor().data[i] += (float) (sigma * rng.nextGaussian());
        return m;
    }

    /** A byte-level entropy model with random weights (peaky enough that entropies spread over a wide range). */
    public static EntropyModel entropyModel(int context, long seed) {
        ModelConfig c = new ModelConfig(ByteVocab.SIZE, 16, 1, 2, 1, 8, 24, context, 10000, 1e-5f, true);
        Transformer t = new Transformer(c, seed);
        Random rng = new Random(seed);
        for (Parameters.Parameter p : t.params.all())
            for (int i = 0; i < p.tensor().size(); i++) p.tensor().data[i] += (float) (0.5 * rng.nextGaussian());
        return new EntropyModel(new Model(t, BpeTrainer.train(new byte[]{'a'}, ByteVocab.SIZE, List.of(ByteVocab.BOS_TEXT))));
    }

    /** Random printable text with some newlines. */
    public static byte[] text(int n, long seed) {
        Random rng = new Random(seed);
        byte[] t = new byte[n];
        String alphabet = "abcdefgh ijk,.\nABC";
        for (int i = 0; i < n; i++) t[i] = (byte) alphabet.charAt(rng.nextInt(alphabet.length()));
        return t;
    }
}
