package dev.trident.nn;

import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.RopeTable;

/**
 * DeepSeek-V3's sequential multi-token prediction. Module k (1..D) at position i combines the previous depth's
 * representation h^{k-1}_i (h^0 = the main model's final hidden state) with the embedding of token t_{i+k}:
 * h'^k_i = M_k [RMSNorm(Emb(t_{i+k})) ; RMSNorm(h^{k-1}_i)], h^k_i = TRM_k(h'^k_i), and predicts t_{i+k+1} through
 * the output head shared with the main model, after the module's own final norm. The embedding and head are the
 * main model's. Training adds (lambda / D) * sum_k L_k to the main loss; at inference the modules draft tokens for
 * self-speculative decoding, or are simply not run.
 */
public final class MultiTokenPrediction {
    /** One depth: enorm, hnorm, the 2d -> d projection M_k, a transformer block and the final norm. */
    public static final class Module {
        public final RmsNorm embeddingNorm, hiddenNorm, finalNorm;
        /** M_k, [d, 2d], applied to [emb ; h]. */
        public final Tensor projection;
        public final Block block;

        Module(Parameters params, String name, AttentionSpec attn, MlaSpec mla, FeedForwardSpec ffn, MoeSpec moe, float eps,
               RopeTable rope, double std, double residualStd) {
            int d = attn.dim();
            this.embeddingNorm = new RmsNorm(params, name + ".enorm", d, eps);
            this.hiddenNorm = new RmsNorm(params, name + ".hnorm", d, eps);
            this.projection = params.matrix(name + ".eh_proj.weight", d, 2 * d, std);
            this.block = new Block(params, name, attn, mla, ffn, moe, eps, rope, std, residualStd);
            this.finalNorm = new RmsNorm(params, name + ".shared_head.norm", d, eps);
        }

        /** h^k from h^{k-1} and the embeddings of the tokens k ahead. */
        public Tensor forward(Tape tape, Tensor embedded, Tensor previous, int batch, int seq, float dropout, long seed) {
            Tensor x = Ops.linear(tape, Ops.concat(tape, embeddingNorm.forward(tape, embedded), hiddenNorm.forward(tape, previous)), projection);
            return block.forward(tape, x, batch, seq, dropout, seed);
        }
    }

    public final Module[] modules;
    private final Tensor embedding, head;

    /** D modules, stored as blocks firstLayer .. firstLayer + D - 1 (DeepSeek-V3 and GGUF keep them after the main blocks). */
    public MultiTokenPrediction(Parameters params, int depth, int firstLayer, AttentionSpec attn, MlaSpec mla, FeedForwardSpec ffn,
                                MoeSpec moe, float eps, RopeTable rope, double std, double residualStd,
                                Tensor embedding, Tensor head) {
        this.embedding = embedding;
        this.head = head;
        this.modules = new Module[depth];
        for (int k = 0; k < depth; k++)
            modules[k] = new Module(params, "model.layers." + (firstLayer + k), attn, mla, ffn, moe, eps, rope, std, residualStd);
    }

    public int depth() {
        return modules.length;
    }

    /**
     * The D mean cross-entropy losses. Position t of a sequence at depth k reads token t + k (targets[t + k - 1])
     * and predicts token t + k + 1 (targets[t + k]); positions past the end of the window are ignored.
     */
    public Tensor[] losses(Tape tape, Tensor mainHidden, int[] targets, int batch, int seq, float dropout, long seed) {
        Tensor[] out = new Tensor[modules.length];
        Tensor h = mainHidden;
        int n = batch * seq;
        for (int k = 1; k <= modules.length; k++) {
            int[] ids = new int[n], tg = new int[n];
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < seq; t++) {
                    int i = b * seq + t;
                    boolean inside = t + k < seq;
                    ids[i] = t + k - 1 < seq ? targets[b * seq + t + k - 1] : 0;
                    tg[i] = inside ? targets[b * seq + t + k] : -1;
                }
            }
            Module m = modules[k - 1];
            h = m.forward(tape, Ops.embedding(tape, embedding, ids), h, batch, seq, dropout, seed + 7919L * k);
            out[k - 1] = Ops.crossEntropy(tape, Ops.linearExact(tape, m.finalNorm.forward(tape, h), head), tg);
        }
        return out;
    }
}
