package dev.trident.model;

import dev.trident.TridentException;
import dev.trident.io.AtomicFile;
import dev.trident.io.json.Json;
import dev.trident.io.safetensors.Safetensors;
import dev.trident.kernels.RopePairing;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;
import dev.trident.nn.Parameters.Parameter;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model directory as Trident writes it: config.json (Hugging Face Llama keys), tokenizer.json and
 * model.safetensors with Hugging Face tensor names. The weights are in the model's own RoPE pairing, recorded as
 * "rope_pairing" ("adjacent", the GGUF `llama` convention and the default, or "halves") in config.json; its
 * presence is what tells a Trident directory from a Hugging Face checkpoint (see io/hf).
 */
public final class ModelFiles {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String TOKENIZER = "tokenizer.json";

    private ModelFiles() {}

    public static Map<String, Object> configJson(ModelConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", List.of("LlamaForCausalLM"));
        m.put("model_type", "llama");
        m.put("vocab_size", (long) c.vocabSize());
        m.put("hidden_size", (long) c.dim());
        m.put("num_hidden_layers", (long) c.layers());
        m.put("num_attention_heads", (long) c.heads());
        m.put("num_key_value_heads", (long) c.kvHeads());
        m.put("head_dim", (long) c.headDim());
        m.put("intermediate_size", (long) c.hiddenDim());
        m.put("max_position_embeddings", (long) c.maxSeqLen());
        m.put("rope_theta", c.ropeTheta());
        m.put("rms_norm_eps", (double) c.normEps());
        m.put("tie_word_embeddings", c.tiedEmbeddings());
        m.put("rope_pairing", c.ropePairing().configName());
        if (c.qkNorm()) m.put("use_qk_norm", true); // GLM-4.5's key; Qwen3 has q_norm / k_norm always
        if (c.mtpDepth() > 0) m.put("num_nextn_predict_layers", (long) c.mtpDepth()); // DeepSeek-V3's key
        if (c.moe() != null) {
            // DeepSeek-V3's config.json keys for the mixture of experts.
            MoeSpec moe = c.moe();
            m.put("architectures", List.of("TridentMoeForCausalLM"));
            m.put("model_type", "trident_moe");
            m.put("n_routed_experts", (long) moe.routedExperts());
            m.put("num_experts_per_tok", (long) moe.activeExperts());
            m.put("n_shared_experts", (long) moe.sharedExperts());
            m.put("moe_intermediate_size", (long) moe.expertHidden());
            m.put("first_k_dense_replace", (long) c.denseLayers());
            m.put("routed_scaling_factor", moe.routedScale());
            m.put("scoring_func", moe.gating() == MoeSpec.Gating.SIGMOID ? "sigmoid" : "softmax");
            m.put("norm_topk_prob", moe.normalizeTopK());
            m.put("topk_method", "noaux_tc");
            m.put("n_group", (long) moe.groups());
            m.put("topk_group", (long) moe.topkGroups());
            m.put("bias_update_speed", moe.biasUpdateRate());
            m.put("aux_loss_alpha", moe.balanceAlpha());
        }
        if (c.mla() != null) {
            // DeepSeek-V3's config.json keys for multi-head latent attention; q_lora_rank null = no query latent.
            MlaSpec mla = c.mla();
            m.put("architectures", List.of(c.moe() == null ? "TridentMlaForCausalLM" : "TridentDeepseekForCausalLM"));
            m.put("model_type", c.moe() == null ? "trident_mla" : "trident_deepseek");
            m.put("q_lora_rank", mla.qLoraRank() == 0 ? null : (Object) (long) mla.qLoraRank());
            m.put("kv_lora_rank", (long) mla.kvLoraRank());
            m.put("qk_nope_head_dim", (long) mla.qkNopeDim());
            m.put("qk_rope_head_dim", (long) mla.qkRopeDim());
            m.put("v_head_dim", (long) mla.vHeadDim());
        }
        m.put("torch_dtype", "float32");
        return m;
    }

    public static ModelConfig parseConfig(Path file) {
        Map<String, Object> m;
        try {
            m = Json.asObject(Json.read(file, 1 << 20), "config");
        } catch (TridentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new TridentException(file + ": not a valid model config (" + e.getMessage() + ")", e);
        }
        try {
            int dim = Json.asInt(m.get("hidden_size"), "hidden_size", 1, 1 << 16);
            int heads = Json.asInt(m.get("num_attention_heads"), "num_attention_heads", 1, 1024);
            Object hd = m.get("head_dim");
            MoeSpec moe = null;
            int dense = 0;
            if (m.containsKey("n_routed_experts")) {
                String scoring = Json.asString(m.getOrDefault("scoring_func", "sigmoid"), "scoring_func");
                moe = new MoeSpec(dim,
                        Json.asInt(m.get("n_routed_experts"), "n_routed_experts", 1, 4096),
                        Json.asInt(m.get("num_experts_per_tok"), "num_experts_per_tok", 1, 4096),
                        Json.asInt(m.getOrDefault("n_shared_experts", 0L), "n_shared_experts", 0, 64),
                        Json.asInt(m.get("moe_intermediate_size"), "moe_intermediate_size", 1, 1 << 20),
                        Json.asDouble(m.getOrDefault("routed_scaling_factor", 1.0), "routed_scaling_factor"),
                        switch (scoring) {
                            case "sigmoid" -> MoeSpec.Gating.SIGMOID;
                            case "softmax" -> MoeSpec.Gating.SOFTMAX;
                            default -> throw new TridentException("scoring_func '" + scoring + "' is not sigmoid or softmax");
                        },
                        Json.asBoolean(m.getOrDefault("norm_topk_prob", true), "norm_topk_prob"),
                        Json.asDouble(m.getOrDefault("bias_update_speed", 0.0), "bias_update_speed"),
                        Json.asDouble(m.getOrDefault("aux_loss_alpha", 0.0), "aux_loss_alpha"),
                        Json.asInt(m.getOrDefault("n_group", 1L), "n_group", 1, 4096),
                        Json.asInt(m.getOrDefault("topk_group", 1L), "topk_group", 1, 4096));
                dense = Json.asInt(m.getOrDefault("first_k_dense_replace", 0L), "first_k_dense_replace", 0, 4096);
            }
            if (!m.containsKey("rope_pairing"))
                throw new TridentException("has no \"rope_pairing\", so it is not a Trident model directory; a Hugging Face "
                        + "checkpoint loads through io/hf (HfCheckpoint), which converts its RoPE convention");
            RopePairing pairing;
            try {
                pairing = RopePairing.fromConfigName(Json.asString(m.get("rope_pairing"), "rope_pairing"));
            } catch (IllegalArgumentException e) {
                throw new TridentException(e.getMessage());
            }
            boolean qkNorm = Json.asBoolean(m.getOrDefault("use_qk_norm", false), "use_qk_norm");
            ModelConfig config = new ModelConfig(
                    Json.asInt(m.get("vocab_size"), "vocab_size", 1, 1 << 22), dim,
                    Json.asInt(m.get("num_hidden_layers"), "num_hidden_layers", 1, 1024), heads,
                    Json.asInt(m.getOrDefault("num_key_value_heads", (long) heads), "num_key_value_heads", 1, 1024),
                    hd == null ? dim / heads : Json.asInt(hd, "head_dim", 2, 4096),
                    Json.asInt(m.get("intermediate_size"), "intermediate_size", 1, 1 << 20),
                    Json.asInt(m.get("max_position_embeddings"), "max_position_embeddings", 1, 1 << 24),
                    Json.asDouble(m.getOrDefault("rope_theta", 10000.0), "rope_theta"),
                    (float) Json.asDouble(m.getOrDefault("rms_norm_eps", 1e-5), "rms_norm_eps"),
                    Json.asBoolean(m.getOrDefault("tie_word_embeddings", false), "tie_word_embeddings"), moe, dense,
                    Json.asInt(m.getOrDefault("num_nextn_predict_layers", 0L), "num_nextn_predict_layers", 0, 4))
                    .withRopePairing(pairing).withQkNorm(qkNorm);
            if (!m.containsKey("kv_lora_rank")) return config;
            Object qLora = m.get("q_lora_rank");
            return config.withMla(new MlaSpec(dim, heads,
                    qLora == null ? 0 : Json.asInt(qLora, "q_lora_rank", 0, 1 << 16),
                    Json.asInt(m.get("kv_lora_rank"), "kv_lora_rank", 1, 1 << 16),
                    Json.asInt(m.get("qk_nope_head_dim"), "qk_nope_head_dim", 1, 4096),
                    Json.asInt(m.get("qk_rope_head_dim"), "qk_rope_head_dim", 2, 4096),
                    Json.asInt(m.get("v_head_dim"), "v_head_dim", 1, 4096)));
        } catch (TridentException e) {
            throw new TridentException(file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new TridentException(file + ": inconsistent model sizes (" + e.getMessage() + ")", e);
        }
    }

    /** Writes config.json and model.safetensors (each atomically). */
    public static void saveWeights(Path dir, Transformer model) {
        AtomicFile.write(dir.resolve(CONFIG), Json.writePretty(configJson(model.config)).getBytes(StandardCharsets.UTF_8));
        List<Safetensors.Entry> entries = new ArrayList<>();
        for (Parameter p : model.params.all()) entries.add(new Safetensors.Entry(p.name(), p.tensor().shape(), p.tensor().data));
        Safetensors.writeF32(dir.resolve(WEIGHTS), entries, Map.of("format", "pt", "producer", "trident"));
    }

    /** Copies weights by name into a freshly built model, checking every name and shape. */
    public static void loadWeights(Path file, Transformer model) {
        Map<String, Safetensors.Entry> tensors = Safetensors.readF32(file);
        for (Parameter p : model.params.all()) {
            Safetensors.Entry e = tensors.get(p.name());
            if (e == null) throw new TridentException(file + ": tensor " + p.name() + " is missing; the file does not match config.json");
            if (!java.util.Arrays.equals(e.shape(), p.tensor().shape()))
                throw new TridentException(file + ": tensor " + p.name() + " has shape " + java.util.Arrays.toString(e.shape())
                        + " but config.json needs " + java.util.Arrays.toString(p.tensor().shape()));
            System.arraycopy(e.values(), 0, p.tensor().data, 0, p.tensor().size());
        }
    }

    public static boolean looksLikeModelDir(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG)) && Files.isRegularFile(dir.resolve(WEIGHTS));
    }
}
