package dev.trident.io.gguf;

import dev.trident.TridentException;
import dev.trident.infer.ModelWeights;
import dev.trident.infer.QuantPolicy;
import dev.trident.kernels.RopePairing;
import dev.trident.kernels.RopeTable;
import dev.trident.model.ModelConfig;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;
import dev.trident.quant.QuantizedMatrix;
import dev.trident.quant.WeightFormat;
import dev.trident.quant.WeightMatrix;

/**
 * The inference weights of a GGUF model read in place: every weight matrix a {@link WeightMatrix.Quantized} over
 * its tensor's bytes in the memory-mapped file (no dequantization, no copy; stacked experts and MLA's per-head
 * attn_k_b / attn_v_b are row slices of their tensors), found through the same tensor-name table import and
 * export use ({@link GgufTensorNames}, after {@link GgufModelReader#plan}'s checks). Copied out as fp32: the
 * vectors (norm gains, the router's selection bias), for a legacy file with a single attn_kv_b each head's W_UK^T
 * (a transpose cannot be a view), and the matrices in block types Trident reads but has no kernel for (Q5_0, Q4_1,
 * ..., {@link GgmlDequantizer}: exact, at four bytes a weight).
 *
 * <p>Architectures whose RoPE rotates the two halves of a head (glm4moe) keep their q and k rows as stored: the
 * config says {@link RopePairing#HALVES} instead of reordering rows as import does.
 *
 * <p>The file must stay open while the weights are used: they point into its mapping.
 */
public final class GgufWeights {
    private GgufWeights() {}

    /** The model's config as the mapped weights need it, and the weights. */
    public record Mapped(ModelConfig config, ModelWeights weights, GgufModelReader.Plan plan) {}

    public static Mapped map(GgufFile g) {
        GgufModelReader.Plan plan = GgufModelReader.plan(g);
        ModelConfig c = plan.config();
        if (plan.architecture().ropeHalves() && c.mla() == null) c = c.withRopePairing(RopePairing.HALVES);
        Reader r = new Reader(g, c);
        WeightMatrix embedding = r.matrix("token_embd.weight");
        WeightMatrix head = c.tiedEmbeddings() ? embedding : r.matrix("output.weight");
        ModelWeights.Block[] blocks = new ModelWeights.Block[c.layers()];
        for (int i = 0; i < c.layers(); i++) blocks[i] = r.block(i, c.isMoeLayer(i));
        ModelWeights.Mtp[] mtp = new ModelWeights.Mtp[c.mtpDepth()];
        for (int k = 0; k < mtp.length; k++) {
            int i = c.layers() + k;
            String blk = "blk." + i + ".nextn.";
            mtp[k] = new ModelWeights.Mtp(r.norm(blk + "enorm.weight"), r.norm(blk + "hnorm.weight"), r.matrix(blk + "eh_proj.weight"),
                    r.block(i, c.isMoeLayer(c.layers() - 1)), r.norm(blk + "shared_head_norm.weight"));
        }
        WeightFormat main = mainFormat(blocks[0]);
        QuantPolicy policy = new QuantPolicy(main, embedding.format(), head.format());
        RopeTable rope = new RopeTable(c.ropeDim(), c.maxSeqLen(), c.ropeTheta(), c.ropePairing(), c.ropeScaling());
        return new Mapped(c, new ModelWeights(c, rope, embedding, blocks, r.norm("output_norm.weight"), head, mtp, policy), plan);
    }

    private static WeightFormat mainFormat(ModelWeights.Block b) {
        return switch (b.attention()) {
            case ModelWeights.Gqa a -> a.wq().format();
            case ModelWeights.Mla a -> a.wkvA().format();
        };
    }

    /** Tensor lookups for one file. */
    private static final class Reader {
        final GgufFile g;
        final ModelConfig c;

        Reader(GgufFile g, ModelConfig c) {
            this.g = g;
            this.c = c;
        }

        /**
         * Rows [row0, row0 + rows) of a tensor, as a matrix over its bytes; a block type the kernels do not run (Q5_0,
         * Q4_1, ...) is dequantized to fp32 instead, exactly, these rows only.
         */
        WeightMatrix slice(GgufTensor t, long row0, int rows) {
            WeightFormat f = GgufTensorData.format(t.type());
            int cols = Math.toIntExact(t.dim(0));
            if (f == null) return WeightMatrix.of(GgufTensorData.read(t, row0, rows), rows, cols);
            long rowBytes = t.type().byteSize(cols, 1);
            return WeightMatrix.of(QuantizedMatrix.wrap(f, rows, cols, t.data().asSlice(row0 * rowBytes, rows * rowBytes)));
        }

        WeightMatrix matrix(String name) {
            GgufTensor t = g.tensor(name);
            return slice(t, 0, Math.toIntExact(t.rows()));
        }

        /** A vector tensor copied out as fp32. */
        float[] vector(String name) {
            GgufTensor t = g.tensor(name);
            return GgufTensorData.read(t, 0, Math.toIntExact(t.rows()));
        }

        ModelWeights.Norm norm(String name) {
            return new ModelWeights.Norm(vector(name), c.normEps());
        }

        ModelWeights.Block block(int i, boolean moe) {
            String blk = "blk." + i + ".";
            ModelWeights.AttentionWeights attention = c.mla() != null ? latent(blk, c.mla())
                    : new ModelWeights.Gqa(matrix(blk + "attn_q.weight"), matrix(blk + "attn_k.weight"), matrix(blk + "attn_v.weight"),
                    matrix(blk + "attn_output.weight"), null, null);
            String ffnNorm = blk + (g.findTensor(blk + "ffn_norm.weight").isPresent() ? "ffn_norm.weight" : "post_attention_norm.weight");
            ModelWeights.FeedForwardWeights ffn = moe ? experts(blk, c.moe())
                    : new ModelWeights.Ffn(matrix(blk + "ffn_gate.weight"), matrix(blk + "ffn_up.weight"), matrix(blk + "ffn_down.weight"));
            return new ModelWeights.Block(norm(blk + "attn_norm.weight"), attention, norm(ffnNorm), ffn);
        }

        ModelWeights.Moe experts(String blk, MoeSpec spec) {
            int n = spec.routedExperts();
            GgufTensor gate = g.tensor(blk + "ffn_gate_exps.weight"), up = g.tensor(blk + "ffn_up_exps.weight"), down = g.tensor(blk + "ffn_down_exps.weight");
            ModelWeights.Ffn[] experts = new ModelWeights.Ffn[n];
            int eh = spec.expertHidden(), d = c.dim();
            for (int e = 0; e < n; e++) // expert e: rows [e * rows, (e + 1) * rows) of each stacked tensor
                experts[e] = new ModelWeights.Ffn(slice(gate, (long) e * eh, eh), slice(up, (long) e * eh, eh), slice(down, (long) e * d, d));
            ModelWeights.Ffn shared = spec.sharedExperts() == 0 ? null : new ModelWeights.Ffn(matrix(blk + "ffn_gate_shexp.weight"),
                    matrix(blk + "ffn_up_shexp.weight"), matrix(blk + "ffn_down_shexp.weight"));
            float[] bias = g.findTensor(blk + "exp_probs_b.bias").isPresent() ? vector(blk + "exp_probs_b.bias") : new float[n];
            return new ModelWeights.Moe(spec, matrix(blk + "ffn_gate_inp.weight"), bias, shared, experts);
        }

        ModelWeights.Mla latent(String blk, MlaSpec m) {
            int h = m.heads(), rank = m.kvLoraRank(), nope = m.qkNopeDim(), v = m.vHeadDim();
            WeightMatrix wqA = null, wqB;
            ModelWeights.Norm qNorm = null;
            if (m.qLoraRank() > 0) {
                wqA = matrix(blk + "attn_q_a.weight");
                qNorm = norm(blk + "attn_q_a_norm.weight");
                wqB = matrix(blk + "attn_q_b.weight");
            } else {
                wqB = matrix(blk + "attn_q.weight");
            }
            WeightMatrix[] ukT = new WeightMatrix[h], uv = new WeightMatrix[h];
            WeightMatrix wkvB = null;
            if (g.findTensor(blk + "attn_k_b.weight").isPresent()) {
                GgufTensor kb = g.tensor(blk + "attn_k_b.weight"), vb = g.tensor(blk + "attn_v_b.weight");
                for (int head = 0; head < h; head++) {
                    ukT[head] = slice(kb, (long) head * rank, rank); // W_UK_h^T [rank, nope]
                    uv[head] = slice(vb, (long) head * v, v);        // W_UV_h [v, rank]
                }
            } else { // legacy attn_kv_b [h * (nope + v), rank]: W_UV_h is a slice, W_UK_h^T a transposed copy
                GgufTensor kv = g.tensor(blk + "attn_kv_b.weight");
                wkvB = slice(kv, 0, Math.toIntExact(kv.rows()));
                for (int head = 0; head < h; head++) {
                    uv[head] = slice(kv, (long) head * (nope + v) + nope, v);
                    float[] k = GgufTensorData.read(kv, (long) head * (nope + v), nope), kt = new float[rank * nope];
                    for (int i = 0; i < nope; i++)
                        for (int j = 0; j < rank; j++) kt[j * nope + i] = k[i * rank + j];
                    ukT[head] = WeightMatrix.of(kt, rank, nope);
                }
            }
            return new ModelWeights.Mla(wqA, qNorm, wqB, matrix(blk + "attn_kv_a_mqa.weight"), norm(blk + "attn_kv_a_norm.weight"),
                    ukT, uv, wkvB, matrix(blk + "attn_output.weight"));
        }
    }
}
