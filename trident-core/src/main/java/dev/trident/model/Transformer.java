package dev.trident.model;

import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.RopeTable;
import dev.trident.nn.Block;
import dev.trident.nn.MixtureOfExperts;
import dev.trident.nn.MultiTokenPrediction;
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
    /** The multi-token prediction modules, or null. */
    public final MultiTokenPrediction mtp;

    /**
     * The loss of a training batch: total (what backward runs on) = main + mtpWeight / D * sum(mtp) + balance;
     * main is the next-token cross-entropy alone (comparable across models), mtp the per-depth losses.
     */
    public record Loss(Tensor total, double main, double[] mtp, double balance) {}

    public Transformer(ModelConfig config, long seed) {
        this(config, new Parameters(seed));
    }

    /** A model of config c whose weights are all zero (norm gains one), for a loader to fill in. */
    public static Transformer unset(ModelConfig c) {
        return new Transformer(c, Parameters.unset());
    }

    private Transformer(ModelConfig config, Parameters params) {
        this.config = config;
        this.params = params;
        double std = 0.02, residualStd = 0.02 / Math.sqrt(2.0 * config.layers());
        this.rope = new RopeTable(config.ropeDim(), config.maxSeqLen(), config.ropeTheta(), config.ropePairing());
        this.embedding = params.matrix("model.embed_tokens.weight", config.vocabSize(), config.dim(), std);
        this.blocks = new Block[config.layers()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new Block(params, "model.layers." + i, config.attentionSpec(), config.mla(), config.feedForwardSpec(),
                    config.isMoeLayer(i) ? config.moe() : null, config.normEps(), rope, std, residualStd);
        }
        this.finalNorm = new RmsNorm(params, "model.norm", config.dim(), config.normEps());
        this.head = config.tiedEmbeddings() ? embedding : params.matrix("lm_head.weight", config.vocabSize(), config.dim(), std);
        // MTP modules use the last block's kind of FFN (a MoE model's MTP block is a MoE block, as in DeepSeek-V3).
        this.mtp = config.mtpDepth() == 0 ? null : new MultiTokenPrediction(params, config.mtpDepth(), config.layers(),
                config.attentionSpec(), config.mla(), config.feedForwardSpec(), config.isMoeLayer(config.layers() - 1) ? config.moe() : null,
                config.normEps(), rope, std, residualStd, embedding, head);
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
        return Ops.linearExact(tape, hidden(tape, tokens, batch, seq, 0f, 0), head);
    }

    /**
     * Training loss of a batch: mean next-token cross-entropy (targets[i] follows tokens[i]), plus the MTP losses
     * weighted by mtpWeight / D, plus the MoE layers' sequence-wise balance losses when enabled; dropout seeded.
     */
    public Loss loss(Tape tape, int[] tokens, int[] targets, int batch, int seq, float dropout, long seed, float mtpWeight) {
        Tensor h = hidden(tape, tokens, batch, seq, dropout, seed);
        Tensor main = Ops.crossEntropy(tape, Ops.linearExact(tape, h, head), targets);
        Tensor total = main;
        double[] mtpLosses = new double[mtp == null ? 0 : mtp.depth()];
        if (mtp != null) {
            Tensor[] depth = mtp.losses(tape, h, targets, batch, seq, dropout, seed + 99991L);
            for (int k = 0; k < depth.length; k++) {
                mtpLosses[k] = depth[k].data[0];
                total = Ops.add(tape, total, Ops.scale(tape, depth[k], mtpWeight / depth.length));
            }
        }
        double balance = 0;
        for (MixtureOfExperts moe : moeLayers(true)) {
            Tensor b = moe.takeBalanceLoss();
            if (b != null) {
                balance += b.data[0];
                total = Ops.add(tape, total, b);
            }
        }
        return new Loss(total, main.data[0], mtpLosses, balance);
    }

    /** Mean next-token cross-entropy of a batch, without MTP (for tests and evaluation). */
    public Tensor loss(Tape tape, int[] tokens, int[] targets, int batch, int seq, float dropout, long seed) {
        return loss(tape, tokens, targets, batch, seq, dropout, seed, 0f).total();
    }

    /** The mixture-of-experts layers of the main blocks, in order (empty for a dense model). */
    public java.util.List<MixtureOfExperts> moeLayers() {
        return moeLayers(false);
    }

    /** The MoE layers of the main blocks and, with withMtp, of the MTP modules' blocks. */
    public java.util.List<MixtureOfExperts> moeLayers(boolean withMtp) {
        java.util.List<MixtureOfExperts> out = new java.util.ArrayList<>();
        for (Block b : blocks) if (b.feedForward instanceof MixtureOfExperts m) out.add(m);
        if (withMtp && mtp != null)
            for (MultiTokenPrediction.Module m : mtp.modules) if (m.block.feedForward instanceof MixtureOfExperts x) out.add(x);
        return out;
    }
}
