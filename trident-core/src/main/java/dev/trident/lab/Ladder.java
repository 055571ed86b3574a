package dev.trident.lab;

import dev.trident.model.ModelConfig;
import dev.trident.model.Presets;
import dev.trident.model.Presets.Preset;
import dev.trident.train.TrainConfig;

import java.util.List;

/**
 * The efficiency ladder: a dense fp32 GQA baseline, then DeepSeek's techniques added one at a time, each rung keeping
 * everything the one before had:
 * <ol>
 *   <li>dense fp32 baseline (Llama-style, grouped-query attention),</li>
 *   <li>+ DeepSeekMoE with the baseline's active parameters per token,</li>
 *   <li>+ multi-head latent attention,</li>
 *   <li>+ multi-token prediction (D = 1) during training,</li>
 *   <li>+ FP8 (E4M3, fine-grained scaling) training.</li>
 * </ol>
 * The full lab builds it from the {@code small}, {@code small-moe} and {@code small-mla} presets, {@code --quick}
 * from their {@code tiny} twins. Validation runs only once, at the end of each rung, so every rung spends its whole
 * budget training; the dense references ({@link DenseReferences}) widen the baseline.
 */
public record Ladder(Preset dense, Preset moe, Preset mla) {
    /** Effectively "never" for the trainer's periodic validation and checkpoints: one full validation at the end. */
    private static final int NO_PERIODIC_EVAL = 1 << 30;

    public static Ladder full() {
        return new Ladder(Presets.get("small"), Presets.get("small-moe"), Presets.get("small-mla"));
    }

    public static Ladder quick() {
        return new Ladder(Presets.get("tiny"), Presets.get("tiny-moe"), Presets.get("tiny-mla"));
    }

    /** The five rungs, in order. */
    public List<Rung> rungs() {
        TrainConfig train = dense.train().withEvalEvery(NO_PERIODIC_EVAL);
        ModelConfig moeMla = moe.model().withMla(mla.model().mla());
        Preset baseline = new Preset(dense.name(), dense.description(), dense.model(), train);
        Preset withMoe = new Preset(moe.name(), moe.description(), moe.model(), train);
        Preset withMla = new Preset(moe.name() + "-mla", "DeepSeekMoE + MLA", moeMla, train);
        return List.of(
                new Rung("1-dense", "dense fp32 baseline (GQA)", Rung.Kind.LADDER, baseline, 0, false, 1, 1),
                new Rung("2-moe", "+ DeepSeekMoE (same active params)", Rung.Kind.LADDER, withMoe, 0, false, 1, 1),
                new Rung("3-mla", "+ MLA", Rung.Kind.LADDER, withMla, 0, false, 1, 1),
                new Rung("4-mtp", "+ MTP (D = 1)", Rung.Kind.LADDER, withMla, 1, false, 1, 1),
                new Rung("5-fp8", "+ FP8 training", Rung.Kind.LADDER, withMla, 1, true, 1, 1));
    }

    /** The baseline preset with the lab's training settings (no periodic validation). */
    public Preset baseline() {
        return rungs().getFirst().preset();
    }
}
