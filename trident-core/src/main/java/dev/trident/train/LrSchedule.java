package dev.trident.train;

/** Linear warm-up to the peak rate, then cosine decay to minLr at totalSteps (flat after). */
public record LrSchedule(double peak, double minLr, int warmupSteps, int totalSteps) {
    public double at(int step) {
        if (step < warmupSteps) return peak * (step + 1) / warmupSteps;
        if (step >= totalSteps) return minLr;
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (peak - minLr);
    }
}
