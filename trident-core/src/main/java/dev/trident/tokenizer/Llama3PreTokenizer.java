package dev.trident.tokenizer;

import static dev.trident.tokenizer.CodePointClass.LETTER;
import static dev.trident.tokenizer.CodePointClass.MARK;
import static dev.trident.tokenizer.CodePointClass.NUMBER;
import static dev.trident.tokenizer.CodePointClass.SPACE;

/**
 * The pre-tokenizer of Llama 3 and Qwen2 (and Qwen3, which reuses Qwen2's), a hand-written scanner for llama.cpp's
 * form of their regex
 * <pre>(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</pre>
 * with one parameter, how many numbers a number chunk holds ({@code {1,3}} for Llama 3, one for Qwen2), and one
 * switch for Qwen3.5's variant, where combining marks join letters ({@code [\p{L}\p{M}]+} and
 * {@code [^\s\p{L}\p{M}\p{N}]+}). The original {@code (?i:'s|...)} is case-insensitive for ASCII letters only, as
 * llama.cpp spells it. Classes are llama.cpp's ({@link CodePointClass}).
 *
 * <p>Input is valid UTF-8 (the encoder repairs it first, {@link Utf8Repair}); a byte that is not is one "other"
 * character, so every call still makes progress.
 */
final class Llama3PreTokenizer {
    static final Llama3PreTokenizer LLAMA3 = new Llama3PreTokenizer(3, false);
    static final Llama3PreTokenizer QWEN2 = new Llama3PreTokenizer(1, false);
    static final Llama3PreTokenizer QWEN35 = new Llama3PreTokenizer(1, true);

    private final int maxDigits;
    private final boolean marksAreLetters;

    private Llama3PreTokenizer(int maxDigits, boolean marksAreLetters) {
        this.maxDigits = maxDigits;
        this.marksAreLetters = marksAreLetters;
    }

    /** The end (exclusive) of the chunk starting at {@code start}; {@code start < end}. */
    int chunkEnd(byte[] s, int start, int end) {
        int p = PreTokenizer.decode(s, start, end);
        int c = codePoint(p);
        int cls = classOf(p);
        int next = start + length(p);
        if (c == '\'' && next < end) { // the contractions, any case
            int a = lower(s[next]);
            if (a == 's' || a == 't' || a == 'm' || a == 'd') {
                return next + 1;
            }
            if (next + 1 < end) {
                int b = lower(s[next + 1]);
                if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                    return next + 2;
                }
            }
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+ : a letter run, with one leading character of another kind.
        if (isLetter(cls)) {
            return letterRunEnd(s, next, end);
        }
        if (c != '\r' && c != '\n' && cls != NUMBER && next < end && isLetter(classAt(s, next, end))) {
            return letterRunEnd(s, next, end);
        }
        // \p{N}{1,maxDigits}
        if (cls == NUMBER) {
            int i = next;
            for (int k = 1; k < maxDigits && i < end; k++) {
                int q = PreTokenizer.decode(s, i, end);
                if (classOf(q) != NUMBER) {
                    break;
                }
                i += length(q);
            }
            return i;
        }
        // " ?[^\s\p{L}\p{N}]+[\r\n]*"
        int j = start;
        int jcls = cls;
        if (c == ' ' && next < end) {
            j = next;
            jcls = classAt(s, next, end);
        }
        if (isOther(jcls)) {
            int i = j;
            while (i < end) {
                int q = PreTokenizer.decode(s, i, end);
                if (!isOther(classOf(q))) {
                    break;
                }
                i += length(q);
            }
            while (i < end && (s[i] == '\r' || s[i] == '\n')) {
                i++;
            }
            return i;
        }
        return whitespaceEnd(s, start, end, next, false);
    }

    /**
     * {@code \s*[\r\n]+|\s+(?!\S)|\s+} at a whitespace character: up to the last CR or LF of the run if it has one,
     * else the run minus its last character when a non-space follows (that one leads the next chunk), else the run.
     * Shared with {@link DeepSeekV3PreTokenizer}, whose pieces end before a number or a CJK character
     * ({@code piecesEndAtNumbersAndCjk}): for the lookahead, such a character is the end of the text.
     * {@code next} is the end of the first character (the result is at least that, so scanning always advances).
     */
    static int whitespaceEnd(byte[] s, int start, int end, int next, boolean piecesEndAtNumbersAndCjk) {
        int i = start;
        int lastStart = start;
        int afterNewline = -1;
        while (i < end) {
            int q = PreTokenizer.decode(s, i, end);
            if (classOf(q) != SPACE) {
                break;
            }
            int cp = codePoint(q);
            if (cp == '\r' || cp == '\n') {
                afterNewline = i + 1;
            }
            lastStart = i;
            i += length(q);
        }
        if (afterNewline > 0) {
            return afterNewline;
        }
        boolean followed = i < end
                && !(piecesEndAtNumbersAndCjk && DeepSeekV3PreTokenizer.startsPiece(PreTokenizer.decode(s, i, end)));
        if (followed && lastStart > start) {
            return lastStart;
        }
        return Math.max(i, next);
    }

    private int letterRunEnd(byte[] s, int i, int end) {
        while (i < end) {
            int b = s[i];
            if (b >= 0) { // ASCII fast path
                if (CodePointClass.of(b) != LETTER) {
                    return i;
                }
                i++;
            } else {
                int q = PreTokenizer.decode(s, i, end);
                if (!isLetter(classOf(q))) {
                    return i;
                }
                i += length(q);
            }
        }
        return end;
    }

    private boolean isLetter(int cls) {
        return cls == LETTER || (marksAreLetters && cls == MARK);
    }

    private boolean isOther(int cls) {
        return cls != SPACE && cls != NUMBER && !isLetter(cls);
    }

    private static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }

    // ---- the packed code points of PreTokenizer.decode ----

    static int codePoint(int packed) {
        return packed & PreTokenizer.INVALID;
    }

    static int length(int packed) {
        return packed >>> 21;
    }

    static int classOf(int packed) {
        int cp = packed & PreTokenizer.INVALID;
        return cp == PreTokenizer.INVALID ? CodePointClass.OTHER : CodePointClass.of(cp);
    }

    static int classAt(byte[] s, int i, int end) {
        return classOf(PreTokenizer.decode(s, i, end));
    }
}
