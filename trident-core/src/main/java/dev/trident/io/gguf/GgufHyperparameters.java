package dev.trident.io.gguf;

import dev.trident.TridentException;
import dev.trident.kernels.RopePairing;
import dev.trident.model.ModelConfig;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;

/**
 * A model's sizes as {@code <arch>.*} metadata keys, written the way llama.cpp's loader for each architecture
 * reads them and read back into a {@link ModelConfig}. Counts are UINT32 (llama.cpp refuses anything else).
 *
 * <p>Conventions worth knowing: {@code block_count} includes the nextn (MTP) blocks and
 * {@code nextn_predict_layers} says how many of the last blocks they are; deepseek2 describes MLA as llama.cpp's
 * absorbed "MQA" view (one KV head of width kv_lora_rank + rope) with the real per-head sizes in
 * {@code key_length_mla} / {@code value_length_mla}; {@code expert_gating_func} is 1 for softmax and 2 for sigmoid.
 */
public final class GgufHyperparameters {
    /** Where an exported file records the RoPE pairing of the Trident model when it differs from the architecture's. */
    public static final String PAIRING_KEY = "trident.rope_pairing";

    /** llama.cpp's llama_expert_gating_func_type. */
    static final int GATING_SOFTMAX = 1, GATING_SIGMOID = 2;

    private GgufHyperparameters() {}

    /** Writes c's sizes under arch's keys. */
    public static void write(GgufWriter w, GgufArchitecture arch, ModelConfig c) {
        int blocks = c.layers() + c.mtpDepth();
        w.putUInt32(arch.key("vocab_size"), c.vocabSize());
        w.putUInt32(arch.key("context_length"), c.maxSeqLen());
        w.putUInt32(arch.key("embedding_length"), c.dim());
        w.putUInt32(arch.key("block_count"), blocks);
        if (c.mtpDepth() > 0) w.putUInt32(arch.key("nextn_predict_layers"), c.mtpDepth());
        boolean mixtral = arch == GgufArchitecture.LLAMA && c.moe() != null;
        w.putUInt32(arch.key("feed_forward_length"), mixtral ? c.moe().expertHidden() : c.hiddenDim());
        w.putUInt32(arch.key("attention.head_count"), c.heads());
        w.putFloat32(arch.key("rope.freq_base"), (float) c.ropeTheta());
        w.putFloat32(arch.key("attention.layer_norm_rms_epsilon"), c.normEps());
        if (c.mla() == null) {
            w.putUInt32(arch.key("attention.head_count_kv"), c.kvHeads());
            w.putUInt32(arch.key("attention.key_length"), c.headDim());
            w.putUInt32(arch.key("attention.value_length"), c.headDim());
            w.putUInt32(arch.key("rope.dimension_count"), c.headDim());
        } else {
            MlaSpec m = c.mla();
            // llama.cpp runs MLA absorbed, as multi-query attention over [c_kv ; k_pe] (its convert script's keys).
            w.putUInt32(arch.key("attention.head_count_kv"), 1);
            w.putUInt32(arch.key("attention.key_length"), m.latentWidth());
            w.putUInt32(arch.key("attention.value_length"), m.kvLoraRank());
            w.putUInt32(arch.key("attention.key_length_mla"), m.qkHeadDim());
            w.putUInt32(arch.key("attention.value_length_mla"), m.vHeadDim());
            w.putUInt32(arch.key("attention.q_lora_rank"), m.qLoraRank());
            w.putUInt32(arch.key("attention.kv_lora_rank"), m.kvLoraRank());
            w.putUInt32(arch.key("rope.dimension_count"), m.qkRopeDim());
        }
        if (c.ropePairing() != arch.ropePairing()) w.putString(PAIRING_KEY, c.ropePairing().configName());
        GgufRopeScaling.write(w, arch, c);
        if (arch == GgufArchitecture.LLAMA || arch == GgufArchitecture.QWEN3 || arch == GgufArchitecture.QWEN3MOE) {
            if (c.moe() != null) { // every block MoE, no shared experts; llama: expert width in feed_forward_length
                w.putUInt32(arch.key("expert_count"), c.moe().routedExperts());
                w.putUInt32(arch.key("expert_used_count"), c.moe().activeExperts());
                if (arch == GgufArchitecture.QWEN3MOE) w.putUInt32(arch.key("expert_feed_forward_length"), c.moe().expertHidden());
                if (c.moe().routedScale() != 1) w.putFloat32(arch.key("expert_weights_scale"), (float) c.moe().routedScale());
                groups(w, arch, c.moe());
            }
            return;
        }
        // glm4moe and deepseek2 read a block as MoE when its index is at least leading_dense_block_count, MTP
        // blocks included; Trident's MTP blocks have the last main block's kind of FFN.
        boolean moe = c.moe() != null && c.denseLayers() < c.layers();
        w.putUInt32(arch.key("leading_dense_block_count"), moe ? c.denseLayers() : blocks);
        if (!moe) {
            w.putUInt32(arch.key("expert_feed_forward_length"), c.hiddenDim()); // read unconditionally by both loaders
            w.putUInt32(arch.key("expert_shared_count"), 0);
            return;
        }
        MoeSpec e = c.moe();
        w.putUInt32(arch.key("expert_count"), e.routedExperts());
        w.putUInt32(arch.key("expert_used_count"), e.activeExperts());
        w.putUInt32(arch.key("expert_shared_count"), e.sharedExperts());
        w.putUInt32(arch.key("expert_feed_forward_length"), e.expertHidden());
        w.putUInt32(arch.key("expert_gating_func"), e.gating() == MoeSpec.Gating.SIGMOID ? GATING_SIGMOID : GATING_SOFTMAX);
        w.putFloat32(arch.key("expert_weights_scale"), (float) e.routedScale());
        w.putBool(arch.key("expert_weights_norm"), e.normalizeTopK() || e.gating() == MoeSpec.Gating.SIGMOID);
        groups(w, arch, e);
    }

    /** DeepSeek-V3's group-limited routing (n_group, topk_group), which llama.cpp applies for any architecture. */
    private static void groups(GgufWriter w, GgufArchitecture arch, MoeSpec e) {
        if (e.groups() <= 1) return;
        w.putUInt32(arch.key("expert_group_count"), e.groups());
        w.putUInt32(arch.key("expert_group_used_count"), e.topkGroups());
    }

    /**
     * The config a file describes. vocab is the token embedding's row count; tied says the file has no
     * output.weight (the head is the embedding). Throws TridentException naming the
     * file for missing or out-of-range keys and for features Trident's model cannot express.
     */
    public static ModelConfig read(GgufFile g, GgufArchitecture arch, int vocab, boolean tied) {
        Keys k = new Keys(g, arch);
        int dim = k.u32("embedding_length", null, 1, 1 << 16);
        int blocks = k.u32("block_count", null, 1, 4096);
        int nextn = k.u32("nextn_predict_layers", 0, 0, blocks - 1);
        if (nextn > 4) throw k.unsupported(nextn + " nextn (MTP) layers; Trident's model has at most 4");
        int layers = blocks - nextn;
        int heads = k.u32("attention.head_count", null, 1, 4096);
        int kvHeads = k.u32("attention.head_count_kv", heads, 1, 4096);
        int ctx = k.u32("context_length", null, 1, 1 << 20);
        double theta = k.f32("rope.freq_base", 10000.0);
        float eps = (float) k.f32("attention.layer_norm_rms_epsilon", null);
        if (!(theta > 0) || !(eps > 0 && eps < 1)) throw k.bad("rope.freq_base " + theta + " or layer_norm_rms_epsilon " + eps + " is out of range");
        int ffn = k.u32("feed_forward_length", 0, 0, 1 << 20);

        MoeSpec moe = null;
        int dense = 0;
        int experts = k.u32("expert_count", 0, 0, 4096);
        if (experts > 0) {
            int used = k.u32("expert_used_count", null, 1, experts);
            int groups = Math.max(1, k.u32("expert_group_count", 0, 0, experts));
            int groupsUsed = groups == 1 ? 1 : k.u32("expert_group_used_count", null, 1, groups);
            if (experts % groups != 0 || used > groupsUsed * (experts / groups))
                throw k.bad("expert_group_count " + groups + " / expert_group_used_count " + groupsUsed + " do not fit " + experts + " experts, " + used + " used");
            double scale = k.f32("expert_weights_scale", 0.0);
            if (scale == 0) scale = 1; // llama.cpp: 0 means no scaling
            if (arch == GgufArchitecture.LLAMA || arch == GgufArchitecture.QWEN3 || arch == GgufArchitecture.QWEN3MOE) {
                // Mixtral and Qwen3-MoE: softmax over all experts, top-K, weights renormalized over the K (llama.cpp's
                // norm_w = true); Mixtral's expert width is feed_forward_length.
                int expertHidden = arch == GgufArchitecture.QWEN3MOE ? k.u32("expert_feed_forward_length", ffn / Math.max(1, used), 1, 1 << 20) : ffn;
                if (expertHidden < 1) throw k.bad("the experts' feed-forward length is missing");
                moe = new MoeSpec(dim, experts, used, 0, expertHidden, scale, MoeSpec.Gating.SOFTMAX, true, 0, 0);
            } else {
                int gating = k.u32("expert_gating_func", arch == GgufArchitecture.GLM4MOE ? GATING_SIGMOID : GATING_SOFTMAX, 0, 16);
                if (gating != GATING_SOFTMAX && gating != GATING_SIGMOID) throw k.unsupported("expert_gating_func " + gating);
                boolean norm = k.bool("expert_weights_norm", false);
                if (gating == GATING_SIGMOID && !norm)
                    throw k.unsupported("sigmoid expert gating without normalized weights (expert_weights_norm false)");
                int expertHidden = k.u32("expert_feed_forward_length", null, 1, 1 << 20);
                int shared = k.u32("expert_shared_count", 0, 0, 64);
                moe = new MoeSpec(dim, experts, used, shared, expertHidden, scale,
                        gating == GATING_SIGMOID ? MoeSpec.Gating.SIGMOID : MoeSpec.Gating.SOFTMAX, norm, 0, 0);
                dense = Math.min(layers, k.u32("leading_dense_block_count", 0, 0, 4096));
            }
            moe = moe.withGroups(groups, groupsUsed);
            if (ffn == 0) ffn = moe.expertHidden();
        } else if (arch == GgufArchitecture.QWEN3MOE) {
            throw k.bad("a qwen3moe model needs expert_count > 0");
        } else if (arch == GgufArchitecture.GLM4MOE || arch == GgufArchitecture.DEEPSEEK2) {
            if (ffn == 0) ffn = k.u32("expert_feed_forward_length", null, 1, 1 << 20);
        }
        RopePairing pairing = arch.ropePairing();
        if (k.g.has(PAIRING_KEY)) {
            try {
                pairing = RopePairing.fromConfigName(k.g.getString(PAIRING_KEY));
            } catch (IllegalArgumentException e) {
                throw k.bad("metadata key '" + PAIRING_KEY + "': " + GgufReader.printable(e.getMessage(), 120));
            }
        }
        boolean qkNorm = arch == GgufArchitecture.QWEN3 || arch == GgufArchitecture.QWEN3MOE
                || (arch == GgufArchitecture.GLM4MOE && k.g.findTensor("blk.0.attn_q_norm.weight").isPresent());
        if (ffn < 1) throw k.bad("feed_forward_length is missing");

        try {
            if (arch == GgufArchitecture.DEEPSEEK2) {
                MlaSpec m = mla(k, dim, heads);
                return new ModelConfig(vocab, dim, layers, heads, heads, m.qkHeadDim(), ffn, ctx, theta, eps, tied, moe, dense, nextn, m, pairing, false,
                        GgufRopeScaling.read(g, arch, m.qkRopeDim(), ctx, theta));
            }
            int headDim = k.u32("attention.key_length", dim / heads, 2, 1 << 16);
            int valueDim = k.u32("attention.value_length", headDim, 1, 1 << 16);
            int rope = k.u32("rope.dimension_count", headDim, 0, 1 << 16);
            if (valueDim != headDim) throw k.unsupported("value heads of width " + valueDim + " != key width " + headDim);
            if (rope != headDim) throw k.unsupported("RoPE on " + rope + " of " + headDim + " head dims");
            if (heads % kvHeads != 0) throw k.bad("head_count " + heads + " is not a multiple of head_count_kv " + kvHeads);
            return new ModelConfig(vocab, dim, layers, heads, kvHeads, headDim, ffn, ctx, theta, eps, tied, moe, dense, nextn, null, pairing, qkNorm,
                    GgufRopeScaling.read(g, arch, headDim, ctx, theta));
        } catch (IllegalArgumentException e) {
            throw new TridentException(g.name() + ": inconsistent model sizes (" + e.getMessage() + ")", e);
        }
    }

    /** deepseek2's MLA sizes: current files carry the per-head sizes in key_length_mla / value_length_mla. */
    private static MlaSpec mla(Keys k, int dim, int heads) {
        int rope = k.u32("rope.dimension_count", null, 2, 4096);
        int qk, v;
        if (k.g.has(k.arch.key("attention.key_length_mla"))) {
            qk = k.u32("attention.key_length_mla", null, 3, 1 << 16);
            v = k.u32("attention.value_length_mla", null, 1, 1 << 16);
        } else { // legacy files: multi-head sizes in key_length / value_length, kv_b unsplit
            qk = k.u32("attention.key_length", null, 3, 1 << 16);
            v = k.u32("attention.value_length", null, 1, 1 << 16);
        }
        if (qk <= rope || rope % 2 != 0) throw k.bad("MLA key width " + qk + " must exceed the (even) rope width " + rope);
        return new MlaSpec(dim, heads, k.u32("attention.q_lora_rank", 0, 0, 1 << 16),
                k.u32("attention.kv_lora_rank", null, 1, 1 << 16), qk - rope, rope, v);
    }

    /** Whether a deepseek2 file stores kv_b split into attn_k_b / attn_v_b (llama.cpp's current MLA layout). */
    static boolean splitKvB(GgufFile g, GgufArchitecture arch) {
        return arch == GgufArchitecture.DEEPSEEK2 && g.has(arch.key("attention.key_length_mla"));
    }

    /** Typed, bounded access to one architecture's keys, with one-line errors naming the file and key. */
    private record Keys(GgufFile g, GgufArchitecture arch) {
        int u32(String suffix, Integer orElse, int min, int max) {
            String key = arch.key(suffix);
            if (!g.has(key)) {
                if (orElse == null) throw new TridentException(g.name() + ": metadata key '" + key + "' is missing");
                return orElse;
            }
            long v = scalarOrUniformArray(key);
            if (v < min || v > max) throw new TridentException(g.name() + ": metadata key '" + key + "' is " + v + ", outside [" + min + ", " + max + "]");
            return (int) v;
        }

        /** llama.cpp allows some counts as per-layer arrays; Trident needs them equal across layers. */
        private long scalarOrUniformArray(String key) {
            if (g.require(key) instanceof GgufValue.Array) {
                int[] all = g.getIntArray(key);
                if (all.length == 0) throw new TridentException(g.name() + ": metadata key '" + key + "' is an empty array");
                for (int x : all) if (x != all[0]) throw unsupported("per-layer values of " + key);
                return all[0];
            }
            return g.getLong(key);
        }

        double f32(String suffix, Double orElse) {
            String key = arch.key(suffix);
            if (!g.has(key)) {
                if (orElse == null) throw new TridentException(g.name() + ": metadata key '" + key + "' is missing");
                return orElse;
            }
            double v = g.getDouble(key);
            if (!Double.isFinite(v)) throw new TridentException(g.name() + ": metadata key '" + key + "' is " + v);
            return v;
        }

        boolean bool(String suffix, boolean orElse) {
            String key = arch.key(suffix);
            return g.has(key) ? g.getBool(key) : orElse;
        }

        TridentException unsupported(String what) {
            return new TridentException(g.name() + ": " + what + " is not supported yet");
        }

        TridentException bad(String what) {
            return new TridentException(g.name() + ": " + what);
        }
    }
}
