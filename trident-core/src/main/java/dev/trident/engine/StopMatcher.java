package dev.trident.engine;

import java.util.List;

/**
 * Finds stop texts in streamed output. Text that could still be the start of a stop text is held back until the
 * next pieces decide it, so a client never sees part of a stop text; once one appears, the output ends just
 * before it.
 */
final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    StopMatcher(List<String> stops) {
        this.stops = stops;
    }

    /** Adds a piece of output; returns the text that is now safe to emit (possibly empty). */
    String push(String piece) {
        if (stopped) return "";
        pending.append(piece);
        int first = -1;
        for (String s : stops) {
            int at = pending.indexOf(s);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        if (first >= 0) {
            stopped = true;
            String out = pending.substring(0, first);
            pending.setLength(0);
            return out;
        }
        int keep = 0; // the longest tail of pending that a stop text starts with
        String text = pending.toString();
        for (String s : stops)
            for (int len = Math.min(s.length() - 1, text.length()); len > keep; len--)
                if (text.regionMatches(text.length() - len, s, 0, len)) {
                    keep = len;
                    break;
                }
        String out = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        return out;
    }

    boolean stopped() { return stopped; }

    /** At the end of the generation: whatever was held back (it never became a stop text). */
    String flush() {
        String out = stopped ? "" : pending.toString();
        pending.setLength(0);
        return out;
    }
}
