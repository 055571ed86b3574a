package dev.trident.lab;

import dev.trident.autograd.Tape;
import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.train.TrainConfig;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A few untimed training steps of every rung's model on random tokens before the first timed rung, so the JIT has
 * compiled each path (MoE dispatch, MLA, MTP, FP8 rounding) before any budget starts; otherwise the first rung to
 * use a path pays for its compilation inside its budget.
 */
final class Warmup {
    static final int STEPS = 2;

    private Warmup() {}

    static void run(List<Rung> rungs) {
        SplittableRandom rng = new SplittableRandom(7);
        for (Rung r : rungs) {
            TrainConfig tc = r.preset().train();
            ModelConfig mc = r.preset().model().withVocabSize(tc.vocabSize()).withMtpDepth(r.mtpDepth()).withMaxSeqLen(tc.seqLen());
            Transformer model = new Transformer(mc, 1);
            Tape tape = new Tape();
            tape.setFp8(r.fp8());
            int n = tc.batchSize() * tc.seqLen();
            for (int s = 0; s < STEPS; s++) {
                int[] in = rng.ints(n, 0, mc.vocabSize()).toArray(), tg = rng.ints(n, 0, mc.vocabSize()).toArray();
                var loss = model.loss(tape, in, tg, tc.batchSize(), tc.seqLen(), tc.dropout(), s, (float) tc.mtpWeight());
                tape.backward(loss.total());
                tape.reset();
            }
        }
    }
}
