package dev.trident.blt;

import dev.trident.autograd.BltOps;
import dev.trident.autograd.Ops;
import dev.trident.autograd.SparseRows;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.RopeTable;
import dev.trident.nn.Attention;
import dev.trident.nn.Block;
import dev.trident.nn.CrossAttention;
import dev.trident.nn.Parameters;

/**
 * BLT's local encoder (section 3.2): byte embeddings plus hashed n-gram embeddings, l_E causal byte blocks over a
 * sliding window, each followed by a cross-attention in which the patch vectors (queries) read the bytes of their
 * own patch. The patch vectors start as the max-pool of each patch's bytes after the first block, projected to
 * k = d_G / d_L vectors per patch; after the last cross-attention their k vectors side by side are the patch's d_G
 * input to the global transformer.
 */
public final class LocalEncoder {
    private final BltConfig c;
    /** Table 0: byte embeddings; then one hashed n-gram table per (n, hash function). */
    public final Tensor[] tables;
    /** Row trackers of the hash tables for sparse updates (index 0, the byte table, is updated densely). */
    public final SparseRows[] sparseRows;
    public final Block[] layers;
    public final CrossAttention[] cross;
    /** d_L -> k d_L: the pooled patch to its k query vectors (BLT's patch_embedding_projection). */
    public final Tensor poolProjection;

    LocalEncoder(Parameters params, BltConfig c, RopeTable rope, double std, double residualStd) {
        this.c = c;
        HashSpec hs = c.hash();
        tables = new Tensor[1 + hs.tables()];
        sparseRows = new SparseRows[tables.length];
        tables[0] = params.matrix("encoder.embed_bytes.weight", c.vocabSize(), c.localDim(), std);
        for (int n = hs.minN(); n <= hs.maxN(); n++)
            for (int f = 0; f < hs.functions(); f++) {
                int t = 1 + (n - hs.minN()) * hs.functions() + f;
                tables[t] = params.matrix("encoder.hash_ngram." + n + "." + f + ".weight", hs.rows(), c.localDim(), std);
                sparseRows[t] = new SparseRows(hs.rows(), c.localDim());
            }
        layers = new Block[c.encoderLayers()];
        cross = new CrossAttention[c.encoderLayers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new Block(params, "encoder.layers." + i, c.localAttention(), null, c.localFeedForward(), null,
                    c.normEps(), rope, std, residualStd);
            if (c.localWindow() > 0) ((Attention) layers[i].attention).setWindow(c.localWindow());
            cross[i] = new CrossAttention(params, "encoder.cross_attn." + i, c.localDim(), c.crossHeads(), c.normEps(), std, residualStd);
        }
        poolProjection = params.matrix("encoder.pool_proj.weight", c.crossK() * c.localDim(), c.localDim(), std);
    }

    /** e_i = E_byte(t_i) + sum_n E_n(Hash_n(t_{i-n+1..i})) for batch windows of tokens [batch * T]. */
    public Tensor embed(Tape tape, int[] tokens, int batch) {
        return BltOps.embeddingSum(tape, tables, HashNgrams.ids(tokens, batch, c.seqLen(), c.hash()), sparseRows);
    }

    /** The encoder's outputs: byte states h [B*T, d_L] and patch vectors [B*P, d_G]. */
    public record Output(Tensor bytes, Tensor patches) {}

    public Output forward(Tape tape, int[] tokens, PatchLayout layout, float dropout, long seed) {
        int batch = layout.batch, k = c.crossK(), dl = c.localDim();
        Tensor h = Ops.dropout(tape, embed(tape, tokens, batch), dropout, seed);
        Tensor patches = null; // [B*P*k, d_L]
        for (int i = 0; i < layers.length; i++) {
            h = layers[i].forward(tape, h, batch, c.seqLen(), dropout, seed + 1000L * (i + 1));
            if (patches == null) {
                Tensor pooled = BltOps.segmentMaxPool(tape, h, layout.segFrom, layout.segTo);
                patches = BltOps.view(tape, Ops.linear(tape, pooled, poolProjection), batch * layout.patches * k, dl);
            }
            patches = cross[i].forward(tape, patches, h, layout.encLo, layout.encHi);
        }
        return new Output(h, BltOps.view(tape, patches, batch * layout.patches, k * dl));
    }
}
