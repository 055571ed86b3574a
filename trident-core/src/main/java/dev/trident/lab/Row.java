package dev.trident.lab;

/**
 * One line of the lab's report: a ladder rung, a served configuration of the final rung, or a dense reference.
 * Costs are per generated token at the measured mean context: inference FLOPs, bytes of weights and of KV cache
 * read. For a served row with speculation they are per generated token, i.e. per main-model forward divided by the
 * tokens each forward yields. NaN means "does not apply" (no training for a served row, no drafts without MTP) or
 * "not measured"; pending says why a measurement is still missing, failed why the rung has no figures at all.
 */
public record Row(String id, String title, Kind kind, String weights, double valBpb, long params, long activeParams,
                  double trainFlopsPerToken, double trainTokensPerSecond, double trainFlops, long steps,
                  double inferFlopsPerToken, double weightBytesPerToken, double kvBytesPerToken, double meanContext,
                  double decodeTokensPerSecond, double acceptance, double tokensPerForward, double peakHeapBytes,
                  double servingBytes, String pending, String failed) {

    public enum Kind {
        LADDER("ladder"), SERVED("served"), DENSE("dense reference");

        public final String label;

        Kind(String label) { this.label = label; }
    }

    /** A rung that failed: its title and why, no figures. */
    static Row failed(String id, String title, Kind kind, String why) {
        double n = Double.NaN;
        return new Row(id, title, kind, "fp32", n, 0, 0, n, n, n, 0, n, n, n, n, n, n, n, n, n, null, why);
    }

    public boolean ok() {
        return failed == null;
    }

    /** Bytes of weights and KV cache read per generated token. */
    public double bytesPerToken() {
        return weightBytesPerToken + kvBytesPerToken;
    }

    /** Measured decode seconds per generated token (NaN while pending). */
    public double secondsPerToken() {
        return 1 / decodeTokensPerSecond;
    }
}
