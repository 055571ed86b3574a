package dev.trident.model;

import dev.trident.TridentException;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;
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
        // tiny-moe: tiny's active parameters per token, spread over 8 routed experts (2 active) + 1 shared.
        add(new Preset("tiny-moe", "tiny with DeepSeekMoE: 8 routed experts (2 active) + 1 shared of width 56; same active FFN as tiny",
                new ModelConfig(512, 64, 2, 4, 2, 16, 176, 128, 10000, 1e-5f, true)
                        .withMoe(new MoeSpec(64, 8, 2, 1, 56, 1.0, MoeSpec.Gating.SIGMOID, true, 1e-2, 1e-4), 1),
                new TrainConfig(8, 64, 1, 3e-3, 3e-4, 20, 300, 0.1, 0.9, 0.95, 1.0, 0f, 100, 8192, 512)));
        // tiny-mla: tiny's width, heads and layers with multi-head latent attention; queries straight from x (no
        // q latent at this width), a 16-wide c_kv + 8-wide k_pe cached per token: 96 bytes per layer vs tiny's 256.
        add(new Preset("tiny-mla", "tiny with multi-head latent attention: c_kv 16 + k_pe 8 cached per token (tiny: K, V 2x32)",
                new ModelConfig(512, 64, 2, 4, 2, 16, 176, 128, 10000, 1e-5f, true)
                        .withMla(new MlaSpec(64, 4, 0, 16, 16, 8, 16)),
                new TrainConfig(8, 64, 1, 3e-3, 3e-4, 20, 300, 0.1, 0.9, 0.95, 1.0, 0f, 100, 8192, 512)));
        // small: the 30-minute tinyshakespeare result in docs/results.md.
        add(new Preset("small", "6 layers, d=256, GQA 8/4 heads, 1024-token BPE; ~30 minutes on 2 cores",
                new ModelConfig(1024, 256, 6, 8, 4, 32, 704, 256, 10000, 1e-5f, true),
                new TrainConfig(16, 128, 1, 2e-3, 2e-4, 100, 4000, 0.1, 0.9, 0.95, 1.0, 0.1f, 250, 65536, 1024)));
        // small-moe: small's active parameters per token (1 shared + 2 of 16 routed experts of width 232 ~ 704),
        // the first block dense as in DeepSeek-V3 (first_k_dense_replace), sigmoid routing with bias balancing.
        // gamma = 0.01, not DeepSeek-V3's 0.001: their rate suits runs of 10^5+ steps; over our ~10^3 steps 0.001
        // left MaxVio above 3 for the first 350 steps (docs/results.md), i.e. most experts idle for most of the run.
        // Expert dropout 0.4 (ST-MoE's rate) once the text repeats: on a corpus it sees several times its 17 M
        // parameters memorise it through the routed experts; before that, dropout only slows it (docs/results.md).
        add(new Preset("small-moe", "small with DeepSeekMoE: 16 routed experts (2 active) + 1 shared of width 232; same active parameters as small",
                new ModelConfig(1024, 256, 6, 8, 4, 32, 704, 256, 10000, 1e-5f, true)
                        .withMoe(new MoeSpec(256, 16, 2, 1, 232, 1.0, MoeSpec.Gating.SIGMOID, true, 1e-2, 1e-4), 1),
                new TrainConfig(16, 128, 1, 2e-3, 2e-4, 100, 4000, 0.1, 0.9, 0.95, 1.0, 0.1f, 250, 65536, 1024)
                        .withExpertDropout(0.4)));
        // small-mla: small's width, heads and layers with DeepSeek-V3-shaped MLA: q latent 128, c_kv 64 + k_pe 16
        // cached per token (320 bytes per layer; small's GQA caches 1024, full multi-head attention 2048).
        add(new Preset("small-mla", "small with multi-head latent attention: q latent 128, c_kv 64 + k_pe 16 cached per token",
                new ModelConfig(1024, 256, 6, 8, 4, 32, 704, 256, 10000, 1e-5f, true)
                        .withMla(new MlaSpec(256, 8, 128, 64, 32, 16, 32)),
                new TrainConfig(16, 128, 1, 2e-3, 2e-4, 100, 4000, 0.1, 0.9, 0.95, 1.0, 0.1f, 250, 65536, 1024)));
        // small-v3: the three DeepSeek-V3 parts together at small's size: small-moe's experts, small-mla's latent
        // attention and one MTP module (20.5 M parameters, 4.7 M active); exported to GGUF as deepseek2 with its
        // nextn layer.
        add(new Preset("small-v3", "DeepSeek-V3 in miniature: small-moe's experts + small-mla's latent attention + 1 MTP module",
                get("small-moe").model().withMla(get("small-mla").model().mla()).withMtpDepth(1),
                get("small-moe").train()));
    }

    static {
        // Byte-level entropy models for the Byte Latent Transformer's patching (dev.trident.blt): 256 bytes + one
        // boundary token, no merges. blt-entropy is the small-blt pipeline's; tiny-entropy learns in seconds.
        add(new Preset("tiny-entropy", "byte-level entropy model for BLT patching: 1 layer, d=32, context 64 bytes",
                new ModelConfig(257, 32, 1, 2, 1, 16, 88, 64, 10000, 1e-5f, true),
                new TrainConfig(8, 64, 1, 3e-3, 3e-4, 20, 200, 0.1, 0.9, 0.95, 1.0, 0f, 100, 8192, 257)));
        add(new Preset("blt-entropy", "byte-level entropy model for BLT patching: 2 layers, d=64, context 256 bytes",
                new ModelConfig(257, 64, 2, 4, 2, 16, 176, 256, 10000, 1e-5f, true),
                new TrainConfig(16, 256, 1, 3e-3, 3e-4, 50, 1000, 0.1, 0.9, 0.95, 1.0, 0f, 250, 32768, 257)));
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
