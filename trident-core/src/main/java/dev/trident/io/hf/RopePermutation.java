package dev.trident.io.hf;

import dev.trident.kernels.RopePairing;
import dev.trident.model.ModelConfig;

/**
 * Moves query and key weights between RoPE pairings. A model whose RoPE pairs (x[i], x[i + d/2]) (HALVES, Hugging
 * Face's rotate_half) computes exactly what a model pairing (x[2i], x[2i+1]) (ADJACENT) computes once the rows of
 * W_q and W_k that produce each head's rotated part are reordered so that row i + c*d/2 lands on row 2i + c. This is
 * llama.cpp's convert_hf_to_gguf permute for Llama (reshape(heads, 2, d/2, ...).swapaxes(1, 2)); for MLA only the
 * q_pe rows of each head of q_b_proj and the k_pe rows of kv_a_proj_with_mqa move; for QK-norm the norm gains move
 * with their rows.
 *
 * @param blocks  how many head blocks the tensor's rows hold
 * @param stride  rows per block (a head's width)
 * @param offset  first rotated row within a block
 * @param width   rotated rows per block (the RoPE dimension)
 */
public record RopePermutation(int blocks, int stride, int offset, int width) {
    /** Which rows of parameter `name` RoPE rotates in a model of config c, or null if none. */
    public static RopePermutation of(String name, ModelConfig c) {
        if (!name.contains(".self_attn.")) return null;
        if (c.mla() == null) {
            int d = c.headDim();
            if (name.endsWith(".q_proj.weight")) return new RopePermutation(c.heads(), d, 0, d);
            if (name.endsWith(".k_proj.weight")) return new RopePermutation(c.kvHeads(), d, 0, d);
            if (name.endsWith(".q_norm.weight") || name.endsWith(".k_norm.weight")) return new RopePermutation(1, d, 0, d);
            return null;
        }
        var m = c.mla();
        if (name.endsWith(".q_b_proj.weight") || name.endsWith(".q_proj.weight"))
            return new RopePermutation(m.heads(), m.qkHeadDim(), m.qkNopeDim(), m.qkRopeDim());
        if (name.endsWith(".kv_a_proj_with_mqa.weight"))
            return new RopePermutation(1, m.latentWidth(), m.kvLoraRank(), m.qkRopeDim());
        return null;
    }

    /**
     * A copy of w ([rows, cols] row-major, rows = blocks * stride) with the rotated rows reordered from pairing
     * `from` to pairing `to`; w itself when they are the same.
     */
    public float[] apply(float[] w, int cols, RopePairing from, RopePairing to) {
        if (from == to) return w;
        if ((long) blocks * stride * cols != w.length)
            throw new IllegalArgumentException(w.length + " weights are not " + blocks + " blocks of " + stride + " rows of " + cols);
        int[] dst = rowMap(from, to);
        float[] out = w.clone();
        for (int b = 0; b < blocks; b++) {
            int base = b * stride + offset;
            for (int j = 0; j < width; j++)
                System.arraycopy(w, (base + j) * cols, out, (base + dst[j]) * cols, cols);
        }
        return out;
    }

    /** dst[j]: where rotated row j in pairing from goes in pairing to (through the adjacent index of its pair slot). */
    int[] rowMap(RopePairing from, RopePairing to) {
        int[] toFromAdjacent = new int[width];
        for (int k = 0; k < width; k++) toFromAdjacent[to.toAdjacent(k, width)] = k;
        int[] dst = new int[width];
        for (int j = 0; j < width; j++) dst[j] = toFromAdjacent[from.toAdjacent(j, width)];
        return dst;
    }
}
