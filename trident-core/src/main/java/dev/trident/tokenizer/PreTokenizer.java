package dev.trident.tokenizer;

/**
 * Splits UTF-8 bytes into the chunks that BPE merges never cross, exactly as GPT-2's regex
 * <pre>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</pre>
 * would on the decoded text ({@code \s} being Unicode White_Space, classes as in llama.cpp's tables:
 * {@link CodePointClass}), but as a hand-written scanner over code points: java.util.regex is several times too
 * slow for the encoder's budget. The other pre-tokenizers are {@link PreTokenizerType}.
 *
 * <p>Invalid UTF-8 never fails: each byte that does not start a well-formed sequence is treated as one
 * character of the "other" class (neither letter, number nor space), so every byte lands in exactly one chunk
 * and decoding the chunks gives back the input bytes.
 */
public final class PreTokenizer {
    static final int LETTER = 0;
    static final int NUMBER = 1;
    static final int SPACE = 2;
    static final int OTHER = 3;

    /** Class of each ASCII byte. */
    private static final byte[] ASCII_CLASS = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            ASCII_CLASS[c] = (byte) classOf(c);
        }
    }

    private PreTokenizer() {
    }

    /**
     * The end (exclusive) of the chunk starting at {@code start}; {@code start < end}. Call repeatedly from the
     * returned position to split a whole range.
     */
    public static int chunkEnd(byte[] s, int start, int end) {
        int b = s[start];
        if (b == '\'' && start + 1 < end) {
            int contraction = contractionEnd(s, start, end);
            if (contraction > 0) {
                return contraction;
            }
        }
        if (b == ' ' && start + 1 < end) {
            // " ?\p{L}+" and friends: a single leading space joins a following run of letters/numbers/other.
            int next = classAt(s, start + 1, end);
            if (next != SPACE) {
                return runEnd(s, start + 1, end, next);
            }
        }
        int cls = classAt(s, start, end);
        if (cls != SPACE) {
            return runEnd(s, start, end, cls);
        }
        // "\s+(?!\S)|\s+": a whitespace run, minus its last character if a non-space follows it
        // (that character then leads the next chunk, e.g. the space in " word").
        int i = start;
        int lastStart = start;
        while (i < end) {
            int packed = decode(s, i, end);
            if (classOfPacked(packed) != SPACE) {
                return lastStart > start ? lastStart : i;
            }
            lastStart = i;
            i += length(packed);
        }
        return end;
    }

    /** Counts the chunks in {@code s} (handy for sizing and tests). */
    public static int countChunks(byte[] s) {
        int n = 0;
        for (int i = 0; i < s.length; i = chunkEnd(s, i, s.length)) {
            n++;
        }
        return n;
    }

    private static int contractionEnd(byte[] s, int start, int end) {
        int c1 = s[start + 1];
        if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
            return start + 2;
        }
        if (start + 2 < end) {
            int c2 = s[start + 2];
            if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
                return start + 3;
            }
        }
        return -1;
    }

    /** The end of the maximal run of characters of class {@code cls} starting at {@code i}. */
    private static int runEnd(byte[] s, int i, int end, int cls) {
        while (i < end) {
            int b = s[i];
            if (b >= 0) { // ASCII fast path
                if (ASCII_CLASS[b] != cls) {
                    return i;
                }
                i++;
            } else {
                int packed = decode(s, i, end);
                if (classOfPacked(packed) != cls) {
                    return i;
                }
                i += length(packed);
            }
        }
        return end;
    }

    private static int classAt(byte[] s, int i, int end) {
        int b = s[i];
        return b >= 0 ? ASCII_CLASS[b] : classOfPacked(decode(s, i, end));
    }

    // ---- UTF-8 decoding: a code point and its byte length packed in one int ----

    /** Marks a byte that does not start a well-formed UTF-8 sequence. */
    static final int INVALID = 0x1FFFFF;

    private static int length(int packed) {
        return packed >>> 21;
    }

    private static int classOfPacked(int packed) {
        int cp = packed & INVALID;
        return cp == INVALID ? OTHER : classOf(cp);
    }

    /**
     * Decodes the code point at {@code i} as {@code length << 21 | codePoint}; ill-formed sequences (bad
     * continuation, overlong, surrogate, above U+10FFFF, truncated) decode as one INVALID byte.
     */
    static int decode(byte[] s, int i, int end) {
        int b0 = s[i] & 0xFF;
        if (b0 < 0x80) {
            return 1 << 21 | b0;
        }
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            if (i + 1 < end && isCont(s[i + 1])) {
                return 2 << 21 | (b0 & 0x1F) << 6 | (s[i + 1] & 0x3F);
            }
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            if (i + 2 < end && isCont(s[i + 1]) && isCont(s[i + 2])) {
                int cp = (b0 & 0x0F) << 12 | (s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F);
                if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
                    return 3 << 21 | cp;
                }
            }
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            if (i + 3 < end && isCont(s[i + 1]) && isCont(s[i + 2]) && isCont(s[i + 3])) {
                int cp = (b0 & 0x07) << 18 | (s[i + 1] & 0x3F) << 12 | (s[i + 2] & 0x3F) << 6 | (s[i + 3] & 0x3F);
                if (cp >= 0x10000 && cp <= 0x10FFFF) {
                    return 4 << 21 | cp;
                }
            }
        }
        return 1 << 21 | INVALID;
    }

    private static boolean isCont(byte b) {
        return (b & 0xC0) == 0x80;
    }

    /** Letter (\p{L}), number (\p{N}), Unicode White_Space (\s), or other, as llama.cpp's tables say. */
    static int classOf(int cp) {
        return CodePointClass.coarse(CodePointClass.of(cp));
    }
}
