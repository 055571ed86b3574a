package dev.trident.tokenizer;

import static dev.trident.tokenizer.CodePointClass.LETTER;
import static dev.trident.tokenizer.CodePointClass.MARK;
import static dev.trident.tokenizer.CodePointClass.NUMBER;
import static dev.trident.tokenizer.CodePointClass.PUNCTUATION;
import static dev.trident.tokenizer.CodePointClass.SPACE;
import static dev.trident.tokenizer.CodePointClass.SYMBOL;
import static dev.trident.tokenizer.Llama3PreTokenizer.classOf;
import static dev.trident.tokenizer.Llama3PreTokenizer.codePoint;
import static dev.trident.tokenizer.Llama3PreTokenizer.length;

/**
 * DeepSeek-V3's pre-tokenizer (llama.cpp's "deepseek-v3"): three regexes applied in turn, each splitting the pieces
 * the previous one left, where both the matches and the text between them become pieces:
 * <ol>
 *   <li>{@code \p{N}{1,3}}: numbers in groups of up to three;</li>
 *   <li>{@code [一-龥぀-ゟ゠-ヿ]+}: runs of CJK ideographs U+4E00..U+9FA5, hiragana and katakana U+3040..U+30FF;</li>
 *   <li>{@code [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+|
 *       ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}, within each of those pieces (so a lookahead sees a
 *       piece's end as the end of the text), the characters no alternative matches forming one chunk up to the next
 *       match.</li>
 * </ol>
 * A hand-written scanner: from a chunk boundary the current piece is known from the first character (a number
 * starts a number group; a CJK character a CJK run; anything else a piece that ends before the next number or CJK
 * character), so chunks are found left to right without materializing the pieces. Classes are llama.cpp's
 * ({@link CodePointClass}); input is valid UTF-8 (see {@link Llama3PreTokenizer}).
 */
final class DeepSeekV3PreTokenizer {
    private DeepSeekV3PreTokenizer() {
    }

    /** The end (exclusive) of the chunk starting at {@code start}; {@code start < end}. */
    static int chunkEnd(byte[] s, int start, int end) {
        int p = PreTokenizer.decode(s, start, end);
        int next = start + length(p);
        if (classOf(p) == NUMBER) { // regex 1; regex 3 matches nothing inside a number group
            int i = next;
            for (int k = 1; k < 3 && i < end; k++) {
                int q = PreTokenizer.decode(s, i, end);
                if (classOf(q) != NUMBER) {
                    break;
                }
                i += length(q);
            }
            return i;
        }
        boolean cjk = isCjk(codePoint(p));
        int m = matchEnd(s, start, end, cjk);
        if (m >= 0) {
            return m;
        }
        // No alternative matches here: the chunk runs to where one does, or to the end of the piece.
        int i = next;
        while (i < end) {
            int q = PreTokenizer.decode(s, i, end);
            if (!inPiece(q, cjk) || matchEnd(s, i, end, cjk) >= 0) {
                break;
            }
            i += length(q);
        }
        return i;
    }

    /** Whether a character starts a piece of its own (regexes 1 and 2): a number or a CJK character. */
    static boolean startsPiece(int packed) {
        return classOf(packed) == NUMBER || isCjk(codePoint(packed));
    }

    private static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FA5) || (cp >= 0x3040 && cp <= 0x30FF);
    }

    /** Whether a character belongs to the current piece (CJK run or other text; numbers never reach here). */
    private static boolean inPiece(int packed, boolean cjk) {
        return cjk ? isCjk(codePoint(packed)) : !startsPiece(packed);
    }

    /** The end of regex 3's match at {@code i}, or -1 if no alternative matches there. */
    private static int matchEnd(byte[] s, int i, int end, boolean cjk) {
        int p = PreTokenizer.decode(s, i, end);
        int c = codePoint(p);
        int cls = classOf(p);
        int next = i + length(p);
        int after = next < end ? PreTokenizer.decode(s, next, end) : -1;
        boolean afterIn = after >= 0 && inPiece(after, cjk);
        // [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+ : ASCII punctuation or symbol, then ASCII letters
        if (isAsciiPunctuationOrSymbol(c) && next < end && isAsciiLetter(s[next])) {
            int k = next + 1;
            while (k < end && isAsciiLetter(s[k])) {
                k++;
            }
            return k;
        }
        // [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+
        if (cls == LETTER || cls == MARK) {
            return runEnd(s, next, end, cjk, LETTER, MARK);
        }
        if (c != '\r' && c != '\n' && cls != PUNCTUATION && cls != SYMBOL && afterIn
                && (classOf(after) == LETTER || classOf(after) == MARK)) {
            return runEnd(s, next, end, cjk, LETTER, MARK);
        }
        // " ?[\p{P}\p{S}]+[\r\n]*"
        int j = -1;
        if (cls == PUNCTUATION || cls == SYMBOL) {
            j = i;
        } else if (c == ' ' && afterIn && (classOf(after) == PUNCTUATION || classOf(after) == SYMBOL)) {
            j = next;
        }
        if (j >= 0) {
            int k = runEnd(s, j, end, cjk, PUNCTUATION, SYMBOL);
            while (!cjk && k < end && (s[k] == '\r' || s[k] == '\n')) { // CR and LF are outside a CJK piece
                k++;
            }
            return k;
        }
        if (cls == SPACE) { // \s*[\r\n]+|\s+(?!\S)|\s+
            return Llama3PreTokenizer.whitespaceEnd(s, i, end, next, !cjk);
        }
        return -1;
    }

    /** The end of the run of characters of class a or b, within the piece. */
    private static int runEnd(byte[] s, int i, int end, boolean cjk, int a, int b) {
        while (i < end) {
            int q = PreTokenizer.decode(s, i, end);
            int cls = classOf(q);
            if ((cls != a && cls != b) || !inPiece(q, cjk)) {
                return i;
            }
            i += length(q);
        }
        return end;
    }

    private static boolean isAsciiLetter(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    }

    private static boolean isAsciiPunctuationOrSymbol(int c) {
        return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
    }
}
