package dev.trident.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerTest {
    private final Tokenizer tok = Shakespeare.tokenizer();

    @Test
    void roundTripsRandomBytesAsLlamaCppReadsThem() {
        Random rnd = new Random(1);
        int invalid = 0;
        for (int iter = 0; iter < 3000; iter++) {
            byte[] bytes = PreTokenizerTest.randomBytes(rnd, rnd.nextInt(100));
            byte[] read = Utf8Repair.repair(bytes, 0, bytes.length);
            if (!Utf8Repair.isValid(bytes, 0, bytes.length)) invalid++;
            else assertArrayEquals(bytes, read, "valid UTF-8 passes through unchanged");
            assertArrayEquals(read, tok.decodeBytes(tok.encode(bytes)), () -> Arrays.toString(bytes));
        }
        assertTrue(invalid > 100, "the random bytes exercise invalid UTF-8: " + invalid);
    }

    @Test
    void roundTripsUnicodeText() {
        for (String s : List.of("", "\u0000", "\u0000\u0000 a\u0000", "emoji 😀👍🏽👨‍👩‍👧 flags 🇯🇵", "中文 日本語 한국어",
                "naïve café Ελληνικά Русский", "tabs\t\tand\r\nnewlines\n\n\n", "   leading and trailing   ",
                "'s 're 've 'll 'd 'm 't", "<|endoftext|> plain", "\uFFFD\uFEFF\u200D")) {
            assertEquals(s, tok.decode(tok.encode(s)));
            assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), tok.decodeBytes(tok.encode(s)));
        }
    }

    @Test
    void roundTripsShakespeareAndCompressesIt() {
        byte[] text = Shakespeare.bytes();
        int[] ids = tok.encode(text);
        assertArrayEquals(text, tok.decodeBytes(ids));
        assertTrue(ids.length < text.length / 2, "only " + ids.length + " tokens for " + text.length + " bytes");
    }

    @Test
    void encodesKnownWordsAsSingleTokens() {
        int[] ids = tok.encode(" the");
        assertEquals(1, ids.length);
        assertEquals("Ġthe", tok.tokenText(ids[0]));
        assertArrayEquals(" the".getBytes(StandardCharsets.UTF_8), tok.tokenBytes(ids[0]));
        assertEquals(ids[0], tok.idOf("Ġthe"));
        assertEquals(-1, tok.idOf("no such token"));
        assertEquals("Ċ", tok.tokenText('\n'));
    }

    @Test
    void specialTokensAreOnlyRecognizedOnRequest() {
        String text = "First.<|endoftext|>Second";
        int eos = tok.eosId();
        int[] plain = tok.encode(text);
        assertTrue(Arrays.stream(plain).noneMatch(id -> id == eos));
        int[] withSpecials = tok.encodeWithSpecials(text);
        assertEquals(1, Arrays.stream(withSpecials).filter(id -> id == eos).count());
        assertArrayEquals(tok.encode("First."), Arrays.copyOfRange(withSpecials, 0, tok.encode("First.").length));
        assertEquals(text, tok.decode(withSpecials));
        assertArrayEquals(new int[] {eos, eos}, tok.encodeWithSpecials("<|endoftext|><|endoftext|>"));
        assertArrayEquals(tok.encode("<|endoftext"), tok.encodeWithSpecials("<|endoftext"));
    }

    @Test
    void decodesRanges() {
        int[] ids = tok.encode("Hello there, friend");
        byte[] all = tok.decodeBytes(ids);
        byte[] tail = tok.decodeBytes(ids, 1, ids.length);
        assertArrayEquals(Arrays.copyOfRange(all, tok.tokenBytes(ids[0]).length, all.length), tail);
        assertEquals(0, tok.decodeBytes(ids, 2, 2).length);
        assertThrows(IndexOutOfBoundsException.class, () -> tok.decodeBytes(ids, 2, ids.length + 1));
        assertThrows(IllegalArgumentException.class, () -> tok.decodeBytes(new int[] {tok.vocabSize()}));
        assertThrows(IllegalArgumentException.class, () -> tok.tokenText(-1));
    }

    @Test
    void cacheDoesNotChangeResults() {
        Tokenizer uncached = tok.withCacheSlots(0);
        Tokenizer tiny = tok.withCacheSlots(4); // constant collisions
        byte[] text = Arrays.copyOf(Shakespeare.bytes(), 100_000);
        int[] expected = uncached.encode(text);
        assertArrayEquals(expected, tiny.encode(text));
        assertArrayEquals(expected, tok.encode(text));
        assertArrayEquals(expected, tok.encode(text)); // warm cache
    }

    @Test
    void scanAndHeapMergeLoopsAgree() {
        MergeTable merges = mergeTableOf(tok);
        Random rnd = new Random(5);
        byte[] text = Shakespeare.bytes();
        for (int iter = 0; iter < 2000; iter++) {
            int from = rnd.nextInt(text.length - 300);
            int len = 2 + rnd.nextInt(200);
            int[] a = new int[len];
            for (int i = 0; i < len; i++) {
                a[i] = text[from + i] & 0xFF; // byte ids are byte values in a trained tokenizer
            }
            int[] b = a.clone();
            int na = merges.applyByScan(a, len);
            int nb = merges.applyByHeap(b, len);
            assertArrayEquals(Arrays.copyOf(a, na), Arrays.copyOf(b, nb));
        }
    }

    private static MergeTable mergeTableOf(Tokenizer t) {
        int[] left = new int[t.mergeCount()];
        int[] right = new int[t.mergeCount()];
        int[] result = new int[t.mergeCount()];
        for (int r = 0; r < t.mergeCount(); r++) {
            left[r] = t.merge(r)[0];
            right[r] = t.merge(r)[1];
            result[r] = t.idOf(t.tokenText(left[r]) + t.tokenText(right[r]));
        }
        return new MergeTable(left, right, result);
    }

    @Test
    void longChunksEncodeInLinearishTime() {
        byte[] letters = new byte[500_000];
        Random rnd = new Random(9);
        for (int i = 0; i < letters.length; i++) {
            letters[i] = (byte) "etaoinshrdlu".charAt(rnd.nextInt(12)); // one 500 kB "word"
        }
        long start = System.nanoTime();
        int[] ids = tok.encode(letters);
        assertTrue(System.nanoTime() - start < 10_000_000_000L);
        assertArrayEquals(letters, tok.decodeBytes(ids));
        byte[] spaces = new byte[1_000_000];
        Arrays.fill(spaces, (byte) ' ');
        assertArrayEquals(spaces, tok.decodeBytes(tok.encode(spaces)));
    }

    @Test
    void concurrentEncodingMatchesSerial() throws Exception {
        Tokenizer fresh = tok.withCacheSlots(256); // small cache: many racing replacements
        byte[] text = Shakespeare.bytes();
        int parts = 8;
        int size = text.length / parts;
        int[][] expected = new int[parts][];
        for (int p = 0; p < parts; p++) {
            expected[p] = tok.withCacheSlots(0).encode(text, p * size, (p + 1) * size);
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            for (int round = 0; round < 2; round++) {
                List<Future<int[]>> results = new java.util.ArrayList<>();
                for (int p = 0; p < parts; p++) {
                    int from = p * size;
                    results.add(pool.submit(() -> fresh.encode(text, from, from + size)));
                }
                for (int p = 0; p < parts; p++) {
                    assertArrayEquals(expected[p], results.get(p).get());
                }
            }
        }
    }

    @Test
    void byteLevelAlphabetIsGpt2s() {
        assertEquals('Ġ', ByteLevelAlphabet.charOf(' '));
        assertEquals('Ċ', ByteLevelAlphabet.charOf('\n'));
        assertEquals('Ā', ByteLevelAlphabet.charOf(0));
        assertEquals('!', ByteLevelAlphabet.charOf('!'));
        assertEquals('ÿ', ByteLevelAlphabet.charOf(0xFF));
        assertEquals('Ń', ByteLevelAlphabet.charOf(0xAD));
        java.util.Set<Character> chars = new java.util.HashSet<>();
        for (int b = 0; b < 256; b++) {
            char c = ByteLevelAlphabet.charOf(b);
            assertTrue(chars.add(c));
            assertEquals(b, ByteLevelAlphabet.byteOf(c));
        }
        assertEquals(-1, ByteLevelAlphabet.byteOf(' '));
        assertEquals(null, ByteLevelAlphabet.decode("a b"));
    }

    @Test
    void rebuildsFromGgufStyleParts() {
        Tokenizer t = Shakespeare.tokenizer();
        java.util.List<String> tokens = new java.util.ArrayList<>();
        java.util.Set<Integer> specials = new java.util.HashSet<>();
        for (int id = 0; id < t.vocabSize(); id++) {
            tokens.add(t.tokenText(id));
            if (t.isSpecial(id)) specials.add(id);
        }
        java.util.List<String[]> merges = new java.util.ArrayList<>();
        for (int r = 0; r < t.mergeCount(); r++) {
            int[] m = t.merge(r);
            merges.add(new String[]{t.tokenText(m[0]), t.tokenText(m[1])});
        }
        Tokenizer rebuilt = Tokenizer.of(tokens, merges, specials);
        String text = "ROMEO: But soft, what light through yonder window breaks? \u00e9\u00e8 \uD83D\uDE00 <|endoftext|> 123";
        org.junit.jupiter.api.Assertions.assertArrayEquals(t.encode(text), rebuilt.encode(text));
        org.junit.jupiter.api.Assertions.assertArrayEquals(t.encodeWithSpecials(text), rebuilt.encodeWithSpecials(text));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Tokenizer.of(tokens, java.util.List.<String[]>of(new String[]{"zzz-not-a-token", "a"}), specials));
    }
}
