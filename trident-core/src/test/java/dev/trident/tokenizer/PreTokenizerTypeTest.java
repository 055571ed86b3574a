package dev.trident.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every pre-tokenizer's scanner splits text exactly as its regexes do when run by java.util.regex (its scalar twin,
 * {@link LlamaCppRegex}), on hand-picked and random Unicode text. That llama.cpp splits the same way is
 * GgufTokenizationTest's job.
 */
class PreTokenizerTypeTest {
    private static final Map<PreTokenizerType, List<Pattern>> PATTERNS = new EnumMap<>(PreTokenizerType.class);

    static {
        for (PreTokenizerType t : PreTokenizerType.values()) PATTERNS.put(t, LlamaCppRegex.patterns(t));
    }

    static List<String> byScanner(PreTokenizerType t, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < utf8.length; ) {
            int end = t.chunkEnd(utf8, i, utf8.length);
            assertTrue(end > i && end <= utf8.length, "no progress at " + i);
            out.add(new String(utf8, i, end - i, StandardCharsets.UTF_8));
            i = end;
        }
        return out;
    }

    private static void assertSameAsRegex(PreTokenizerType t, String text) {
        List<String> expected = LlamaCppRegex.split(PATTERNS.get(t), text), actual = byScanner(t, text);
        if (!expected.equals(actual)) {
            assertEquals(expected.stream().map(PreTokenizerTypeTest::escape).toList(),
                    actual.stream().map(PreTokenizerTypeTest::escape).toList(), () -> t + " on " + escape(text));
        }
    }

    private static void assertChunks(List<String> expected, PreTokenizerType t, String text) {
        assertEquals(expected.stream().map(PreTokenizerTypeTest::escape).toList(),
                byScanner(t, text).stream().map(PreTokenizerTypeTest::escape).toList());
    }

    @Test
    void llama3SplitsAsDocumented() {
        assertChunks(List.of("Hello", ",", " world", "'s", " ", "123", "456", "7", "!!\n\n", "  ", " xDON", "'T"),
                PreTokenizerType.LLAMA3, "Hello, world's 1234567!!\n\n   xDON'T");
        assertChunks(List.of("Hello", ",", " world", "'s", " ", "1", "2", "3", "!!\n\n", "  ", " x"),
                PreTokenizerType.QWEN2, "Hello, world's 123!!\n\n   x");
        assertChunks(List.of("a", " \r\n\r\n", "\tb"), PreTokenizerType.LLAMA3, "a \r\n\r\n\tb");
        assertChunks(List.of("e\u0301t\u00e9"), PreTokenizerType.QWEN35, "e\u0301t\u00e9");
        assertChunks(List.of("e", "\u0301t\u00e9"), PreTokenizerType.QWEN2, "e\u0301t\u00e9");
    }

    @Test
    void deepSeekV3SplitsAsDocumented() {
        assertChunks(List.of("The", " ", "123", "456", "7", " ", "日本語のテキスト", ".x", "!\n", "a"),
                PreTokenizerType.DEEPSEEK_V3, "The 1234567 日本語のテキスト.x!\na");
        // Unmatched characters (controls) form one chunk up to the next match; a number ends a piece, so the space
        // before it is a chunk of its own (the lookahead sees the piece's end).
        assertChunks(List.of("\u0001", "\u0002ab", "  ", "1"), PreTokenizerType.DEEPSEEK_V3, "\u0001\u0002ab  1");
    }

    @Test
    void scannersMatchTheirRegexesOnExamples() {
        for (PreTokenizerType t : PreTokenizerType.values()) {
            for (String s : List.of("", " ", "a", " a", "  a", "a  ", "'", "'s", "''s", " 's", "'S", "'RE", "'Ll", "'rex",
                    "x'lly", "DON'T", "I'M", "\n \n", " \n a", "\u00a0a", "\u3000 x", "a\u0085b", "1,000.50", "1234567",
                    "😀 😀😀", " 𝟘𝟙", "Ⅻ ½", "naïve café", "日本語 テキスト", "カ・カ", "e\u0301", "\u0000\u0001 \u007f",
                    "a\u001cb", "tab\t\tx", " ?!", "  ?", "x \u2028y", "\r\n\r\n", " \r\n  x", "don't stop'", "l'été",
                    "$x+=1;", "<|endoftext|>", "(a)\n\n", "x\u1c89y", "\ufffd\ufffd a", "def f(x):\n    return x**2\r\n")) {
                assertSameAsRegex(t, s);
            }
        }
    }

    @Test
    void scannersMatchTheirRegexesOnRandomUnicode() {
        int[] pool = {'a', 'b', 'Z', 'S', 'T', 'é', 'ß', 'Ж', '中', '文', 'あ', 'カ', 0x30FB, 0x309B, 0x3099, 0x3040, 0x9FA6,
                0x1F600, 0x1D7D8, '0', '7', '٣', 'Ⅻ', '½', '²', ' ', ' ', ' ', '\n', '\r', '\t', 0x0B, 0x0C, 0xA0, 0x85,
                0x2003, 0x3000, 0x1C, '\'', '\'', 's', 't', 'r', 'e', 'v', 'l', 'm', 'd', '.', ',', '!', '-', '$', '+',
                '^', '`', '~', '|', '_', '@', 0x1F914, 0x0301, 0x200D, 0, 0x7F, 0xE000, 0xFFFD, 0x1C89, 0x2427, 0xA7},
                lengths = {30, 8};
        Random rnd = new Random(11);
        for (int iter = 0; iter < 2500; iter++) {
            StringBuilder sb = new StringBuilder();
            for (int i = rnd.nextInt(lengths[iter % 2]); i > 0; i--) {
                sb.appendCodePoint(rnd.nextInt(6) == 0 ? randomCodePoint(rnd) : pool[rnd.nextInt(pool.length)]);
            }
            for (PreTokenizerType t : PreTokenizerType.values()) assertSameAsRegex(t, sb.toString());
        }
    }

    private static int randomCodePoint(Random rnd) {
        while (true) {
            int cp = rnd.nextInt(rnd.nextBoolean() ? 0x3000 : 0x110000);
            if (cp < 0xD800 || cp > 0xDFFF) return cp;
        }
    }

    @Test
    void scannersMatchTheirRegexesOnShakespeare() {
        String text = new String(Shakespeare.bytes(), StandardCharsets.UTF_8).substring(0, 200_000);
        for (PreTokenizerType t : PreTokenizerType.values()) {
            assertEquals(LlamaCppRegex.split(PATTERNS.get(t), text), byScanner(t, text), t::toString);
        }
    }

    @Test
    void ggufNamesAsLlamaCppReadsThem() {
        assertSame(PreTokenizerType.LLAMA3, PreTokenizerType.fromGgufName("llama-bpe"));
        assertSame(PreTokenizerType.QWEN2, PreTokenizerType.fromGgufName("qwen2"));
        assertSame(PreTokenizerType.DEEPSEEK_V3, PreTokenizerType.fromGgufName("deepseek-v3"));
        assertSame(PreTokenizerType.GPT2, PreTokenizerType.fromGgufName("gpt-2"));
        assertNull(PreTokenizerType.fromGgufName("deepseek-llm"));
        assertTrue(PreTokenizerType.ggufIgnoresMerges("llama-bpe"));
        assertEquals("smaug-bpe", PreTokenizerType.LLAMA3.ggufName(false));
        for (PreTokenizerType t : PreTokenizerType.values()) {
            for (boolean ignore : new boolean[] {false, true}) {
                String name = t.ggufName(ignore);
                assertSame(t, PreTokenizerType.fromGgufName(name));
                if (t == PreTokenizerType.LLAMA3) assertEquals(ignore, PreTokenizerType.ggufIgnoresMerges(name));
            }
            assertSame(t, PreTokenizerType.fromRegexes(t.regexes()));
        }
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> b.append(cp >= 0x20 && cp < 0x7F ? Character.toString(cp) : String.format("\\u{%X}", cp)));
        return b.toString();
    }
}
