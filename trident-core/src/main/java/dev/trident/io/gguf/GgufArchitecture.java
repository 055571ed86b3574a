package dev.trident.io.gguf;

import dev.trident.TridentException;
import dev.trident.model.ModelConfig;

/**
 * The llama.cpp architectures ({@code general.architecture}) Trident maps its models to and from, with what each
 * one's loader expects (checked against the llama.cpp that node-llama-cpp 3.21.1 ships):
 *
 * <pre>
 *   llama      dense GQA, or Mixtral-style experts (softmax gating, top-K renormalized); RoPE on adjacent pairs
 *   glm4moe    GQA + DeepSeekMoE: sigmoid (or softmax) gating with the exp_probs_b selection bias, shared experts,
 *              leading dense blocks, nextn MTP blocks; RoPE on the two halves of each head (NEOX)
 *   deepseek2  MLA + DeepSeekMoE + nextn MTP; RoPE on adjacent pairs of q_pe / k_pe
 *   qwen2moe   GQA with q/k/v biases, softmax experts, one shared expert behind a sigmoid gate; RoPE on halves
 *   qwen3moe   GQA with per-head q/k RMSNorm, softmax experts; RoPE on halves
 * </pre>
 *
 * Trident rotates adjacent pairs; for an architecture that rotates halves the exporter reorders each q/k head's
 * rows (see {@link GgufLayout.HalvesRows}) so that llama.cpp computes the same attention.
 */
public enum GgufArchitecture {
    LLAMA("llama", false),
    GLM4MOE("glm4moe", true),
    DEEPSEEK2("deepseek2", false),
    QWEN2MOE("qwen2moe", true),
    QWEN3MOE("qwen3moe", true);

    private final String ggufName;
    private final boolean ropeHalves;

    GgufArchitecture(String ggufName, boolean ropeHalves) {
        this.ggufName = ggufName;
        this.ropeHalves = ropeHalves;
    }

    /** The {@code general.architecture} string, also the prefix of its metadata keys ("llama.block_count"). */
    public String ggufName() { return ggufName; }

    /** Whether llama.cpp rotates the halves (x[i], x[i + d/2]) of a head (NEOX) rather than adjacent pairs. */
    public boolean ropeHalves() { return ropeHalves; }

    /** The metadata key {@code <arch>.<suffix>}. */
    public String key(String suffix) {
        return ggufName + "." + suffix;
    }

    /**
     * Where a Trident model goes: multi-head latent attention to deepseek2, a mixture of experts with grouped-query
     * attention to glm4moe (the llama.cpp loader with sigmoid gating, the selection bias, shared experts, leading
     * dense blocks and nextn MTP layers), a dense model to llama.
     */
    public static GgufArchitecture forExport(ModelConfig c) {
        if (c.mla() != null) return DEEPSEEK2;
        if (c.moe() != null) return GLM4MOE;
        return LLAMA;
    }

    /** The architecture named by a file's {@code general.architecture}; an unknown one is a one-line error. */
    public static GgufArchitecture of(String name, String file) {
        for (GgufArchitecture a : values()) if (a.ggufName.equals(name)) return a;
        StringBuilder known = new StringBuilder();
        for (GgufArchitecture a : values()) known.append(known.isEmpty() ? "" : ", ").append(a.ggufName);
        throw new TridentException(file + ": architecture '" + name + "' is not supported (Trident reads " + known + ")");
    }
}
