package dev.trident.blt;

import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.CrossEntropy;

/**
 * Bits per byte of a Byte Latent Transformer on a text: every byte predicted exactly once, in windows of T
 * positions, with the patches the text's entropies give. BPB = total nats / (ln 2 x bytes), the same definition
 * as {@link dev.trident.eval.Evaluator}'s for BPE models.
 */
public final class BltEvaluator {
    private BltEvaluator() {}

    /** Quality and patching of an evaluation: nats per byte, bits per byte, bytes, mean patch size. */
    public record Result(double natsPerByte, double bitsPerByte, long bytes, double meanPatchSize) {}

    /** Over the first maxBytes bytes of the data's text (all of it with Integer.MAX_VALUE). */
    public static Result evaluate(BltModel model, BltData data, int maxBytes, java.util.function.IntConsumer progress) {
        int seq = model.config.seqLen();
        int[][] w = data.coveringWindows(maxBytes);
        int perBatch = Math.max(1, 8192 / seq);
        Tape tape = new Tape();
        tape.setRecording(false);
        double nats = 0;
        long bytes = 0, patches = 0, positions = 0;
        for (int w0 = 0; w0 < w[0].length; w0 += perBatch) {
            int n = Math.min(perBatch, w[0].length - w0);
            BltData.Batch b = data.windows(BltData.slice(w[0], w0, w0 + n), BltData.slice(w[1], w0, w0 + n));
            PatchLayout layout = b.layout(model.config);
            Tensor logits = model.logits(tape, b.tokens(), layout, 0f, 0);
            int counted = 0;
            for (int t : b.targets()) if (t >= 0) counted++;
            nats += CrossEntropy.forwardBackward(logits.data, b.targets(), n * seq, ByteVocab.SIZE, null) * counted;
            bytes += counted;
            patches += layout.realPatches();
            positions += (long) n * seq;
            tape.reset();
            if (progress != null) progress.accept(w0 + n);
        }
        return new Result(nats / bytes, nats / (Math.log(2) * bytes), bytes, (double) positions / patches);
    }
}
