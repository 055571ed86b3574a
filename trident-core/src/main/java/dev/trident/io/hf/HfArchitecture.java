package dev.trident.io.hf;

import dev.trident.kernels.RopePairing;
import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.nn.MixtureOfExperts;
import dev.trident.nn.MoeSpec;

import java.util.List;
import java.util.Map;

/**
 * The checkpoint layouts Trident reads and writes: three of Hugging Face's, named by config.json's
 * "architectures", and Trident's own model directory. Tensor names are the same in all of them (Trident names its
 * parameters as Hugging Face does); what differs is config.json and the RoPE convention of the stored q/k weights.
 */
public enum HfArchitecture {
    /** Dense Llama: GQA, SwiGLU, rotate_half RoPE; loaded into adjacent pairs (llama.cpp's permutation). */
    LLAMA("LlamaForCausalLM", "llama", RopePairing.HALVES, RopePairing.ADJACENT),
    /** Dense Qwen3: Llama plus QK-norm; kept in halves, as GGUF's qwen3 keeps it. */
    QWEN3("Qwen3ForCausalLM", "qwen3", RopePairing.HALVES, RopePairing.HALVES),
    /** Qwen3-MoE: QK-norm, softmax top-k routing (norm_topk_prob), no shared experts. */
    QWEN3_MOE("Qwen3MoeForCausalLM", "qwen3_moe", RopePairing.HALVES, RopePairing.HALVES),
    /** DeepSeek-V3: MLA, DeepSeekMoE (sigmoid + selection bias, groups, shared experts), MTP layers, FP8 blocks. */
    DEEPSEEK_V3("DeepseekV3ForCausalLM", "deepseek_v3", RopePairing.ADJACENT, RopePairing.ADJACENT),
    /** A Trident model directory (config.json carries "rope_pairing"): weights in the model's own pairing. */
    TRIDENT(null, null, null, null);

    /** config.json's architectures[0] and model_type (null for TRIDENT, whose names depend on the model). */
    public final String className, modelType;
    /** The RoPE pairing of q/k rows in the files (null: the model's own). */
    public final RopePairing filePairing;
    /** The pairing a loaded model uses (null: the model's own). */
    public final RopePairing modelPairing;

    HfArchitecture(String className, String modelType, RopePairing filePairing, RopePairing modelPairing) {
        this.className = className;
        this.modelType = modelType;
        this.filePairing = filePairing;
        this.modelPairing = modelPairing;
    }

    /** The layout a config.json describes, or null if Trident does not know it. */
    public static HfArchitecture detect(Map<String, Object> config) {
        if (config.containsKey("rope_pairing")) return TRIDENT;
        if (config.get("architectures") instanceof List<?> l && !l.isEmpty())
            for (HfArchitecture a : values()) if (a.className != null && a.className.equals(l.getFirst())) return a;
        for (HfArchitecture a : values()) if (a.modelType != null && a.modelType.equals(config.get("model_type"))) return a;
        return null;
    }

    /** "LlamaForCausalLM, Qwen3ForCausalLM, ..." for error messages. */
    public static String known() {
        StringBuilder b = new StringBuilder();
        for (HfArchitecture a : values()) if (a.className != null) b.append(b.isEmpty() ? "" : ", ").append(a.className);
        return b.toString();
    }

    /**
     * The Hugging Face layout that represents this model exactly, or TRIDENT when none does: grouped-query attention
     * with DeepSeekMoE (sigmoid gating, shared experts, a selection bias), or MLA with softmax gating or without
     * shared experts, have no Hugging Face architecture of these three.
     */
    public static HfArchitecture forModel(Transformer t) {
        ModelConfig c = t.config;
        MoeSpec moe = c.moe();
        if (c.mla() != null)
            return moe == null || (moe.gating() == MoeSpec.Gating.SIGMOID && moe.sharedExperts() > 0) ? DEEPSEEK_V3 : TRIDENT;
        if (moe == null) return c.qkNorm() ? QWEN3 : LLAMA;
        boolean qwen = c.qkNorm() && moe.gating() == MoeSpec.Gating.SOFTMAX && moe.sharedExperts() == 0
                && moe.routedScale() == 1.0 && moe.groups() == 1;
        for (MixtureOfExperts m : t.moeLayers(true))
            for (float b : m.router.bias.data) qwen &= b == 0; // Qwen3-MoE has no selection bias to store
        return qwen ? QWEN3_MOE : TRIDENT;
    }
}
