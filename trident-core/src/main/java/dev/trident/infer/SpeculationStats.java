package dev.trident.infer;

/**
 * How self-speculative decoding went: per draft depth j (0-based), how often a draft at that depth was checked and
 * accepted; how many tokens each main-model forward produced on average.
 */
public record SpeculationStats(long[] proposed, long[] accepted, long mainForwards, long tokens) {

    /** Accepted / proposed at depth j (the second token is depth 0). */
    public double acceptance(int depth) {
        return proposed[depth] == 0 ? 0 : (double) accepted[depth] / proposed[depth];
    }

    /** Accepted drafts / proposed drafts over all depths. */
    public double acceptance() {
        long p = 0, a = 0;
        for (int j = 0; j < proposed.length; j++) {
            p += proposed[j];
            a += accepted[j];
        }
        return p == 0 ? 0 : (double) a / p;
    }

    public double tokensPerForward() {
        return mainForwards == 0 ? 0 : (double) tokens / mainForwards;
    }
}
