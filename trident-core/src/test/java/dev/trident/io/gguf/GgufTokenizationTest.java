package dev.trident.io.gguf;

import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.quant.WeightFormat;
import dev.trident.tokenizer.BpeTrainer;
import dev.trident.tokenizer.PreTokenizerType;
import dev.trident.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Trident and llama.cpp tokenize the same text into the same ids, for the vocabulary an exported GGUF carries
 * (byte-level BPE, "gpt2" / "gpt-2") and for a SentencePiece-BPE ("llama") vocabulary read from GGUF. The text
 * mixes English, code, a special token's text, accents, CJK, Greek, emoji (with a zero-width joiner), a no-break
 * space and invalid UTF-8. llama.cpp is called in-process on raw bytes ({@link LlamaCppVocab}; skipped without
 * tools/llama-ref), since a JavaScript string cannot carry invalid bytes.
 *
 * <p>Invalid UTF-8: llama.cpp's byte-level BPE first decodes the text to code points (each byte that does not start
 * a complete sequence becomes U+FFFD; overlong forms and surrogates are taken as code points); Trident's encoder
 * reads it the same way ({@link dev.trident.tokenizer.Utf8Repair}). {@link #llamaCppRewrite} is an independent
 * statement of that rule. SentencePiece's byte fallback keeps raw bytes in both.
 */
class GgufTokenizationTest {
    @TempDir
    static Path dir;

    @BeforeEach
    void needsLlamaCpp() {
        assumeTrue(LlamaCppVocab.available(), "tools/llama-ref/node_modules is absent; run (cd tools/llama-ref && npm ci --omit=optional)");
    }

    static byte[] validText() {
        return ("ROMEO: But soft, what light through yonder window breaks? It's 3.14159 o'clock, isn't it?\n\n"
                + "def f(x):\n    return {\"k\": [x ** 2 for x in range(10)]}  # comment\t<|endoftext|>\r\n"
                + "naïve café – 日本語のテキスト, Ελληνικά, 🙂🚀👩‍💻  \u00a0end   ").getBytes(StandardCharsets.UTF_8);
    }

    /** A lone 0xFF, a stray continuation byte, a truncated 3-byte sequence, an overlong '/', a surrogate, a cut emoji, 0xF8. */
    static byte[] invalidBytes() {
        return new byte[] {' ', (byte) 0xFF, 'a', (byte) 0x80, ' ', (byte) 0xE2, (byte) 0x82, 'x', (byte) 0xC0, (byte) 0xAF,
                (byte) 0xED, (byte) 0xA0, (byte) 0x80, ' ', (byte) 0xF0, (byte) 0x9F, (byte) 0x99, '!', (byte) 0xF8, '\n'};
    }

    static byte[] mixedText() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(validText());
        b.writeBytes(invalidBytes());
        b.writeBytes(validText());
        return b.toByteArray();
    }

    private static Path export(Model m, String name) {
        Path file = dir.resolve(name + ".gguf");
        GgufModelWriter.write(m, file, GgufModelWriter.Options.of(WeightFormat.F32));
        return file;
    }

    @Test
    void byteLevelBpeGivesTheSameIdsOnValidText() {
        Model m = TestModels.random(TestModels.dense(true), 1);
        Path file = export(m, "bpe");
        Tokenizer imported = Model.load(file).tokenizer();
        try (LlamaCppVocab llama = LlamaCppVocab.open(file)) {
            byte[] text = validText();
            int[] ours = m.tokenizer().encode(text);
            assertArrayEquals(ours, llama.tokenize(text, false));
            assertArrayEquals(ours, imported.encode(text));
            // With special-token parsing both turn the text <|endoftext|> into the end-of-text id.
            int[] special = m.tokenizer().encodeWithSpecials(text);
            assertTrue(Arrays.stream(special).anyMatch(id -> id == m.tokenizer().eosId()));
            assertArrayEquals(special, llama.tokenize(text, true));
        }
    }

    @Test
    void byteLevelBpeGivesTheSameIdsOnInvalidBytes() {
        Model m = TestModels.random(TestModels.dense(true), 1);
        Path file = export(m, "bpe-invalid");
        Tokenizer imported = Model.load(file).tokenizer();
        try (LlamaCppVocab llama = LlamaCppVocab.open(file)) {
            byte[] text = mixedText();
            int[] ours = m.tokenizer().encode(text);
            assertArrayEquals(ours, llama.tokenize(text, false));
            assertArrayEquals(ours, imported.encode(text));
            assertArrayEquals(m.tokenizer().encodeWithSpecials(text), llama.tokenize(text, true));
            // Both read the invalid bytes as U+FFFD (and the overlong '/' as '/'): the ids decode to that text.
            assertArrayEquals(llamaCppRewrite(text), m.tokenizer().decodeBytes(ours));
        }
    }

    @Test
    void sentencePieceBpeGivesTheSameIdsIncludingInvalidBytes() {
        Tokenizer spm = sentencePieceVocabulary();
        ModelConfig c = new ModelConfig(spm.vocabSize(), 64, 1, 4, 2, 16, 96, 64, 10000, 1e-5f, true);
        Model m = new Model(new dev.trident.model.Transformer(c, 5), spm);
        Path file = export(m, "spm");
        Tokenizer imported = Model.load(file).tokenizer();
        assertTrue(imported.isSentencePiece());
        try (LlamaCppVocab llama = LlamaCppVocab.open(file)) {
            byte[] text = mixedText();
            int[] ours = imported.encode(text);
            assertArrayEquals(ours, llama.tokenize(text, false));
            assertArrayEquals(ours, spm.encode(text));
            // Byte fallback keeps every byte, except that an invalid lead byte can swallow part of a "▁" (the
            // escaped space), which then comes back as the bytes of "▁": the same in llama.cpp.
            String back = new String(imported.decodeBytes(ours), StandardCharsets.ISO_8859_1);
            String escapedSpace = new String("\u2581".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            assertEquals(" " + new String(text, StandardCharsets.ISO_8859_1), back.replace(escapedSpace, " "));
            assertArrayEquals(imported.encodeWithSpecials(text), llama.tokenize(text, true));
        }
    }

    /**
     * Each pre-tokenizer Trident implements, exported under its llama.cpp name, gives llama.cpp's ids on the mixed
     * text (with the digit runs, capital contractions, CRLF runs and CJK its regex treats specially) and on random
     * texts; the imported vocabulary keeps its pre-tokenizer. Llama 3's is tried both as "llama-bpe" (llama.cpp's
     * ignore_merges on) and "smaug-bpe" (the same regex with merges always applied).
     */
    @Test
    void everyPreTokenizerGivesLlamaCppsIds() {
        byte[] extra = ("DON'T WE'LL I'M it'S 1234567 89 3.14159 x=12345678901\r\n\r\n\n\n  \t\n"
                + "日本語のテキスト、カタカナ・ひらがな。中文 한국어 naïve e\u0301 Ελληνικά 🙂🚀 $x+=1; <tag>!!\r\n").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream train = new ByteArrayOutputStream();
        train.writeBytes(Arrays.copyOf(TestModels.corpus(), 60_000));
        for (int i = 0; i < 150; i++) train.writeBytes(extra);
        java.util.Random rnd = new java.util.Random(5);
        List<byte[]> texts = new ArrayList<>(List.of(mixedText(), extra));
        for (int i = 0; i < 300; i++) texts.add(randomText(rnd));
        for (PreTokenizerType pre : PreTokenizerType.values()) {
            Tokenizer trained = BpeTrainer.train(train.toByteArray(), 700, List.of("<|endoftext|>"), pre);
            for (boolean ignoreMerges : pre == PreTokenizerType.LLAMA3 ? new boolean[] {false, true} : new boolean[] {false}) {
                Tokenizer tok = ignoreMerges ? withIgnoreMerges(trained) : trained;
                ModelConfig c = new ModelConfig(tok.vocabSize(), 64, 1, 4, 2, 16, 96, 64, 10000, 1e-5f, true);
                Path file = export(new Model(new dev.trident.model.Transformer(c, 5), tok), "pre-" + pre + ignoreMerges);
                Tokenizer imported = Model.load(file).tokenizer();
                assertEquals(pre, imported.preTokenizer());
                assertEquals(ignoreMerges, imported.ignoreMerges());
                try (LlamaCppVocab llama = LlamaCppVocab.open(file)) {
                    for (byte[] text : texts) {
                        int[] ours = tok.encode(text);
                        assertArrayEquals(ours, llama.tokenize(text, false), () -> pre + " on " + Arrays.toString(text));
                        assertArrayEquals(ours, imported.encode(text));
                    }
                    assertArrayEquals(tok.encodeWithSpecials(mixedText()), llama.tokenize(mixedText(), true));
                    // The test can tell pre-tokenizers apart: the same vocabulary split as GPT-2 gives other ids.
                    // (Not every pair differs on every vocabulary: Qwen2's has no merges of digits to separate.)
                    for (PreTokenizerType other : PreTokenizerType.values()) {
                        if (other == pre || (other != PreTokenizerType.GPT2 && pre != PreTokenizerType.GPT2)) continue;
                        Tokenizer wrong = rebuild(tok, other, ignoreMerges);
                        assertTrue(texts.stream().anyMatch(t -> !Arrays.equals(wrong.encode(t), llama.tokenize(t, false))),
                                () -> pre + " vs " + other);
                    }
                }
            }
        }
    }

    /** Text from a pool of characters the regexes treat differently, sometimes with invalid bytes. */
    private static byte[] randomText(java.util.Random rnd) {
        int[] pool = {'a', 'e', 'Z', 'S', 'T', 'D', 'é', 'ß', 'Ж', '中', '文', 'あ', 'カ', 0x30FB, 0x3099, 0x9FA6, 0x1F600,
                '0', '1', '7', '٣', '½', '²', ' ', ' ', ' ', ' ', '\n', '\r', '\t', 0xA0, 0x3000, '\'', '\'', 's', 't',
                'r', 'l', 'm', 'd', 'v', '.', ',', '!', '-', '$', '+', '(', '<', '|', 0x301, 0x200D, 1, 0xE000, 0x1C89};
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = rnd.nextInt(40); i > 0; i--) {
            if (rnd.nextInt(30) == 0) {
                b.write(0x80 + rnd.nextInt(0x80)); // a stray byte: invalid UTF-8
            } else {
                int cp = rnd.nextInt(10) == 0 ? 0x20 + rnd.nextInt(0x3000) : pool[rnd.nextInt(pool.length)];
                if (cp >= 0xD800 && cp <= 0xDFFF) cp = 'x';
                b.writeBytes(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
            }
        }
        return b.toByteArray();
    }

    /** The same vocabulary with ignore_merges on. */
    private static Tokenizer withIgnoreMerges(Tokenizer t) {
        return rebuild(t, t.preTokenizer(), true);
    }

    private static Tokenizer rebuild(Tokenizer t, PreTokenizerType pre, boolean ignoreMerges) {
        List<String> tokens = new ArrayList<>();
        Set<Integer> added = new java.util.HashSet<>(), special = new java.util.HashSet<>();
        for (int id = 0; id < t.vocabSize(); id++) {
            tokens.add(t.tokenText(id));
            if (t.isAdded(id)) added.add(id);
            if (t.isSpecial(id)) special.add(id);
        }
        List<String[]> merges = new ArrayList<>();
        for (int r = 0; r < t.mergeCount(); r++) merges.add(new String[] {t.tokenText(t.merge(r)[0]), t.tokenText(t.merge(r)[1])});
        return Tokenizer.of(tokens, merges, added, special, t.eosId(), pre, ignoreMerges);
    }

    /**
     * A SentencePiece vocabulary in the shape Llama's has: unknown, bos, eos, the 256 byte tokens, then pieces
     * (with "▁" for spaces) scored so that earlier merges win, here taken from the test BPE's valid UTF-8 tokens.
     */
    static Tokenizer sentencePieceVocabulary() {
        Tokenizer bpe = TestModels.tokenizer();
        List<String> pieces = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Integer> types = new ArrayList<>(List.of(Tokenizer.TYPE_UNKNOWN, Tokenizer.TYPE_CONTROL, Tokenizer.TYPE_CONTROL));
        for (int b = 0; b < 256; b++) {
            pieces.add(String.format("<0x%02X>", b));
            types.add(Tokenizer.TYPE_BYTE);
        }
        Set<String> words = new LinkedHashSet<>();
        for (int id = 0; id < bpe.vocabSize(); id++) {
            if (bpe.isAdded(id)) continue;
            String s = strictUtf8(bpe.tokenBytes(id));
            if (s != null) words.add(s.replace(' ', '\u2581'));
        }
        float[] scores = new float[pieces.size() + words.size()];
        int i = pieces.size();
        for (String w : words) {
            pieces.add(w);
            types.add(Tokenizer.TYPE_NORMAL);
            scores[i] = -i; // later (longer) pieces score lower: as SentencePiece's BPE ranks its merges
            i++;
        }
        return Tokenizer.sentencePiece(pieces, scores, types.stream().mapToInt(Integer::intValue).toArray(), 2, true);
    }

    private static String strictUtf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * The text llama.cpp's byte-level BPE actually encodes (unicode_cpts_from_utf8, then back to UTF-8): lead
     * bytes say the length with no check for overlong forms or surrogates, and a byte that does not start a
     * complete sequence becomes U+FFFD.
     */
    static byte[] llamaCppRewrite(byte[] s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length; ) {
            int b = s[i] & 0xFF, n = (b & 0x80) == 0 ? 1 : (b & 0x40) == 0 ? 0 : (b & 0x20) == 0 ? 2 : (b & 0x10) == 0 ? 3 : (b & 0x08) == 0 ? 4 : 0;
            boolean ok = n > 0 && i + n <= s.length;
            for (int k = 1; ok && k < n; k++) ok = (s[i + k] & 0xC0) == 0x80;
            if (!ok) {
                out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD});
                i++;
                continue;
            }
            int cp = n == 1 ? b : n == 2 ? b & 0x1F : n == 3 ? b & 0x0F : b & 0x07;
            for (int k = 1; k < n; k++) cp = cp << 6 | (s[i + k] & 0x3F);
            out.writeBytes(utf8(cp));
            i += n;
        }
        return out.toByteArray();
    }

    /** unicode_cpt_to_utf8: the shortest form, surrogates included. */
    private static byte[] utf8(int cp) {
        if (cp < 0x80) return new byte[] {(byte) cp};
        if (cp < 0x800) return new byte[] {(byte) (0xC0 | cp >> 6), (byte) (0x80 | cp & 0x3F)};
        if (cp < 0x10000) return new byte[] {(byte) (0xE0 | cp >> 12), (byte) (0x80 | cp >> 6 & 0x3F), (byte) (0x80 | cp & 0x3F)};
        return new byte[] {(byte) (0xF0 | cp >> 18), (byte) (0x80 | cp >> 12 & 0x3F), (byte) (0x80 | cp >> 6 & 0x3F), (byte) (0x80 | cp & 0x3F)};
    }
}
