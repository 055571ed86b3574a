package dev.trident.blt.patch;

/**
 * Mean patch size as the model experiences it: windows of T positions laid end to end over a text (each with its
 * boundary-token patch), bytes predicted per patch the global transformer runs on. This is the figure that sets
 * the global model's cost per byte.
 */
public final class PatchStats {
    private PatchStats() {}

    /** Bytes per patch over the complete windows of seq positions in text (at least one window needed). */
    public static double meanPatchSize(Patcher patcher, byte[] text, float[] entropies, int seq) {
        long patches = 0, bytes = 0;
        boolean[] flags = new boolean[seq + 1];
        for (int s = 0; s + seq <= text.length; s += seq) {
            patcher.flags(text, entropies, s, flags);
            for (int k = 0; k < seq; k++) if (flags[k]) patches++;
            bytes += seq;
        }
        if (patches == 0) throw new IllegalArgumentException("text of " + text.length + " bytes holds no window of " + seq);
        return (double) bytes / patches;
    }

    /**
     * The threshold whose mean patch size over text is closest to the target (bisection: a higher threshold never
     * makes more patches). Static and space patching have no threshold and are returned as they are.
     */
    public static PatcherSpec calibrate(PatcherSpec spec, byte[] text, float[] entropies, int seq) {
        if (!spec.mode().usesEntropy()) return spec;
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int i = 1; i < entropies.length; i++) {
            float h = entropies[i], d = spec.mode() == PatchingMode.MONOTONIC ? h - entropies[i - 1] : h;
            if (Float.isNaN(d)) continue;
            lo = Math.min(lo, d);
            hi = Math.max(hi, d);
        }
        if (lo > hi) throw new IllegalArgumentException("no entropies to calibrate on");
        lo -= 1;
        hi += 1;
        double target = spec.targetPatchSize();
        for (int it = 0; it < 48; it++) {
            double mid = 0.5 * (lo + hi);
            double size = meanPatchSize(new Patcher(spec.withThreshold(mid)), text, entropies, seq);
            if (size < target) lo = mid; // too many patches: raise the threshold
            else hi = mid;
        }
        double a = meanPatchSize(new Patcher(spec.withThreshold(lo)), text, entropies, seq);
        double b = meanPatchSize(new Patcher(spec.withThreshold(hi)), text, entropies, seq);
        return spec.withThreshold(Math.abs(a - target) <= Math.abs(b - target) ? lo : hi);
    }
}
