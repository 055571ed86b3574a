package dev.trident.cli;

import java.util.Locale;

/** Numbers and durations the way a person reads them. */
final class Format {
    private Format() {}

    /** 950, 12.3k, 4.56M, 1.2B. */
    static String count(double n) {
        double a = Math.abs(n);
        if (a >= 1e9) return String.format(Locale.ROOT, "%.2fB", n / 1e9);
        if (a >= 1e6) return String.format(Locale.ROOT, "%.2fM", n / 1e6);
        if (a >= 1e4) return String.format(Locale.ROOT, "%.1fk", n / 1e3);
        if (a >= 100 || n == Math.rint(n)) return String.format(Locale.ROOT, "%.0f", n);
        return String.format(Locale.ROOT, "%.1f", n);
    }

    /** 0.42s, 12.3s, 4m 05s, 1h 02m. */
    static String duration(double seconds) {
        if (seconds < 10) return String.format(Locale.ROOT, "%.2fs", seconds);
        if (seconds < 60) return String.format(Locale.ROOT, "%.1fs", seconds);
        long s = Math.round(seconds);
        if (s < 3600) return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
        return String.format(Locale.ROOT, "%dh %02dm", s / 3600, (s % 3600) / 60);
    }
}
