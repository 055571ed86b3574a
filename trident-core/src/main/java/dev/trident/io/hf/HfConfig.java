package dev.trident.io.hf;

import dev.trident.TridentException;
import dev.trident.io.json.Json;
import dev.trident.kernels.RopePairing;
import dev.trident.model.ModelConfig;
import dev.trident.model.ModelFiles;
import dev.trident.model.RopeScalingConfig;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;
import dev.trident.quant.WeightFormat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * config.json of a Hugging Face checkpoint to and from a {@link ModelConfig}, per {@link HfArchitecture}. Keys are
 * transformers' (LlamaConfig, Qwen3Config, Qwen3MoeConfig, DeepseekV3Config). Features Trident does not compute
 * (dynamic or LongRoPE scaling, attention or MLP biases, sliding windows, other activations) are refused with a
 * one-line error rather than loaded into a model that would compute something else.
 */
public final class HfConfig {
    /** config.json files are small; larger ones are refused before reading. */
    static final long MAX_BYTES = 4L << 20;

    private HfConfig() {}

    /** Reads config.json as a JSON object (errors name the file). */
    public static Map<String, Object> read(Path file) {
        Object v = Json.read(file, MAX_BYTES);
        if (!(v instanceof Map<?, ?>)) throw new TridentException(file + ": not a model config (the top level is not a JSON object)");
        return Json.asObject(v, "config");
    }

    /** The ModelConfig of a checkpoint of architecture arch; the model's RoPE pairing is the architecture's. */
    public static ModelConfig parse(Path file, Map<String, Object> m, HfArchitecture arch) {
        if (arch == HfArchitecture.TRIDENT) return ModelFiles.parseConfig(file);
        try {
            unsupported(m);
            int dim = Json.asInt(Json.member(m, "hidden_size", "config"), "hidden_size", 1, 1 << 16);
            int heads = Json.asInt(Json.member(m, "num_attention_heads", "config"), "num_attention_heads", 1, 1024);
            int layers = Json.asInt(Json.member(m, "num_hidden_layers", "config"), "num_hidden_layers", 1, 1024);
            Object hd = m.get("head_dim");
            int headDim = hd == null || arch == HfArchitecture.DEEPSEEK_V3 ? dim / heads : Json.asInt(hd, "head_dim", 2, 4096);
            ModelConfig c = new ModelConfig(
                    Json.asInt(Json.member(m, "vocab_size", "config"), "vocab_size", 1, 1 << 22), dim, layers, heads,
                    Json.asInt(m.getOrDefault("num_key_value_heads", (long) heads), "num_key_value_heads", 1, 1024), headDim,
                    Json.asInt(Json.member(m, "intermediate_size", "config"), "intermediate_size", 1, 1 << 20),
                    Json.asInt(m.getOrDefault("max_position_embeddings", 2048L), "max_position_embeddings", 1, 1 << 24),
                    ropeTheta(m), (float) Json.asDouble(m.getOrDefault("rms_norm_eps", 1e-6), "rms_norm_eps"),
                    Json.asBoolean(m.getOrDefault("tie_word_embeddings", false), "tie_word_embeddings"), null, 0,
                    Json.asInt(m.getOrDefault("num_nextn_predict_layers", 0L), "num_nextn_predict_layers", 0, 4));
            c = c.withRopePairing(arch.modelPairing).withRopeScaling(RopeScalingConfig.parse(m, c.maxSeqLen()));
            return switch (arch) {
                case LLAMA -> c;
                case QWEN3 -> c.withQkNorm(true);
                case QWEN3_MOE -> parseQwenMoe(c.withQkNorm(true), m);
                case DEEPSEEK_V3 -> parseDeepseek(c, m);
                case TRIDENT -> throw new AssertionError();
            };
        } catch (TridentException e) {
            throw new TridentException(file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new TridentException(file + ": inconsistent model sizes (" + e.getMessage() + ")", e);
        }
    }

    /** rope_theta, or transformers 5's rope_parameters.rope_theta; 10000 if neither. */
    private static double ropeTheta(Map<String, Object> m) {
        if (m.get("rope_parameters") instanceof Map<?, ?> p && p.get("rope_theta") != null)
            return Json.asDouble(p.get("rope_theta"), "rope_parameters.rope_theta");
        return Json.asDouble(m.getOrDefault("rope_theta", 10000.0), "rope_theta");
    }

    /** Refuses what Trident's layers do not compute. */
    private static void unsupported(Map<String, Object> m) {
        for (String bias : new String[]{"attention_bias", "mlp_bias"})
            if (Boolean.TRUE.equals(m.get(bias))) throw new TridentException(bias + " is true; Trident's layers have no biases");
        Object act = m.getOrDefault("hidden_act", "silu");
        if (!"silu".equals(act)) throw new TridentException("hidden_act " + act + " is not supported (Trident's feed-forward is SwiGLU, silu)");
        if (Boolean.TRUE.equals(m.get("use_sliding_window")))
            throw new TridentException("use_sliding_window is true; Trident attends over the whole context");
    }

    /** Qwen3-MoE: MoE on layer i unless i is in mlp_only_layers or (i + 1) % decoder_sparse_step != 0. */
    private static ModelConfig parseQwenMoe(ModelConfig c, Map<String, Object> m) {
        int experts = Json.asInt(m.getOrDefault("num_experts", 0L), "num_experts", 0, 4096);
        int step = Json.asInt(m.getOrDefault("decoder_sparse_step", 1L), "decoder_sparse_step", 1, 1024);
        List<Object> mlpOnly = m.get("mlp_only_layers") == null ? List.of() : Json.asArray(m.get("mlp_only_layers"), "mlp_only_layers");
        boolean[] isMoe = new boolean[c.layers()];
        for (int i = 0; i < isMoe.length; i++) isMoe[i] = experts > 0 && (i + 1) % step == 0;
        for (Object o : mlpOnly) {
            long i = Json.asLong(o, "mlp_only_layers entry");
            if (i >= 0 && i < isMoe.length) isMoe[(int) i] = false;
        }
        int dense = 0;
        while (dense < isMoe.length && !isMoe[dense]) dense++;
        for (int i = dense; i < isMoe.length; i++)
            if (!isMoe[i]) throw new TridentException("decoder_sparse_step " + step + " and mlp_only_layers " + mlpOnly
                    + " make layer " + i + " dense after a MoE layer; Trident keeps dense layers only before the MoE layers");
        if (dense == isMoe.length) return c; // no MoE layer at all
        int hidden = Json.asInt(Json.member(m, "moe_intermediate_size", "config"), "moe_intermediate_size", 1, 1 << 20);
        MoeSpec moe = new MoeSpec(c.dim(), experts,
                Json.asInt(Json.member(m, "num_experts_per_tok", "config"), "num_experts_per_tok", 1, 4096), 0, hidden, 1.0,
                MoeSpec.Gating.SOFTMAX, Json.asBoolean(m.getOrDefault("norm_topk_prob", false), "norm_topk_prob"), 0, 0);
        return c.withMoe(moe, dense);
    }

    /** DeepSeek-V3: MLA sizes, DeepSeekMoE from first_k_dense_replace on (moe_layer_freq 1). */
    private static ModelConfig parseDeepseek(ModelConfig c, Map<String, Object> m) {
        Object qLora = m.get("q_lora_rank");
        c = c.withMla(new MlaSpec(c.dim(), c.heads(), qLora == null ? 0 : Json.asInt(qLora, "q_lora_rank", 0, 1 << 16),
                Json.asInt(Json.member(m, "kv_lora_rank", "config"), "kv_lora_rank", 1, 1 << 16),
                Json.asInt(Json.member(m, "qk_nope_head_dim", "config"), "qk_nope_head_dim", 1, 4096),
                Json.asInt(Json.member(m, "qk_rope_head_dim", "config"), "qk_rope_head_dim", 2, 4096),
                Json.asInt(Json.member(m, "v_head_dim", "config"), "v_head_dim", 1, 4096)));
        if (m.get("n_routed_experts") == null) return c;
        int dense = Json.asInt(m.getOrDefault("first_k_dense_replace", 0L), "first_k_dense_replace", 0, 1 << 20);
        if (dense >= c.layers()) return c;
        int freq = Json.asInt(m.getOrDefault("moe_layer_freq", 1L), "moe_layer_freq", 1, 1024);
        if (freq != 1) throw new TridentException("moe_layer_freq " + freq + " is not supported; Trident's MoE layers are consecutive");
        String scoring = Json.asString(m.getOrDefault("scoring_func", "sigmoid"), "scoring_func");
        MoeSpec.Gating gating = switch (scoring) {
            case "sigmoid" -> MoeSpec.Gating.SIGMOID;
            case "softmax" -> MoeSpec.Gating.SOFTMAX;
            default -> throw new TridentException("scoring_func " + scoring + " is not sigmoid or softmax");
        };
        boolean normTopK = Json.asBoolean(m.getOrDefault("norm_topk_prob", true), "norm_topk_prob");
        if (gating == MoeSpec.Gating.SIGMOID && !normTopK)
            throw new TridentException("norm_topk_prob false with sigmoid scoring is not supported (Trident normalizes sigmoid gates)");
        int groups = Json.asInt(m.get("n_group") == null ? 1L : m.get("n_group"), "n_group", 1, 4096);
        int topkGroups = Json.asInt(m.get("topk_group") == null ? (long) groups : m.get("topk_group"), "topk_group", 1, 4096);
        MoeSpec moe = new MoeSpec(c.dim(), Json.asInt(m.get("n_routed_experts"), "n_routed_experts", 1, 4096),
                Json.asInt(Json.member(m, "num_experts_per_tok", "config"), "num_experts_per_tok", 1, 4096),
                Json.asInt(m.get("n_shared_experts") == null ? 0L : m.get("n_shared_experts"), "n_shared_experts", 0, 64),
                Json.asInt(Json.member(m, "moe_intermediate_size", "config"), "moe_intermediate_size", 1, 1 << 20),
                Json.asDouble(m.getOrDefault("routed_scaling_factor", 1.0), "routed_scaling_factor"), gating,
                normTopK, Json.asDouble(m.getOrDefault("bias_update_speed", 0.0), "bias_update_speed"),
                Json.asDouble(m.getOrDefault("aux_loss_alpha", 0.0), "aux_loss_alpha"), groups, topkGroups);
        return c.withMoe(moe, dense);
    }

    /** config.json for a model stored in layout arch, its weights in format. */
    public static Map<String, Object> write(ModelConfig c, HfArchitecture arch, WeightFormat format) {
        Map<String, Object> m;
        if (arch == HfArchitecture.TRIDENT) {
            m = ModelFiles.configJson(c);
        } else {
            m = new LinkedHashMap<>();
            m.put("architectures", List.of(arch.className));
            m.put("model_type", arch.modelType);
            m.put("vocab_size", (long) c.vocabSize());
            m.put("hidden_size", (long) c.dim());
            m.put("intermediate_size", (long) c.hiddenDim());
            m.put("num_hidden_layers", (long) c.layers());
            m.put("num_attention_heads", (long) c.heads());
            m.put("num_key_value_heads", (long) c.kvHeads());
            if (arch != HfArchitecture.DEEPSEEK_V3) m.put("head_dim", (long) c.headDim());
            m.put("hidden_act", "silu");
            m.put("max_position_embeddings", (long) c.maxSeqLen());
            m.put("rms_norm_eps", (double) c.normEps());
            m.put("rope_theta", c.ropeTheta());
            m.put("rope_scaling", RopeScalingConfig.json(c.ropeScaling()));
            m.put("attention_bias", false);
            m.put("tie_word_embeddings", c.tiedEmbeddings());
            if (arch == HfArchitecture.LLAMA) m.put("mlp_bias", false);
            if (arch == HfArchitecture.QWEN3 || arch == HfArchitecture.QWEN3_MOE) {
                m.put("use_sliding_window", false);
                m.put("sliding_window", null);
            }
            if (arch == HfArchitecture.QWEN3_MOE) writeQwenMoe(c, m);
            if (arch == HfArchitecture.DEEPSEEK_V3) writeDeepseek(c, m);
            // DeepSeek-V3's key; the other layouts have no MTP, and their loaders ignore the key and the extra layers.
            if (c.mtpDepth() > 0) m.put("num_nextn_predict_layers", (long) c.mtpDepth());
        }
        m.put("torch_dtype", switch (format.name()) {
            case "F32" -> "float32";
            case "F16" -> "float16";
            default -> "bfloat16";
        });
        if (format == WeightFormat.FP8_BLOCK) m.put("quantization_config", HfWeights.quantizationConfig(c, arch));
        return m;
    }

    private static void writeQwenMoe(ModelConfig c, Map<String, Object> m) {
        MoeSpec moe = c.moe();
        List<Object> dense = new ArrayList<>();
        for (int i = 0; i < c.denseLayers(); i++) dense.add((long) i);
        m.put("num_experts", (long) moe.routedExperts());
        m.put("num_experts_per_tok", (long) moe.activeExperts());
        m.put("moe_intermediate_size", (long) moe.expertHidden());
        m.put("norm_topk_prob", moe.normalizeTopK());
        m.put("decoder_sparse_step", 1L);
        m.put("mlp_only_layers", dense);
        m.put("output_router_logits", false);
    }

    private static void writeDeepseek(ModelConfig c, Map<String, Object> m) {
        MlaSpec mla = c.mla();
        m.put("q_lora_rank", mla.qLoraRank() == 0 ? null : (Object) (long) mla.qLoraRank());
        m.put("kv_lora_rank", (long) mla.kvLoraRank());
        m.put("qk_nope_head_dim", (long) mla.qkNopeDim());
        m.put("qk_rope_head_dim", (long) mla.qkRopeDim());
        m.put("v_head_dim", (long) mla.vHeadDim());
        m.put("rope_interleave", true); // transformers: q_pe / k_pe rows are stored in adjacent pairs
        MoeSpec moe = c.moe();
        if (moe == null) {
            // Every layer dense (MTP layers included): DeepseekV3Config still wants the MoE sizes.
            m.put("n_routed_experts", 1L);
            m.put("num_experts_per_tok", 1L);
            m.put("n_shared_experts", 1L);
            m.put("moe_intermediate_size", (long) c.hiddenDim());
            m.put("first_k_dense_replace", (long) (c.layers() + c.mtpDepth()));
            m.put("n_group", 1L);
            m.put("topk_group", 1L);
        } else {
            m.put("n_routed_experts", (long) moe.routedExperts());
            m.put("num_experts_per_tok", (long) moe.activeExperts());
            m.put("n_shared_experts", (long) moe.sharedExperts());
            m.put("moe_intermediate_size", (long) moe.expertHidden());
            m.put("first_k_dense_replace", (long) c.denseLayers());
            m.put("routed_scaling_factor", moe.routedScale());
            m.put("norm_topk_prob", moe.normalizeTopK());
            m.put("n_group", (long) moe.groups());
            m.put("topk_group", (long) moe.topkGroups());
            m.put("aux_loss_alpha", moe.balanceAlpha()); // DeepSeek's own config has it; transformers ignores it
            m.put("seq_aux", true);
            m.put("bias_update_speed", moe.biasUpdateRate()); // Trident's, for training on
        }
        m.put("moe_layer_freq", 1L);
        m.put("scoring_func", moe != null && moe.gating() == MoeSpec.Gating.SOFTMAX ? "softmax" : "sigmoid");
        m.put("topk_method", "noaux_tc");
    }

    /** The file pairing arch stores a model of config c in. */
    static RopePairing filePairing(HfArchitecture arch, ModelConfig c) {
        return arch.filePairing == null ? c.ropePairing() : arch.filePairing;
    }
}
