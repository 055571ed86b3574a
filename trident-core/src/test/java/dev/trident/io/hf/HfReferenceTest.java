package dev.trident.io.hf;

import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.infer.Decoder;
import dev.trident.infer.KvCache;
import dev.trident.io.safetensors.SafetensorsCheckpoint;
import dev.trident.io.safetensors.SafetensorsDType;
import dev.trident.quant.WeightFormat;
import dev.trident.kernels.RopePairing;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints written the way Hugging Face stores them (config.json in transformers' keys, Llama and Qwen q/k rows in
 * rotate_half order, DeepSeek-V3's in adjacent pairs with FP8 blocks), loaded by {@link HfCheckpoint}: Trident's
 * logits, from the training forward and from the decoder, must equal {@link HfReference}'s, which computes them from
 * the tensors the way transformers and DeepSeek's model.py do.
 */
class HfReferenceTest {
    private static final int VOCAB = 300, SEQ = 11;
    @TempDir
    Path dir;

    @Test
    void llamaWithRotateHalfWeights() {
        int d = 32, layers = 2, h = 4, g = 2, hd = 8, hidden = 40;
        HfTestFiles f = new HfTestFiles(1);
        var bf = SafetensorsDType.BF16;
        f.put("model.embed_tokens.weight", 0, 1, bf, VOCAB, d);
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            f.put(p + "input_layernorm.weight", 1, 0.2, bf, d);
            f.put(p + "self_attn.q_proj.weight", 0, 0.3, bf, h * hd, d);
            f.put(p + "self_attn.k_proj.weight", 0, 0.3, bf, g * hd, d);
            f.put(p + "self_attn.v_proj.weight", 0, 0.3, bf, g * hd, d);
            f.put(p + "self_attn.o_proj.weight", 0, 0.3, bf, d, h * hd);
            f.put(p + "post_attention_layernorm.weight", 1, 0.2, bf, d);
            f.put(p + "mlp.gate_proj.weight", 0, 0.3, bf, hidden, d);
            f.put(p + "mlp.up_proj.weight", 0, 0.3, bf, hidden, d);
            f.put(p + "mlp.down_proj.weight", 0, 0.3, bf, d, hidden);
        }
        f.put("model.layers.0.self_attn.rotary_emb.inv_freq", 0, 1, SafetensorsDType.F32, hd / 2); // old checkpoints have these
        f.put("model.norm.weight", 1, 0.2, bf, d);
        f.put("lm_head.weight", 0, 0.3, bf, VOCAB, d);
        Map<String, Object> config = config("LlamaForCausalLM", "llama", d, layers, h, g, hidden, false);
        config.put("head_dim", (long) hd);
        config.put("rope_theta", 500000.0);
        config.put("rope_scaling", Map.of("rope_type", "llama3", "factor", 8.0, "low_freq_factor", 1.0, "high_freq_factor", 4.0,
                "original_max_position_embeddings", 16L)); // Llama 3.1's scaling, with a context small enough to matter here
        config.put("torch_dtype", "bfloat16");
        f.write(dir, config, Long.MAX_VALUE);

        Model m = HfCheckpoint.load(dir);
        assertEquals(RopePairing.ADJACENT, m.config().ropePairing(), "Llama is loaded into adjacent pairs");
        var ref = new HfReference(f.values, new HfReference.Cfg(HfReference.Kind.LLAMA, VOCAB, d, layers, h, g, hd, hidden,
                500000, 1e-5, false, 0, 0, 0, 0, false, 1, 1, 1, 0, 0, 0, 0, 0, 0,
                new HfReference.Scaling("llama3", 8, 16, 1, 4, 0, 0, 0, 0)));
        compare(m, ref.logits(tokens()), "llama");
        resaved(m, WeightFormat.BF16, f, HfArchitecture.LLAMA); // HF -> Trident -> HF: the same tensors
    }

    /** Saves the loaded model again and checks every tensor of the original folder comes back with the same values. */
    private void resaved(Model m, WeightFormat format, HfTestFiles original, HfArchitecture arch) {
        Path again = dir.resolve("again");
        assertEquals(arch, HfCheckpoint.save(m, again, format));
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(again)) {
            for (var e : original.values.entrySet()) {
                if (e.getKey().endsWith("inv_freq")) continue; // Trident recomputes RoPE tables
                assertArrayEquals(e.getValue(), c.tensor(e.getKey()).toFloats(), e.getKey());
            }
            assertEquals(original.values.size() - (arch == HfArchitecture.LLAMA ? 1 : 0), c.tensors().size());
        }
    }

    @Test
    void qwen3MoeWithQkNormSoftmaxRoutingAndADenseLayer() {
        int d = 32, layers = 3, h = 4, g = 2, hd = 12, hidden = 48, experts = 6, moeHidden = 16;
        HfTestFiles f = new HfTestFiles(2);
        var f32 = SafetensorsDType.F32;
        f.put("model.embed_tokens.weight", 0, 1, f32, VOCAB, d);
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            f.put(p + "input_layernorm.weight", 1, 0.2, f32, d);
            f.put(p + "self_attn.q_proj.weight", 0, 0.3, f32, h * hd, d);
            f.put(p + "self_attn.k_proj.weight", 0, 0.3, f32, g * hd, d);
            f.put(p + "self_attn.v_proj.weight", 0, 0.3, f32, g * hd, d);
            f.put(p + "self_attn.o_proj.weight", 0, 0.3, f32, d, h * hd);
            f.put(p + "self_attn.q_norm.weight", 1, 0.3, f32, hd);
            f.put(p + "self_attn.k_norm.weight", 1, 0.3, f32, hd);
            f.put(p + "post_attention_layernorm.weight", 1, 0.2, f32, d);
            if (l == 0) {
                f.put(p + "mlp.gate_proj.weight", 0, 0.3, f32, hidden, d);
                f.put(p + "mlp.up_proj.weight", 0, 0.3, f32, hidden, d);
                f.put(p + "mlp.down_proj.weight", 0, 0.3, f32, d, hidden);
            } else {
                f.put(p + "mlp.gate.weight", 0, 0.5, f32, experts, d);
                for (int e = 0; e < experts; e++) {
                    f.put(p + "mlp.experts." + e + ".gate_proj.weight", 0, 0.3, f32, moeHidden, d);
                    f.put(p + "mlp.experts." + e + ".up_proj.weight", 0, 0.3, f32, moeHidden, d);
                    f.put(p + "mlp.experts." + e + ".down_proj.weight", 0, 0.3, f32, d, moeHidden);
                }
            }
        }
        f.put("model.norm.weight", 1, 0.2, f32, d);
        Map<String, Object> config = config("Qwen3MoeForCausalLM", "qwen3_moe", d, layers, h, g, hidden, true);
        config.put("head_dim", (long) hd);
        config.put("num_experts", (long) experts);
        config.put("num_experts_per_tok", 2L);
        config.put("moe_intermediate_size", (long) moeHidden);
        config.put("norm_topk_prob", true);
        config.put("decoder_sparse_step", 1L);
        config.put("mlp_only_layers", List.of(0L));
        config.put("rope_theta", 1000000.0);
        config.put("use_sliding_window", false);
        config.put("rope_scaling", Map.of("rope_type", "yarn", "factor", 4.0, "original_max_position_embeddings", 8L)); // Qwen's long-context YaRN
        f.write(dir, config, 20_000); // sharded

        Model m = HfCheckpoint.load(dir);
        ModelConfig c = m.config();
        assertTrue(c.qkNorm() && c.ropePairing() == RopePairing.HALVES && c.denseLayers() == 1 && c.moe().routedExperts() == 6, c.toString());
        var ref = new HfReference(f.values, new HfReference.Cfg(HfReference.Kind.QWEN3_MOE, VOCAB, d, layers, h, g, hd, hidden,
                1000000, 1e-5, true, experts, 2, moeHidden, 0, true, 1, 1, 1, 1, 0, 0, 0, 0, 0,
                new HfReference.Scaling("yarn", 4, 8, 0, 0, 32, 1, 0, 0)));
        compare(m, ref.logits(tokens()), "qwen3-moe");
        resaved(m, WeightFormat.F32, f, HfArchitecture.QWEN3_MOE);
    }

    @Test
    void deepseekV3WithFp8BlocksGroupedRoutingAndMtp() {
        int d = 32, layers = 2, h = 4, qLora = 24, kvLora = 16, nope = 8, rope = 4, v = 6, hidden = 40, experts = 8, moeHidden = 12;
        HfTestFiles f = new HfTestFiles(3);
        f.block = new int[]{8, 16}; // several blocks per matrix at these sizes, edge blocks partial
        var bf = SafetensorsDType.BF16;
        f.put("model.embed_tokens.weight", 0, 1, bf, VOCAB, d);
        for (int l = 0; l <= layers; l++) { // layer 2 is the MTP module
            String p = "model.layers." + l + ".";
            if (l == layers) {
                f.copy("model.embed_tokens.weight", p + "embed_tokens.weight");
                f.put(p + "enorm.weight", 1, 0.2, bf, d);
                f.put(p + "hnorm.weight", 1, 0.2, bf, d);
                f.put(p + "eh_proj.weight", 0, 0.2, bf, d, 2 * d);
            }
            f.put(p + "input_layernorm.weight", 1, 0.2, bf, d);
            f.putFp8(p + "self_attn.q_a_proj.weight", qLora, d);
            f.put(p + "self_attn.q_a_layernorm.weight", 1, 0.2, bf, qLora);
            f.putFp8(p + "self_attn.q_b_proj.weight", h * (nope + rope), qLora);
            f.putFp8(p + "self_attn.kv_a_proj_with_mqa.weight", kvLora + rope, d);
            f.put(p + "self_attn.kv_a_layernorm.weight", 1, 0.2, bf, kvLora);
            f.putFp8(p + "self_attn.kv_b_proj.weight", h * (nope + v), kvLora);
            f.putFp8(p + "self_attn.o_proj.weight", d, h * v);
            f.put(p + "post_attention_layernorm.weight", 1, 0.2, bf, d);
            if (l == 0) {
                f.putFp8(p + "mlp.gate_proj.weight", hidden, d);
                f.putFp8(p + "mlp.up_proj.weight", hidden, d);
                f.putFp8(p + "mlp.down_proj.weight", d, hidden);
            } else {
                f.put(p + "mlp.gate.weight", 0, 0.5, bf, experts, d);
                f.put(p + "mlp.gate.e_score_correction_bias", 0, 0.1, SafetensorsDType.F32, experts);
                for (int e = 0; e < experts; e++) {
                    f.putFp8(p + "mlp.experts." + e + ".gate_proj.weight", moeHidden, d);
                    f.putFp8(p + "mlp.experts." + e + ".up_proj.weight", moeHidden, d);
                    f.putFp8(p + "mlp.experts." + e + ".down_proj.weight", d, moeHidden);
                }
                f.putFp8(p + "mlp.shared_experts.gate_proj.weight", moeHidden, d);
                f.putFp8(p + "mlp.shared_experts.up_proj.weight", moeHidden, d);
                f.putFp8(p + "mlp.shared_experts.down_proj.weight", d, moeHidden);
            }
            if (l == layers) {
                f.put(p + "shared_head.norm.weight", 1, 0.2, bf, d);
                f.put("lm_head.weight", 0, 0.3, bf, VOCAB, d);
                f.copy("lm_head.weight", p + "shared_head.head.weight");
            }
        }
        f.put("model.norm.weight", 1, 0.2, bf, d);
        Map<String, Object> config = config("DeepseekV3ForCausalLM", "deepseek_v3", d, layers, h, h, hidden, false);
        config.putAll(Map.of("q_lora_rank", (long) qLora, "kv_lora_rank", (long) kvLora, "qk_nope_head_dim", (long) nope,
                "qk_rope_head_dim", (long) rope, "v_head_dim", (long) v, "n_routed_experts", (long) experts,
                "num_experts_per_tok", 2L, "n_shared_experts", 1L, "moe_intermediate_size", (long) moeHidden,
                "first_k_dense_replace", 1L));
        config.putAll(Map.of("n_group", 4L, "topk_group", 2L, "routed_scaling_factor", 2.5, "norm_topk_prob", true,
                "scoring_func", "sigmoid", "topk_method", "noaux_tc", "num_nextn_predict_layers", 1L, "moe_layer_freq", 1L,
                "head_dim", (long) rope));
        // DeepSeek-V3's YaRN (its own numbers but an original context of 8): MLA's softmax scale gets mscale^2.
        config.put("rope_scaling", Map.of("type", "yarn", "factor", 40.0, "original_max_position_embeddings", 8L, "beta_fast", 32L,
                "beta_slow", 1L, "mscale", 1.0, "mscale_all_dim", 1.0));
        config.put("quantization_config", Map.of("activation_scheme", "dynamic", "fmt", "e4m3", "quant_method", "fp8",
                "weight_block_size", List.of(8L, 16L)));
        f.write(dir, config, Long.MAX_VALUE);

        Model m = HfCheckpoint.load(dir);
        ModelConfig c = m.config();
        assertTrue(c.mla() != null && c.moe().groups() == 4 && c.mtpDepth() == 1 && c.ropePairing() == RopePairing.ADJACENT, c.toString());
        var ref = new HfReference(f.values, new HfReference.Cfg(HfReference.Kind.DEEPSEEK_V3, VOCAB, d, layers, h, h, nope + rope,
                hidden, 10000, 1e-5, false, experts, 2, moeHidden, 1, true, 2.5, 4, 2, 1, qLora, kvLora, nope, rope, v,
                new HfReference.Scaling("yarn", 40, 8, 0, 0, 32, 1, 1, 1)));
        int[] tokens = tokens();
        compare(m, ref.logits(tokens), "deepseek-v3");
        resaved(m, WeightFormat.F32, f, HfArchitecture.DEEPSEEK_V3); // the FP8 weights come back dequantized

        // The MTP module: h' = eh_proj [enorm(emb(t_{i+1})) ; hnorm(h_i)], h_i the main model's normed output.
        var mainOut = new HfReference(f.values, new HfReference.Cfg(HfReference.Kind.DEEPSEEK_V3, VOCAB, d, layers, h, h, nope + rope,
                hidden, 10000, 1e-5, false, experts, 2, moeHidden, 1, true, 2.5, 4, 2, 1, qLora, kvLora, nope, rope, v,
                new HfReference.Scaling("yarn", 40, 8, 0, 0, 32, 1, 1, 1)));
        double[][] residual = mainOut.residual(tokens);
        double[][] normed = new double[SEQ][d];
        float[] gain = f.values.get("model.norm.weight");
        for (int t = 0; t < SEQ; t++) {
            double ss = 0;
            for (double x : residual[t]) ss += x * x;
            for (int j = 0; j < d; j++) normed[t][j] = residual[t][j] / Math.sqrt(ss / d + 1e-5) * gain[j];
        }
        double[][] want = ref.mtpLogits(tokens, normed);
        Tape tape = new Tape();
        tape.setRecording(false);
        var t = m.transformer();
        Tensor h0 = t.hidden(tape, Arrays.copyOf(tokens, SEQ), 1, SEQ, 0f, 0);
        var module = t.mtp.modules[0];
        int[] next = Arrays.copyOfRange(tokens, 1, SEQ + 1);
        Tensor h1 = module.forward(tape, Ops.embedding(tape, t.embedding, next), h0, 1, SEQ, 0f, 0);
        float[] got = Ops.linear(tape, module.finalNorm.forward(tape, h1), t.head).data;
        assertClose(want, got, "deepseek-v3 MTP");
    }

    /** Token ids 0..VOCAB-1 (SEQ + 1 of them: the MTP check reads one ahead). */
    private static int[] tokens() {
        return new Random(9).ints(SEQ + 1, 0, VOCAB).toArray();
    }

    private static Map<String, Object> config(String arch, String type, int d, int layers, int h, int g, int hidden, boolean tied) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", List.of(arch));
        m.put("model_type", type);
        m.put("vocab_size", (long) VOCAB);
        m.put("hidden_size", (long) d);
        m.put("intermediate_size", (long) hidden);
        m.put("num_hidden_layers", (long) layers);
        m.put("num_attention_heads", (long) h);
        m.put("num_key_value_heads", (long) g);
        m.put("hidden_act", "silu");
        m.put("max_position_embeddings", 64L);
        m.put("rms_norm_eps", 1e-5);
        m.put("tie_word_embeddings", tied);
        m.put("attention_bias", false);
        return m;
    }

    /** Training forward and decoder (one token at a time) against the reference logits of the first SEQ tokens. */
    private static void compare(Model m, double[][] want, String what) {
        int[] tokens = Arrays.copyOf(tokens(), SEQ);
        Tape tape = new Tape();
        tape.setRecording(false);
        float[] forward = m.transformer().logits(tape, tokens, 1, SEQ).data;
        assertClose(Arrays.copyOf(want, SEQ), Arrays.copyOf(forward, SEQ * VOCAB), what + " training forward");
        Decoder decoder = new Decoder(m.transformer(), 4);
        KvCache cache = decoder.newCache();
        float[] decoded = new float[SEQ * VOCAB];
        for (int i = 0; i < SEQ; i++) System.arraycopy(decoder.forward(cache, new int[]{tokens[i]}, 1), 0, decoded, i * VOCAB, VOCAB);
        assertClose(Arrays.copyOf(want, SEQ), decoded, what + " decoder");
    }

    private static void assertClose(double[][] want, float[] got, String what) {
        double scale = 0, worst = 0;
        for (int t = 0; t < want.length; t++)
            for (int j = 0; j < VOCAB; j++) {
                scale = Math.max(scale, Math.abs(want[t][j]));
                worst = Math.max(worst, Math.abs(want[t][j] - got[t * VOCAB + j]));
            }
        assertTrue(scale > 1, what + ": logits too small to tell anything: " + scale);
        assertTrue(worst < 2e-5 * scale, what + ": differs from the reference by " + worst + " (logit scale " + scale + ")");
    }
}
