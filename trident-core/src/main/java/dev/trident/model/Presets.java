package dev.trident.model;

import dev.trident.TridentException;
import dev.trident.train.TrainConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Named model + training presets. The vocabulary size is the BPE tokenizer's, trained with the model. */
public final class Presets {
    /** A model shape, how to train it, and a one-line description. */
    public record Preset(String name, String description, ModelConfig model, TrainConfig train) {}

    private static final Map<String, Preset> PRESETS = new LinkedHashMap<>();

    static {
        // tiny: learns something in seconds; for tests and smoke runs.
        add(new Preset("tiny", "2 layers, d=64, 512-token BPE; learns in seconds (tests, smoke runs)",
                new ModelConfig(512, 64, 2, 4, 2, 16, 176, 128, 10000, 1e-5f, true),
                new TrainConfig(8, 64, 1, 3e-3, 3e-4, 20, 300, 0.1, 0.9, 0.95, 1.0, 0f, 100, 8192, 512)));
        // small: the 30-minute tinyshakespeare result in docs/results.md.
        add(new Preset("small", "6 layers, d=256, GQA 8/4 heads, 1024-token BPE; ~30 minutes on 2 cores",
                new ModelConfig(1024, 256, 6, 8, 4, 32, 704, 256, 10000, 1e-5f, true),
                new TrainConfig(16, 128, 1, 2e-3, 2e-4, 100, 4000, 0.1, 0.9, 0.95, 1.0, 0.1f, 250, 65536, 1024)));
    }

    private Presets() {}

    private static void add(Preset p) {
        PRESETS.put(p.name(), p);
    }

    /** Names of every preset, in the order `trident train --help` lists them. */
    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }

    /** One-line description of a preset (sizes, what it is for). */
    public static String describe(String name) {
        return get(name).description();
    }

    /** The preset, or a one-line error listing the known names. */
    public static Preset get(String name) {
        Preset p = PRESETS.get(name);
        if (p == null) throw new TridentException("unknown preset '" + name + "'; known presets: " + String.join(", ", names()));
        return p;
    }
}
