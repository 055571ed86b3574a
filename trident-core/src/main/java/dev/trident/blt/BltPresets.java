package dev.trident.blt;

import dev.trident.TridentException;
import dev.trident.blt.patch.PatcherSpec;
import dev.trident.blt.patch.PatchingMode;
import dev.trident.train.TrainConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte Latent Transformer presets, beside {@link dev.trident.model.Presets}: a model, how to train it (seqLen = T
 * byte positions per window, evalTokens = validation bytes measured during training), and the entropy model preset
 * and steps the pipeline trains first when no entropy model is given.
 */
public final class BltPresets {
    public record BltPreset(String name, String description, BltConfig model, TrainConfig train, String entropyPreset,
                            int entropySteps) {}

    private static final Map<String, BltPreset> PRESETS = new LinkedHashMap<>();

    static {
        // tiny-blt: for tests and smoke runs.
        add(new BltPreset("tiny-blt", "Byte Latent Transformer for smoke runs: d_L=32, d_G=64, 2 global layers, 64-byte windows",
                new BltConfig(64, 32, 2, 1, 88, 0, 1, 1, 64, 2, 4, 2, 176, 2, 1, new HashSpec(3, 8, 1024, 1), 10000, 1e-5f,
                        new PatcherSpec(PatchingMode.ENTROPY, 0, 3, 0, false)),
                new TrainConfig(8, 64, 1, 3e-3, 3e-4, 20, 300, 0.1, 0.9, 0.95, 1.0, 0f, 100, 8192, ByteVocab.SIZE),
                "tiny-entropy", 200));
        // small-blt: the global transformer is small's (6 layers, d = 256, GQA 8/4, SwiGLU 704); a light local
        // encoder (1 layer) and decoder (2 layers) at d_L = 128 with k = 2 patch vectors; hashed 3- to 8-grams; 288-byte
        // windows, the bytes small's 128 BPE tokens cover (2.26 bytes/token); patches of 4.5 bytes by default.
        add(new BltPreset("small-blt", "Byte Latent Transformer: small's global transformer over entropy patches of 4.5 bytes, d_L=128 encoder 1 / decoder 2 layers",
                new BltConfig(288, 128, 4, 2, 256, 0, 1, 2, 256, 6, 8, 4, 704, 4, 1, new HashSpec(3, 8, 4096, 1), 10000, 1e-5f,
                        new PatcherSpec(PatchingMode.ENTROPY, 0, 4.5, 0, false)),
                new TrainConfig(16, 288, 1, 2e-3, 2e-4, 100, 4000, 0.1, 0.9, 0.95, 1.0, 0.1f, 250, 65536, ByteVocab.SIZE),
                "blt-entropy", 1000));
        // small-blt-d1: small-blt with a one-layer local decoder (half the decoder's FLOPs per byte: 3.1 -> 2.6
        // MFLOP at 6-byte patches). On sotu.txt it trained to a better BPB at the same training FLOPs (more steps);
        // on tinyshakespeare a worse one (docs/results.md, issue 11).
        BltPreset small = PRESETS.get("small-blt");
        add(new BltPreset("small-blt-d1", "small-blt with a one-layer local decoder: about 15% fewer inference FLOPs per byte",
                small.model().withDecoderLayers(1), small.train(), small.entropyPreset(), small.entropySteps()));
    }

    private BltPresets() {}

    private static void add(BltPreset p) {
        PRESETS.put(p.name(), p);
    }

    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }

    public static boolean has(String name) {
        return PRESETS.containsKey(name);
    }

    public static BltPreset get(String name) {
        BltPreset p = PRESETS.get(name);
        if (p == null) throw new TridentException("unknown BLT preset '" + name + "'; known: " + String.join(", ", names()));
        return p;
    }
}
