package dev.trident.lab;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Cost per token at equal quality. The dense model of the final rung's validation BPB b* is found among the dense
 * rows (the baseline and its references): exactly, or by interpolating log(cost) linearly in BPB between the two
 * dense rows bracketing b* (the cheapest dense row at least as good, and the best dense row worse than b*). Its
 * cost over the final row's is the saving; {@link #chain} splits it into one factor per step of the ladder, whose
 * logarithms add up to the logarithm of the whole ratio (each step's share).
 */
public final class EqualQuality {
    private EqualQuality() {}

    public enum How { EXACT, INTERPOLATED, NOT_REACHED, ALL_BETTER }

    /**
     * The matched dense model's cost: better is the dense row used as at least as good (null when none is), worse
     * the one below b* (null when none is or none was needed); how says which case it is.
     */
    public record Match(How how, double targetBpb, Row better, Row worse, double bytesPerToken, double secondsPerToken) {
        public String describe() {
            return switch (how) {
                case EXACT -> String.format(java.util.Locale.ROOT, "%s reaches the final rung's %.4f BPB exactly", better.title(), targetBpb);
                case INTERPOLATED -> String.format(java.util.Locale.ROOT,
                        "no dense model hit %.4f BPB exactly; interpolated (log cost linear in BPB) between %s (%.4f) and %s (%.4f)",
                        targetBpb, worse.title(), worse.valBpb(), better.title(), better.valBpb());
                case NOT_REACHED -> String.format(java.util.Locale.ROOT,
                        "no dense model trained here reached %.4f BPB (best: %s, %.4f); its cost is used, so the ratio understates the saving",
                        targetBpb, worse.title(), worse.valBpb());
                case ALL_BETTER -> String.format(java.util.Locale.ROOT,
                        "every dense model trained here is at least as good as %.4f BPB; the cheapest (%s, %.4f) is used, so the ratio overstates the saving",
                        targetBpb, better.title(), better.valBpb());
            };
        }
    }

    /** Whether the dense rows already bracket b* (one at least as good, one worse and cheaper). */
    public static boolean bracketed(List<Row> dense, double target) {
        Match m = match(dense, target);
        return m != null && (m.how() == How.EXACT || m.how() == How.INTERPOLATED);
    }

    /** The matched dense model's cost, or null when there is no dense row with figures. */
    public static Match match(List<Row> dense, double target) {
        List<Row> ok = dense.stream().filter(r -> r.ok() && Double.isFinite(r.valBpb())).toList();
        if (ok.isEmpty()) return null;
        Row better = ok.stream().filter(r -> r.valBpb() <= target).min(Comparator.comparingDouble(Row::bytesPerToken)).orElse(null);
        if (better == null) {
            Row best = ok.stream().min(Comparator.comparingDouble(Row::valBpb)).orElseThrow();
            return new Match(How.NOT_REACHED, target, null, best, best.bytesPerToken(), best.secondsPerToken());
        }
        if (Math.abs(better.valBpb() - target) < 1e-9)
            return new Match(How.EXACT, target, better, null, better.bytesPerToken(), better.secondsPerToken());
        List<Row> worse = ok.stream().filter(r -> r.valBpb() > target).toList();
        List<Row> cheaper = worse.stream().filter(r -> r.bytesPerToken() <= better.bytesPerToken()).toList();
        Row w = (cheaper.isEmpty() ? worse : cheaper).stream().min(Comparator.comparingDouble(Row::valBpb)).orElse(null);
        if (w == null) return new Match(How.ALL_BETTER, target, better, null, better.bytesPerToken(), better.secondsPerToken());
        double t = (w.valBpb() - target) / (w.valBpb() - better.valBpb());
        return new Match(How.INTERPOLATED, target, better, w, logLerp(w.bytesPerToken(), better.bytesPerToken(), t),
                logLerp(w.secondsPerToken(), better.secondsPerToken(), t));
    }

    private static double logLerp(double a, double b, double t) {
        return Math.exp(Math.log(a) + t * (Math.log(b) - Math.log(a)));
    }

    /** One step of the chain: the cost before and after it, their ratio and its share of the whole (log) ratio. */
    public record Step(String label, double from, double to, double factor, double share) {}

    /**
     * The factors from the matched dense cost to the final row's, one per row in order (rows without a figure are
     * skipped, so their effect lands in the next step). The first step, matched dense -> baseline, is what the
     * ladder's quality gains buy: how much larger a dense model must be to match them.
     */
    public static List<Step> chain(double matched, List<Row> rows, ToDoubleFunction<Row> cost) {
        List<double[]> values = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (Row r : rows) {
            double c = cost.applyAsDouble(r);
            if (r.ok() && Double.isFinite(c) && c > 0) {
                values.add(new double[]{c});
                labels.add(r.title());
            }
        }
        List<Step> steps = new ArrayList<>();
        if (values.isEmpty() || !(matched > 0)) return steps;
        double total = Math.log(matched / values.getLast()[0]);
        double prev = matched;
        for (int i = 0; i < values.size(); i++) {
            double c = values.get(i)[0];
            String label = i == 0 ? "equal quality: matched dense -> " + labels.get(0) : labels.get(i);
            double f = prev / c;
            steps.add(new Step(label, prev, c, f, Math.abs(total) < 1e-12 ? Double.NaN : Math.log(f) / total));
            prev = c;
        }
        return steps;
    }
}
