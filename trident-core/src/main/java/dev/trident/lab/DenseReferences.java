package dev.trident.lab;

import dev.trident.model.ModelConfig;
import dev.trident.model.Presets.Preset;

import java.util.List;
import java.util.Locale;

/**
 * Dense models around the baseline, trained to find the one whose validation BPB equals the final rung's: wider
 * (same depth, the same head width and GQA ratio, the same FFN ratio) or trained for longer. When the final rung
 * beats the baseline the search goes up (wider, then longer); when it does not, it goes down (narrower), so the
 * matched quality is always bracketed when the candidates allow it.
 */
public final class DenseReferences {
    /** (width scale, budget scale), tried in order when the final rung is better than the baseline. */
    static final double[][] UP = {{1.5, 1}, {2, 1}, {1.5, 2}, {1, 2}, {2, 2}};
    /** ... and when it is worse. */
    static final double[][] DOWN = {{0.75, 1}, {0.5, 1}};

    private DenseReferences() {}

    /** The candidates in the order to try them: up when the target BPB is below the baseline's, else down. */
    public static List<Rung> candidates(Preset baseline, boolean up) {
        return java.util.Arrays.stream(up ? UP : DOWN).map(s -> rung(baseline, s[0], s[1])).toList();
    }

    /**
     * Whether training cand (searching up) can be skipped: a reference at most as wide with at least cand's budget
     * already came out no better than the baseline. Under a fixed budget a wider model takes fewer steps, so once
     * widening stops paying at a budget, widening further at that budget will not either; the search moves on to
     * the longer budgets. tried maps each reference trained so far to its validation BPB.
     */
    static boolean futile(Rung cand, java.util.Map<Rung, Double> tried, double baselineBpb) {
        for (var e : tried.entrySet()) {
            Rung t = e.getKey();
            if (t.widthScale() > 1 && t.widthScale() <= cand.widthScale() && t.budgetScale() >= cand.budgetScale()
                    && !(e.getValue() < baselineBpb)) return true;
        }
        return false;
    }

    static Rung rung(Preset baseline, double width, double budget) {
        String id = String.format(Locale.ROOT, "dense-w%s-t%s", trim(width), trim(budget));
        ModelConfig c = widen(baseline.model(), width);
        String title = String.format(Locale.ROOT, "dense d = %d%s", c.dim(), budget == 1 ? "" : " (" + trim(budget) + "x budget)");
        return new Rung(id, title, Rung.Kind.DENSE, new Preset(baseline.name() + "-" + id, title, c, baseline.train()), 0, false, budget, width);
    }

    /**
     * The dense config scaled in width by w: d' a multiple of the head width (at least two heads), heads = d' / head
     * width, key/value heads in the baseline's ratio, SwiGLU width in the baseline's ratio to d (rounded to 16).
     */
    static ModelConfig widen(ModelConfig c, double w) {
        if (c.moe() != null || c.mla() != null) throw new IllegalArgumentException("only a dense GQA model is widened");
        int hd = c.headDim();
        int heads = Math.max(2, (int) Math.round(c.dim() * w / hd));
        int dim = heads * hd;
        int kv = Math.max(1, heads * c.kvHeads() / c.heads());
        while (heads % kv != 0) kv--;
        int hidden = Math.max(16, (int) Math.round((double) c.hiddenDim() / c.dim() * dim / 16) * 16);
        return new ModelConfig(c.vocabSize(), dim, c.layers(), heads, kv, hd, hidden, c.maxSeqLen(), c.ropeTheta(), c.normEps(), c.tiedEmbeddings());
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
