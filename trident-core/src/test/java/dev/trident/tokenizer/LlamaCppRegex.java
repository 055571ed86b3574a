package dev.trident.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pre-tokenizer regexes run by java.util.regex, as the reference the hand-written scanners are held to: each
 * regex splits the pieces the previous one left, matches and the text between them both becoming pieces (llama.cpp's
 * unicode_regex_split), with {@code \s} as Unicode White_Space and the categories as llama.cpp's Unicode 15.1
 * tables have them (the code points Unicode 16.0 added excluded from every category).
 */
final class LlamaCppRegex {
    private LlamaCppRegex() {
    }

    /** A pattern with \p{L}, \p{N}, \p{P}, \p{S}, \p{M} restricted to code points llama.cpp's tables assign. */
    static Pattern compile(String regex) {
        StringBuilder added = new StringBuilder("[");
        int[] r = CodePointClass.UNICODE_16_ADDITIONS;
        for (int i = 0; i < r.length; i += 2) {
            added.append(String.format("\\x{%X}-\\x{%X}", r[i], r[i + 1]));
        }
        added.append(']');
        String out = regex;
        for (String cat : List.of("L", "N", "P", "S", "M")) {
            out = out.replace("\\p{" + cat + "}", "[\\p{" + cat + "}&&[^" + added + "]]");
        }
        return Pattern.compile(out, Pattern.UNICODE_CHARACTER_CLASS);
    }

    /** llama.cpp's form of a pre-tokenizer's regexes: (?i:...) contractions spelled out for ASCII only. */
    static List<Pattern> patterns(PreTokenizerType t) {
        List<Pattern> out = new ArrayList<>();
        for (String r : t.regexes()) {
            out.add(compile(r.replace("(?i:'s|'t|'re|'ve|'m|'ll|'d)",
                    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])")));
        }
        return out;
    }

    /** The chunks of text, by the regexes applied in turn. */
    static List<String> split(List<Pattern> patterns, String text) {
        List<int[]> pieces = new ArrayList<>();
        pieces.add(new int[] {0, text.length()});
        for (Pattern p : patterns) {
            List<int[]> next = new ArrayList<>();
            for (int[] piece : pieces) {
                // Opaque bounds: a lookahead sees the piece's end as the end of the text, as std::regex_iterator does.
                Matcher m = p.matcher(text).region(piece[0], piece[1]);
                int at = piece[0];
                while (m.find()) {
                    if (m.start() > at) next.add(new int[] {at, m.start()});
                    next.add(new int[] {m.start(), m.end()});
                    at = m.end();
                }
                if (at < piece[1]) next.add(new int[] {at, piece[1]});
            }
            pieces = next;
        }
        List<String> out = new ArrayList<>();
        for (int[] piece : pieces) out.add(text.substring(piece[0], piece[1]));
        return out;
    }
}
