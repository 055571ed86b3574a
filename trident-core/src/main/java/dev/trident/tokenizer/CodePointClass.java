package dev.trident.tokenizer;

/**
 * The Unicode classes that pre-tokenizer regexes test ({@code \p{L}}, {@code \p{N}}, {@code \s}, {@code \p{P}},
 * {@code \p{S}}, {@code \p{M}}), as llama.cpp's tables give them, so that Trident splits text where llama.cpp does.
 *
 * <p>Classes come from the JDK's Unicode data ({@link Character#getType}) with one correction: llama.cpp's tables
 * (src/unicode-data.cpp) are Unicode 15.1 while JDK 25's are 16.0, and the two differ exactly on the 5,185 code
 * points that Unicode 16.0 assigned (DerivedAge Age=16.0; found by comparing every code point of the two tables):
 * llama.cpp calls them unassigned, so they are {@link #OTHER} here too. "Whitespace" is Unicode's White_Space
 * property, which is also llama.cpp's list.
 */
final class CodePointClass {
    static final int LETTER = 0;       // \p{L}
    static final int NUMBER = 1;       // \p{N}
    static final int SPACE = 2;        // \s (White_Space)
    static final int OTHER = 3;        // controls, format, private use, unassigned, separators that are not spaces
    static final int PUNCTUATION = 4;  // \p{P}
    static final int SYMBOL = 5;       // \p{S}
    static final int MARK = 6;         // \p{M}

    /** Code points below this have a precomputed class (every Unicode 16.0 addition is below it). */
    private static final int TABLE_SIZE = 0x20000;
    private static final byte[] TABLE = new byte[TABLE_SIZE];

    /** Inclusive ranges of the code points Unicode 16.0 assigned (unassigned in llama.cpp's Unicode 15.1 tables). */
    static final int[] UNICODE_16_ADDITIONS = {
            0x897, 0x897, 0x1B4E, 0x1B4F, 0x1B7F, 0x1B7F, 0x1C89, 0x1C8A, 0x2427, 0x2429, 0x31E4, 0x31E5, 0xA7CB, 0xA7CD,
            0xA7DA, 0xA7DC, 0x105C0, 0x105F3, 0x10D40, 0x10D65, 0x10D69, 0x10D85, 0x10D8E, 0x10D8F, 0x10EC2, 0x10EC4,
            0x10EFC, 0x10EFC, 0x11380, 0x11389, 0x1138B, 0x1138B, 0x1138E, 0x1138E, 0x11390, 0x113B5, 0x113B7, 0x113C0,
            0x113C2, 0x113C2, 0x113C5, 0x113C5, 0x113C7, 0x113CA, 0x113CC, 0x113D5, 0x113D7, 0x113D8, 0x113E1, 0x113E2,
            0x116D0, 0x116E3, 0x11BC0, 0x11BE1, 0x11BF0, 0x11BF9, 0x11F5A, 0x11F5A, 0x13460, 0x143FA, 0x16100, 0x16139,
            0x16D40, 0x16D79, 0x18CFF, 0x18CFF, 0x1CC00, 0x1CCF9, 0x1CD00, 0x1CEB3, 0x1E5D0, 0x1E5FA, 0x1E5FF, 0x1E5FF,
            0x1F8B2, 0x1F8BB, 0x1F8C0, 0x1F8C1, 0x1FA89, 0x1FA89, 0x1FA8F, 0x1FA8F, 0x1FABE, 0x1FABE, 0x1FAC6, 0x1FAC6,
            0x1FADC, 0x1FADC, 0x1FADF, 0x1FADF, 0x1FAE9, 0x1FAE9, 0x1FBCB, 0x1FBEF};

    static {
        for (int cp = 0; cp < TABLE_SIZE; cp++) {
            TABLE[cp] = (byte) compute(cp);
        }
        for (int r = 0; r < UNICODE_16_ADDITIONS.length; r += 2) {
            for (int cp = UNICODE_16_ADDITIONS[r]; cp <= UNICODE_16_ADDITIONS[r + 1]; cp++) {
                TABLE[cp] = OTHER;
            }
        }
    }

    private CodePointClass() {
    }

    /** The class of a code point (0..0x10FFFF). */
    static int of(int cp) {
        return cp < TABLE_SIZE ? TABLE[cp] : compute(cp);
    }

    /** Letter, number, space or other: GPT-2's four classes (punctuation, symbols and marks are "other"). */
    static int coarse(int cls) {
        return cls > OTHER ? OTHER : cls;
    }

    private static int compute(int cp) {
        if (isWhiteSpace(cp)) {
            return SPACE;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> SYMBOL;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> MARK;
            default -> OTHER;
        };
    }

    /** The Unicode White_Space property (what {@code \s} means in Unicode regex engines, and llama.cpp's list). */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
