package dev.trident.io.gguf;

import dev.trident.model.ModelConfig;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensors of a model in one llama.cpp architecture, in file order, each with its ggml shape and how its
 * elements map to Trident's (Hugging Face named) parameters. Export writes these tensors, import reads them, and
 * the inference runtime can use the same table to find a parameter's bytes in a mapped GGUF file:
 *
 * <pre>
 *   token_embd.weight                   model.embed_tokens.weight
 *   blk.N.attn_norm.weight              model.layers.N.input_layernorm.weight
 *   blk.N.attn_q / attn_k / attn_v      model.layers.N.self_attn.q_proj / k_proj / v_proj   (glm4moe: rows reordered per head)
 *   blk.N.attn_output                   model.layers.N.self_attn.o_proj
 *   blk.N.ffn_norm                      model.layers.N.post_attention_layernorm   (glm4moe: blk.N.post_attention_norm)
 *   blk.N.ffn_gate / ffn_up / ffn_down  model.layers.N.mlp.gate_proj / up_proj / down_proj
 *   blk.N.ffn_gate_inp                  model.layers.N.mlp.gate.weight (router centroids)
 *   blk.N.exp_probs_b.bias              model.layers.N.mlp.gate.e_score_correction_bias
 *   blk.N.ffn_{gate,up,down}_exps       model.layers.N.mlp.experts.E.{gate,up,down}_proj stacked over E
 *   blk.N.ffn_{gate,up,down}_shexp      model.layers.N.mlp.shared_experts.{gate,up,down}_proj
 *   blk.N.attn_q_a / attn_q_a_norm / attn_q_b        MLA q_a_proj / q_a_layernorm / q_b_proj (or attn_q = q_proj)
 *   blk.N.attn_kv_a_mqa / attn_kv_a_norm             MLA kv_a_proj_with_mqa / kv_a_layernorm
 *   blk.N.attn_k_b / attn_v_b                         MLA kv_b_proj split per head (legacy files: attn_kv_b)
 *   blk.L+k.nextn.{eh_proj,enorm,hnorm,shared_head_norm}   MTP module k: eh_proj, enorm, hnorm, shared_head.norm
 *   output_norm.weight, output.weight   model.norm.weight, lm_head.weight (absent when tied)
 * </pre>
 *
 * MTP modules are stored as blocks L .. L+D-1 after the L main blocks, with their own attention and FFN tensors
 * under the same names, as llama.cpp's nextn layers are.
 */
public final class GgufTensorNames {
    /** One GGUF tensor: its name, ggml shape (innermost first) and how it maps to Trident parameters. */
    public record Binding(String tensor, long[] shape, GgufLayout layout) {
        public Binding {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** ne[0], the row length. */
        public long rowLength() {
            return shape[0];
        }

        public long rows() {
            long n = 1;
            for (int i = 1; i < shape.length; i++) n *= shape[i];
            return n;
        }
    }

    private final GgufArchitecture arch;
    private final List<Binding> bindings = new ArrayList<>();
    private final Map<String, Binding> byTensor = new LinkedHashMap<>();
    private final Map<String, Binding> byParameter = new LinkedHashMap<>();

    private GgufTensorNames(GgufArchitecture arch) {
        this.arch = arch;
    }

    /**
     * The tensors of a model of config c in architecture arch. splitKvB: MLA's kv_b as llama.cpp's current
     * attn_k_b + attn_v_b (what the exporter writes) rather than the legacy single attn_kv_b.
     */
    public static GgufTensorNames of(GgufArchitecture arch, ModelConfig c, boolean splitKvB) {
        GgufTensorNames n = new GgufTensorNames(arch);
        n.build(c, splitKvB);
        return n;
    }

    /** Every tensor in file order. */
    public List<Binding> bindings() {
        return Collections.unmodifiableList(bindings);
    }

    /** The binding of a GGUF tensor name, or null. */
    public Binding tensor(String ggufName) {
        return byTensor.get(ggufName);
    }

    /** The binding holding a Trident parameter (several parameters share one for stacked experts), or null. */
    public Binding parameter(String tridentName) {
        return byParameter.get(tridentName);
    }

    public GgufArchitecture architecture() {
        return arch;
    }

    private void add(String tensor, GgufLayout layout, long... shape) {
        Binding b = new Binding(tensor, shape, layout);
        bindings.add(b);
        byTensor.put(tensor, b);
        for (String p : layout.parameters()) byParameter.put(p, b);
    }

    private void plain(String tensor, String parameter, long... shape) {
        add(tensor, new GgufLayout.Plain(parameter), shape);
    }

    private void build(ModelConfig c, boolean splitKvB) {
        long d = c.dim(), vocab = c.vocabSize();
        plain("token_embd.weight", "model.embed_tokens.weight", d, vocab);
        int blocks = c.layers() + c.mtpDepth();
        for (int i = 0; i < blocks; i++) {
            String blk = "blk." + i + ".", hf = "model.layers." + i + ".";
            boolean mtp = i >= c.layers();
            plain(blk + "attn_norm.weight", hf + "input_layernorm.weight", d);
            if (c.mla() != null) latentAttention(c.mla(), blk, hf + "self_attn.", d, splitKvB);
            else attention(c, blk, hf + "self_attn.", d);
            plain(blk + (arch == GgufArchitecture.GLM4MOE ? "post_attention_norm.weight" : "ffn_norm.weight"),
                    hf + "post_attention_layernorm.weight", d);
            // Main blocks follow first_k_dense_replace; an MTP block has the last main block's kind of FFN.
            boolean moe = c.isMoeLayer(mtp ? c.layers() - 1 : i);
            if (moe) experts(c.moe(), blk, hf + "mlp.", d);
            else {
                plain(blk + "ffn_gate.weight", hf + "mlp.gate_proj.weight", d, c.hiddenDim());
                plain(blk + "ffn_up.weight", hf + "mlp.up_proj.weight", d, c.hiddenDim());
                plain(blk + "ffn_down.weight", hf + "mlp.down_proj.weight", c.hiddenDim(), d);
            }
            if (mtp) {
                plain(blk + "nextn.eh_proj.weight", hf + "eh_proj.weight", 2 * d, d);
                plain(blk + "nextn.enorm.weight", hf + "enorm.weight", d);
                plain(blk + "nextn.hnorm.weight", hf + "hnorm.weight", d);
                plain(blk + "nextn.shared_head_norm.weight", hf + "shared_head.norm.weight", d);
            }
        }
        plain("output_norm.weight", "model.norm.weight", d);
        if (!c.tiedEmbeddings()) plain("output.weight", "lm_head.weight", d, vocab);
    }

    private void attention(ModelConfig c, String blk, String hf, long d) {
        long q = (long) c.heads() * c.headDim(), kv = (long) c.kvHeads() * c.headDim();
        add(blk + "attn_q.weight", rotated(hf + "q_proj.weight", c.headDim()), d, q);
        add(blk + "attn_k.weight", rotated(hf + "k_proj.weight", c.headDim()), d, kv);
        plain(blk + "attn_v.weight", hf + "v_proj.weight", d, kv);
        plain(blk + "attn_output.weight", hf + "o_proj.weight", q, d);
    }

    /** Query and key projections: as they are, or reordered per head for an architecture that rotates halves. */
    private GgufLayout rotated(String parameter, int headDim) {
        return arch.ropeHalves() ? new GgufLayout.HalvesRows(parameter, headDim) : new GgufLayout.Plain(parameter);
    }

    private void latentAttention(MlaSpec m, String blk, String hf, long d, boolean splitKvB) {
        long h = m.heads(), rank = m.kvLoraRank();
        if (m.qLoraRank() > 0) {
            plain(blk + "attn_q_a.weight", hf + "q_a_proj.weight", d, m.qLoraRank());
            plain(blk + "attn_q_a_norm.weight", hf + "q_a_layernorm.weight", m.qLoraRank());
            plain(blk + "attn_q_b.weight", hf + "q_b_proj.weight", m.qLoraRank(), h * m.qkHeadDim());
        } else {
            plain(blk + "attn_q.weight", hf + "q_proj.weight", d, h * m.qkHeadDim());
        }
        plain(blk + "attn_kv_a_mqa.weight", hf + "kv_a_proj_with_mqa.weight", d, m.latentWidth());
        plain(blk + "attn_kv_a_norm.weight", hf + "kv_a_layernorm.weight", rank);
        String kvB = hf + "kv_b_proj.weight";
        if (splitKvB) {
            add(blk + "attn_k_b.weight", new GgufLayout.KeyUp(kvB, m.heads(), m.qkNopeDim(), m.vHeadDim()), m.qkNopeDim(), rank, h);
            add(blk + "attn_v_b.weight", new GgufLayout.ValueUp(kvB, m.heads(), m.qkNopeDim(), m.vHeadDim()), rank, m.vHeadDim(), h);
        } else {
            plain(blk + "attn_kv_b.weight", kvB, rank, h * (m.qkNopeDim() + m.vHeadDim()));
        }
        plain(blk + "attn_output.weight", hf + "o_proj.weight", h * m.vHeadDim(), d);
    }

    private void experts(MoeSpec moe, String blk, String hf, long d) {
        int n = moe.routedExperts();
        long eh = moe.expertHidden();
        plain(blk + "ffn_gate_inp.weight", hf + "gate.weight", d, n);
        // llama's Mixtral-style experts have no selection bias; Trident's stays zero for them.
        if (arch != GgufArchitecture.LLAMA) plain(blk + "exp_probs_b.bias", hf + "gate.e_score_correction_bias", n);
        for (String w : new String[] {"gate", "up", "down"}) {
            List<String> params = new ArrayList<>(n);
            for (int e = 0; e < n; e++) params.add(hf + "experts." + e + "." + w + "_proj.weight");
            long[] shape = w.equals("down") ? new long[] {eh, d, n} : new long[] {d, eh, n};
            add(blk + "ffn_" + w + "_exps.weight", new GgufLayout.Experts(params), shape);
        }
        if (moe.sharedExperts() > 0) {
            long sh = eh * moe.sharedExperts();
            plain(blk + "ffn_gate_shexp.weight", hf + "shared_experts.gate_proj.weight", d, sh);
            plain(blk + "ffn_up_shexp.weight", hf + "shared_experts.up_proj.weight", d, sh);
            plain(blk + "ffn_down_shexp.weight", hf + "shared_experts.down_proj.weight", sh, d);
        }
    }
}
