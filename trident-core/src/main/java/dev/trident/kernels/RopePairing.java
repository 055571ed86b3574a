package dev.trident.kernels;

import java.util.Locale;

/**
 * Which coordinates of a head RoPE rotates together. Both rotate pair i by the angle pos * theta^(-2i/d); they
 * differ only in where the pair's two coordinates sit:
 *
 * <ul>
 * <li>{@link #ADJACENT}: (x[2i], x[2i+1]), the original RoFormer / Meta Llama form; GGUF's {@code llama} and
 * {@code deepseek2}, DeepSeek-V3's released weights ("interleaved"). Trident's default.
 * <li>{@link #HALVES}: (x[i], x[i + d/2]), GPT-NeoX's form, what Hugging Face's {@code rotate_half} computes
 * (Llama, Qwen checkpoints on the Hub); GGUF's {@code qwen*} ("NEOX" rope type).
 * </ul>
 *
 * The two are the same model up to a fixed permutation of the query and key rows of each head (see
 * {@link #toAdjacent}), which is how checkpoints are moved between the conventions.
 */
public enum RopePairing {
    ADJACENT, HALVES;

    /** The config.json spelling: "adjacent" or "halves". */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** From the config.json spelling; IllegalArgumentException naming the known values. */
    public static RopePairing fromConfigName(String s) {
        for (RopePairing p : values()) if (p.configName().equals(s)) return p;
        throw new IllegalArgumentException("rope_pairing '" + s + "' is not \"adjacent\" or \"halves\"");
    }

    /**
     * Where coordinate j of a d-wide head stored in this pairing goes in the ADJACENT layout: pair i's first
     * coordinate to 2i, its second to 2i + 1. For HALVES, j = c * d/2 + i (c = 0, 1) goes to 2i + c.
     */
    public int toAdjacent(int j, int d) {
        if (this == ADJACENT) return j;
        int half = d / 2;
        return j < half ? 2 * j : 2 * (j - half) + 1;
    }
}
