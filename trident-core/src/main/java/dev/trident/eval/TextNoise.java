package dev.trident.eval;

import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;

/**
 * A noised copy of a text for robustness measurements, in the spirit of the BLT paper's noised benchmarks: each
 * character is, with probability p, hit by one of three edits chosen at random: its case flipped (letters only;
 * other characters draw one of the two others), dropped, or repeated. Multi-byte UTF-8 characters are kept whole,
 * so the result stays valid UTF-8. Deterministic for a seed.
 */
public final class TextNoise {
    private TextNoise() {}

    public static byte[] apply(byte[] text, double p, long seed) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("noise probability " + p + " outside [0, 1]");
        SplittableRandom rng = new SplittableRandom(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length + text.length / 16);
        int i = 0;
        while (i < text.length) {
            int len = charLength(text, i);
            if (rng.nextDouble() >= p) {
                out.write(text, i, len);
            } else {
                boolean letter = len == 1 && Character.isLetter(text[i]);
                int edit = letter ? rng.nextInt(3) : 1 + rng.nextInt(2);
                switch (edit) {
                    case 0 -> out.write(flipCase(text[i]));
                    case 1 -> { } // dropped
                    default -> {
                        out.write(text, i, len);
                        out.write(text, i, len);
                    }
                }
            }
            i += len;
        }
        return out.toByteArray();
    }

    private static int flipCase(byte b) {
        char c = (char) b;
        return Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c);
    }

    /** Bytes of the UTF-8 character starting at i (1 for ASCII, stray continuation bytes and truncated tails). */
    private static int charLength(byte[] t, int i) {
        int b = t[i] & 0xFF, n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        if (i + n > t.length) return 1;
        for (int j = 1; j < n; j++) if ((t[i + j] & 0xC0) != 0x80) return 1;
        return n;
    }
}
