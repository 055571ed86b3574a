package dev.trident.blt;

import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.RopeTable;
import dev.trident.nn.Parameters;

/**
 * The Byte Latent Transformer for training and teacher-forced evaluation: {@link LocalEncoder} (bytes -> patch
 * vectors), {@link LatentTransformer} (patch vectors -> global outputs), {@link LocalDecoder} (bytes + global
 * outputs -> next-byte logits). Patch boundaries come in with the batch ({@link PatchLayout}); the entropy model that
 * decides them is separate. {@link BltGenerator} runs the same weights one byte at a time.
 */
public final class BltModel {
    public final BltConfig config;
    public final Parameters params;
    public final RopeTable localRope, globalRope;
    public final LocalEncoder encoder;
    public final LatentTransformer global;
    public final LocalDecoder decoder;

    public BltModel(BltConfig config, long seed) {
        this.config = config;
        this.params = new Parameters(seed);
        double std = 0.02;
        int depth = config.encoderLayers() + config.globalLayers() + config.decoderLayers();
        double residualStd = 0.02 / Math.sqrt(2.0 * depth);
        this.localRope = new RopeTable(config.localDim() / config.localHeads(), config.seqLen(), config.ropeTheta());
        this.globalRope = new RopeTable(config.globalDim() / config.globalHeads(), config.seqLen() + 16, config.ropeTheta());
        this.encoder = new LocalEncoder(params, config, localRope, std, residualStd);
        this.global = new LatentTransformer(params, config, globalRope, std, residualStd);
        this.decoder = new LocalDecoder(params, config, localRope, std, residualStd);
    }

    /** Next-byte logits [batch*T, 257] for windows of tokens [batch*T] cut into patches as layout says. */
    public Tensor logits(Tape tape, int[] tokens, PatchLayout layout, float dropout, long seed) {
        if (tokens.length != layout.batch * config.seqLen() || layout.seq != config.seqLen())
            throw new IllegalArgumentException(tokens.length + " tokens for " + layout.batch + " windows of " + config.seqLen());
        LocalEncoder.Output enc = encoder.forward(tape, tokens, layout, dropout, seed);
        Tensor g = global.forward(tape, enc.patches(), layout.batch, layout.patches, dropout, seed + 7_000_001L);
        return decoder.forward(tape, enc.bytes(), g, layout, dropout, seed + 14_000_003L);
    }

    /** Mean next-byte cross-entropy (nats per byte); targets < 0 are not counted. */
    public Tensor loss(Tape tape, int[] tokens, int[] targets, PatchLayout layout, float dropout, long seed) {
        return Ops.crossEntropy(tape, logits(tape, tokens, layout, dropout, seed), targets);
    }
}
