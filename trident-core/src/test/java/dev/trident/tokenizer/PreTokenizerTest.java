package dev.trident.tokenizer;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PreTokenizerTest {
    /** GPT-2's pattern, \s meaning Unicode White_Space, with llama.cpp's Unicode classes (LlamaCppRegex). */
    private static final Pattern GPT2 = LlamaCppRegex.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    static List<String> byRegex(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = GPT2.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    static List<String> byScanner(byte[] utf8) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < utf8.length; ) {
            int end = PreTokenizer.chunkEnd(utf8, i, utf8.length);
            out.add(new String(utf8, i, end - i, StandardCharsets.UTF_8));
            i = end;
        }
        return out;
    }

    private static void assertSameAsRegex(String text) {
        assertEquals(byRegex(text), byScanner(text.getBytes(StandardCharsets.UTF_8)), () -> "text: " + text);
    }

    @Test
    void splitsLikeGpt2OnExamples() {
        assertEquals(List.of("Hello", ",", " world", "'s", " 123", "!!", "\n\n ", " x"),
                byScanner("Hello, world's 123!!\n\n  x".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("I", "'ll", " don", "'t", " ", " go", "\t", "!", "   "),
                byScanner("I'll don't  go\t!   ".getBytes(StandardCharsets.UTF_8)));
        for (String s : List.of("", " ", "a", " a", "  a", "a  ", "'", "'s", "''s", " 's", "'S", "'rex", "x'lly",
                "\n \n", " \n a", "\u00a0a", "\u3000 x", "a\u0085b", "1,000.50", "😀 😀😀", " 𝟘𝟙", "Ⅻ ½",
                "naïve café", "日本語 テキスト", "e\u0301", "\u0000\u0001 \u007f", "a\u001cb", "tab\t\tx",
                " ?!", "  ?", "x \u2028y", "\r\n\r\n", "don't stop'", "l'été")) {
            assertSameAsRegex(s);
        }
    }

    @Test
    void matchesTheGpt2RegexOnRandomText() {
        int[] pool = {'a', 'b', 'Z', 'é', 'ß', 'Ж', '中', '文', 0x1F600, 0x1D7D8, '0', '7', '٣', 'Ⅻ', '½',
                ' ', ' ', ' ', '\n', '\t', '\r', 0x0B, 0x0C, 0xA0, 0x85, 0x2003, 0x3000, 0x1C, '\'', '\'', 's', 't',
                'r', 'e', 'v', 'l', 'm', 'd', '.', ',', '!', '-', 0x1F914, 0x0301, 0x200D, 0, 0x7F, 0xE000, 0xFFFD};
        Random rnd = new Random(7);
        for (int iter = 0; iter < 3000; iter++) {
            StringBuilder sb = new StringBuilder();
            for (int i = rnd.nextInt(30); i > 0; i--) {
                sb.appendCodePoint(rnd.nextInt(8) == 0 ? randomCodePoint(rnd) : pool[rnd.nextInt(pool.length)]);
            }
            assertSameAsRegex(sb.toString());
        }
    }

    private static int randomCodePoint(Random rnd) {
        while (true) {
            int cp = rnd.nextInt(0x30000);
            if (cp < 0xD800 || cp > 0xDFFF) {
                return cp;
            }
        }
    }

    @Test
    void matchesTheGpt2RegexOnShakespeare() {
        String text = new String(Shakespeare.bytes(), StandardCharsets.UTF_8);
        assertEquals(byRegex(text), byScanner(Shakespeare.bytes()));
    }

    @Test
    void chunksCoverArbitraryBytesExactly() {
        Random rnd = new Random(3);
        for (int iter = 0; iter < 2000; iter++) {
            byte[] bytes = randomBytes(rnd, rnd.nextInt(40));
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            for (int i = 0; i < bytes.length; ) {
                int end = PreTokenizer.chunkEnd(bytes, i, bytes.length);
                if (end <= i || end > bytes.length) {
                    throw new AssertionError("no progress at " + i);
                }
                joined.write(bytes, i, end - i);
                i = end;
            }
            assertArrayEquals(bytes, joined.toByteArray());
        }
    }

    /** Bytes biased towards UTF-8 edge cases: lead bytes, continuations, ASCII, spaces, quotes. */
    static byte[] randomBytes(Random rnd, int n) {
        byte[] special = {(byte) 0xC0, (byte) 0xC2, (byte) 0xE0, (byte) 0xED, (byte) 0xF0, (byte) 0xF4, (byte) 0xF5,
                (byte) 0xFF, (byte) 0x80, (byte) 0xBF, (byte) 0xA0, (byte) 0x9F, ' ', '\n', '\'', 's', 'a', '1', 0};
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = rnd.nextBoolean() ? special[rnd.nextInt(special.length)] : (byte) rnd.nextInt(256);
        }
        return b;
    }

    @Test
    void invalidBytesAreOtherCharacters() {
        // 0xFF is never valid UTF-8: it joins the punctuation run like any "other" character, and a space before it.
        byte[] s = {'a', ' ', (byte) 0xFF, '!', (byte) 0x80, 'b', (byte) 0xE2, (byte) 0x82, 'c'};
        List<Integer> ends = new ArrayList<>();
        for (int i = 0; i < s.length; ) {
            i = PreTokenizer.chunkEnd(s, i, s.length);
            ends.add(i);
        }
        assertEquals(List.of(1, 5, 6, 8, 9), ends);
        assertEquals(4, PreTokenizer.countChunks("a b c!".getBytes(StandardCharsets.UTF_8)));
    }
}
