package dev.trident.tokenizer;

import java.io.ByteArrayOutputStream;

/**
 * What a byte-level BPE actually encodes when its input is not valid UTF-8: the text as llama.cpp reads it
 * ({@code unicode_cpts_from_utf8}, then each code point back to UTF-8), so that Trident and llama.cpp give the same
 * ids for the same bytes. A lead byte fixes the sequence length (0xxxxxxx 1, 110xxxxx 2, 1110xxxx 3, 11110xxx 4);
 * if the sequence is complete (continuation bytes 10xxxxxx) its code point is taken as is, overlong forms and
 * surrogates included, and written back in its shortest form; any other byte becomes U+FFFD, one per byte. Hugging
 * Face's tokenizers and tiktoken only ever see valid text, so valid UTF-8, which passes through unchanged, is the
 * only case where every tool agrees byte for byte.
 */
public final class Utf8Repair {
    private static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

    private Utf8Repair() {
    }

    /** Whether {@code s[from, to)} is well-formed UTF-8 (then {@link #repair} returns it unchanged). */
    public static boolean isValid(byte[] s, int from, int to) {
        for (int i = from; i < to; ) {
            if (s[i] >= 0) {
                i++;
                continue;
            }
            int packed = PreTokenizer.decode(s, i, to);
            if ((packed & PreTokenizer.INVALID) == PreTokenizer.INVALID) return false;
            i += packed >>> 21;
        }
        return true;
    }

    /** {@code s[from, to)} as llama.cpp reads it (a new array; the input itself if it is valid and whole). */
    public static byte[] repair(byte[] s, int from, int to) {
        if (isValid(s, from, to)) return from == 0 && to == s.length ? s : java.util.Arrays.copyOfRange(s, from, to);
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from + 16);
        for (int i = from; i < to; ) {
            int b = s[i] & 0xFF;
            int n = b < 0x80 ? 1 : b < 0xC0 ? 0 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : b < 0xF8 ? 4 : 0;
            boolean complete = n > 0 && i + n <= to;
            for (int k = 1; complete && k < n; k++) complete = (s[i + k] & 0xC0) == 0x80;
            int cp = n == 1 ? b : n == 2 ? b & 0x1F : n == 3 ? b & 0x0F : b & 0x07;
            for (int k = 1; complete && k < n; k++) cp = cp << 6 | (s[i + k] & 0x3F);
            if (!complete || cp > 0x10FFFF) { // llama.cpp cannot write a code point past U+10FFFF back either
                out.writeBytes(REPLACEMENT);
                i++;
                continue;
            }
            writeShortest(out, cp);
            i += n;
        }
        return out.toByteArray();
    }

    /** A code point in its shortest UTF-8 form (surrogates included, as llama.cpp's unicode_cpt_to_utf8 does). */
    private static void writeShortest(ByteArrayOutputStream out, int cp) {
        if (cp < 0x80) {
            out.write(cp);
        } else if (cp < 0x800) {
            out.write(0xC0 | cp >> 6);
            out.write(0x80 | cp & 0x3F);
        } else if (cp < 0x10000) {
            out.write(0xE0 | cp >> 12);
            out.write(0x80 | cp >> 6 & 0x3F);
            out.write(0x80 | cp & 0x3F);
        } else {
            out.write(0xF0 | cp >> 18);
            out.write(0x80 | cp >> 12 & 0x3F);
            out.write(0x80 | cp >> 6 & 0x3F);
            out.write(0x80 | cp & 0x3F);
        }
    }
}
