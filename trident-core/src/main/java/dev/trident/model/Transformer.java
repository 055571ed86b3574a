package dev.trident.model;

import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.RopeTable;
import dev.trident.nn.Block;
import dev.trident.nn.MixtureOfExperts;
import dev.trident.nn.Parameters;
import dev.trident.nn.RmsNorm;

/**
 * The decoder for training: token embedding, a stack of {@link Block}s, a final RMSNorm and the output head.
 * The inference runtime ({@code dev.trident.infer}) reads the same weight arrays.
 */
public final class Transformer {
    public final ModelConfig config;
    public final Parameters params;
    public final Tensor embedding;
    public final Block[] blocks;
    public final RmsNorm finalNorm;
    /** The output head [vocab, dim]; the embedding itself when tied. */
    public final Tensor head;
    public final RopeTable rope;

    public Transformer(ModelConfig config, long seed) {
        this.config = config;
        this.params = new Parameters(seed);
        double std = 0.02, residualStd = 0.02 / Math.sqrt(2.0 * config.layers());
        this.rope = new RopeTable(config.headDim(), config.maxSeqLen(), config.ropeTheta());
        this.embedding = params.matrix("model.embed_tokens.weight", config.vocabSize(), config.dim(), std);
        this.blocks = new Block[config.layers()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new Block(params, "model.layers." + i, config.attentionSpec(), config.feedForwardSpec(),
                    config.isMoeLayer(i) ? config.moe() : null, config.normEps(), rope, std, residualStd);
        }
        this.finalNorm = new RmsNorm(params, "model.norm", config.dim(), config.normEps());
        this.head = config.tiedEmbeddings() ? embedding : params.matrix("lm_head.weight", config.vocabSize(), config.dim(), std);
    }

    /** Final hidden states [batch*seq, dim] (after the final norm) for tokens laid out [batch][seq]. */
    public Tensor hidden(Tape tape, int[] tokens, int batch, int seq, float dropout, long seed) {
        if (tokens.length != batch * seq) throw new IllegalArgumentException(tokens.length + " tokens for " + batch + "x" + seq);
        if (seq > config.maxSeqLen()) throw new IllegalArgumentException("sequence of " + seq + " exceeds maxSeqLen " + config.maxSeqLen());
        Tensor x = Ops.dropout(tape, Ops.embedding(tape, embedding, tokens), dropout, seed);
        for (int i = 0; i < blocks.length; i++) x = blocks[i].forward(tape, x, batch, seq, dropout, seed + 1000L * (i + 1));
        return finalNorm.forward(tape, x);
    }

    /** Logits [batch*seq, vocab]. */
    public Tensor logits(Tape tape, int[] tokens, int batch, int seq) {
        return Ops.linear(tape, hidden(tape, tokens, batch, seq, 0f, 0), head);
    }

    /**
     * Training loss of a batch: mean next-token cross-entropy (targets[i] follows tokens[i]) plus the MoE layers'
     * sequence-wise balance losses when enabled; dropout seeded per step.
     */
    public Tensor loss(Tape tape, int[] tokens, int[] targets, int batch, int seq, float dropout, long seed) {
        Tensor h = hidden(tape, tokens, batch, seq, dropout, seed);
        Tensor loss = Ops.crossEntropy(tape, Ops.linear(tape, h, head), targets);
        for (Block b : blocks) {
            if (b.feedForward instanceof MixtureOfExperts moe) {
                Tensor balance = moe.takeBalanceLoss();
                if (balance != null) loss = Ops.add(tape, loss, balance);
            }
        }
        return loss;
    }

    /** The mixture-of-experts layers, in block order (empty for a dense model). */
    public java.util.List<MixtureOfExperts> moeLayers() {
        java.util.List<MixtureOfExperts> out = new java.util.ArrayList<>();
        for (Block b : blocks) if (b.feedForward instanceof MixtureOfExperts m) out.add(m);
        return out;
    }
}
