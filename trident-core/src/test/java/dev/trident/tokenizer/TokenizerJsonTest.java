package dev.trident.tokenizer;

import dev.trident.TridentException;
import dev.trident.io.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Saving and loading the Hugging Face {@code tokenizer.json} format. */
class TokenizerJsonTest {
    @TempDir
    Path dir;

    private final Tokenizer tok = Shakespeare.tokenizer();

    @Test
    void saveLoadRoundTripGivesIdenticalEncodings() {
        Path file = dir.resolve("tokenizer.json");
        tok.save(file);
        assertFalse(Files.exists(dir.resolve("tokenizer.json.tmp")));
        Tokenizer loaded = Tokenizer.load(file);
        assertEquals(tok.vocabSize(), loaded.vocabSize());
        assertEquals(tok.eosId(), loaded.eosId());
        assertEquals(tok.specialTokens(), loaded.specialTokens());
        for (int id = 0; id < tok.vocabSize(); id++) {
            assertEquals(tok.tokenText(id), loaded.tokenText(id));
        }
        byte[] text = Shakespeare.bytes();
        assertArrayEquals(tok.encode(text), loaded.encode(text));
        String s = "Mixed 😀 text<|endoftext|>\u0000 ünïcödé";
        assertArrayEquals(tok.encodeWithSpecials(s), loaded.encodeWithSpecials(s));
    }

    @Test
    void everyPreTokenizerRoundTripsThroughTokenizerJson() throws Exception {
        byte[] text = ("DON'T 1234567 日本語のテキスト e\u0301 \r\n\r\n x ").repeat(50).getBytes(StandardCharsets.UTF_8);
        for (PreTokenizerType pre : PreTokenizerType.values()) {
            Tokenizer t = BpeTrainer.train(text, 300, List.of("<|endoftext|>"), pre);
            Path file = dir.resolve(pre + ".json");
            t.save(file);
            Tokenizer back = Tokenizer.load(file);
            assertEquals(pre, back.preTokenizer());
            assertArrayEquals(t.encode(text), back.encode(text));
            Object written = Json.asObject(Json.read(file, 1 << 24), "root").get("pre_tokenizer");
            if (pre != PreTokenizerType.GPT2) {
                // The Hugging Face form: its Split regexes in turn, then ByteLevel without a regex.
                List<Object> steps = Json.asArray(Json.asObject(written, "pre").get("pretokenizers"), "steps");
                assertEquals(pre.regexes().size() + 1, steps.size());
                assertEquals(pre.regexes().getFirst(), ((Map<?, ?>) ((Map<?, ?>) steps.getFirst()).get("pattern")).get("Regex"));
            }
        }
        // Qwen2's tokenizer.json asks for NFC: "e" + combining acute encodes as the precomposed "\u00e9".
        Tokenizer qwen = BpeTrainer.train(text, 300, List.of("<|endoftext|>"), PreTokenizerType.QWEN2).withNfc(true);
        Path qwenFile = dir.resolve("qwen.json");
        qwen.save(qwenFile);
        assertEquals(Map.of("type", "NFC"), Json.asObject(Json.read(qwenFile, 1 << 24), "root").get("normalizer"));
        Tokenizer qwenBack = Tokenizer.load(qwenFile);
        assertTrue(qwenBack.normalizesNfc());
        assertArrayEquals(qwenBack.encode("caf\u00e9 x"), qwenBack.encode("cafe\u0301 x"));
        assertFalse(java.util.Arrays.equals(qwenBack.withNfc(false).encode("caf\u00e9 x"), qwenBack.withNfc(false).encode("cafe\u0301 x")));
        // Llama 3's tokenizer.json as Meta ships it (pre_tokenizer part).
        assertEquals(PreTokenizerType.LLAMA3, PreTokenizerType.fromRegexes(List.of(
                "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")));
        assertRejected("unknown-split.json", r -> r.put("pre_tokenizer", Json.obj("type", "Sequence", "pretokenizers", List.of(
                        Json.obj("type", "Split", "pattern", Json.obj("Regex", "\\w+"), "behavior", "Isolated", "invert", false),
                        Json.obj("type", "ByteLevel", "add_prefix_space", false, "use_regex", false)))),
                "pre_tokenizer regex [\"\\\\w+\"] is not supported");
    }

    @Test
    void writesTheHuggingFaceLayout() throws Exception {
        Path file = dir.resolve("tokenizer.json");
        tok.save(file);
        Map<String, Object> root = Json.asObject(Json.read(file, 1 << 26), "root");
        assertEquals(List.of("version", "truncation", "padding", "added_tokens", "normalizer", "pre_tokenizer",
                "post_processor", "decoder", "model"), new ArrayList<>(root.keySet()));
        assertEquals("1.0", root.get("version"));
        assertEquals(List.of(Json.obj("id", 1023L, "content", "<|endoftext|>", "single_word", false, "lstrip", false,
                "rstrip", false, "normalized", false, "special", true)), root.get("added_tokens"));
        assertEquals(Json.obj("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", true, "use_regex", true),
                root.get("pre_tokenizer"));
        Map<String, Object> model = Json.asObject(root.get("model"), "model");
        assertEquals(List.of("type", "dropout", "unk_token", "continuing_subword_prefix", "end_of_word_suffix",
                "fuse_unk", "byte_fallback", "ignore_merges", "vocab", "merges"), new ArrayList<>(model.keySet()));
        assertEquals("BPE", model.get("type"));
        Map<String, Object> vocab = Json.asObject(model.get("vocab"), "vocab");
        assertEquals(1024, vocab.size());
        assertEquals(32L, vocab.get("Ġ"));
        List<Object> merges = Json.asArray(model.get("merges"), "merges");
        assertEquals(tok.mergeCount(), merges.size());
        assertEquals(2, ((List<?>) merges.getFirst()).size());
        assertTrue(Files.readString(file).contains("\n      [\"Ġ\", \"t\"],\n"), "one merge pair per line");
    }

    @Test
    void acceptsMergesWrittenAsStrings() throws Exception {
        Map<String, Object> root = savedJson();
        Map<String, Object> model = Json.asObject(root.get("model"), "model");
        List<Object> merges = Json.asArray(model.get("merges"), "merges");
        model.put("merges", merges.stream().map(m -> ((List<?>) m).get(0) + " " + ((List<?>) m).get(1)).toList());
        Path file = dir.resolve("old-style.json");
        Json.write(file, root);
        assertArrayEquals(tok.encode(Shakespeare.bytes()), Tokenizer.load(file).encode(Shakespeare.bytes()));
    }

    @Test
    void loadsAHandWrittenGpt2StyleFileWithSpecialTokenInVocab() throws Exception {
        // Like GPT-2's file: the special token is in the model vocab and in added_tokens with the same id.
        StringBuilder vocab = new StringBuilder();
        for (int b = 0; b < 256; b++) {
            vocab.append(Json.write(String.valueOf(ByteLevelAlphabet.charOf(b)))).append(':').append(b).append(',');
        }
        String json = """
                {"version":"1.0","added_tokens":[{"id":259,"content":"<|endoftext|>","special":true}],
                 "normalizer":null,"pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"use_regex":true},
                 "model":{"type":"BPE","vocab":{%s"Ġt":256,"he":257,"Ġthe":258,"<|endoftext|>":259},
                          "merges":["Ġ t","h e","Ġt he"]}}""".formatted(vocab);
        Path file = dir.resolve("gpt2-like.json");
        Files.writeString(file, json);
        Tokenizer t = Tokenizer.load(file);
        assertEquals(260, t.vocabSize());
        assertEquals(259, t.eosId());
        assertArrayEquals(new int[] {258, 258, 259}, t.encodeWithSpecials(" the the<|endoftext|>"));
        assertArrayEquals(new int[] {'t', 257, 258}, t.encode("the the"));
    }

    // ---- every malformed file: a one-line TridentException that names the file ----

    private static String savedText;

    /** A fresh, mutable copy of the saved file's JSON. */
    private Map<String, Object> savedJson() {
        synchronized (TokenizerJsonTest.class) {
            if (savedText == null) {
                Path file = dir.resolve("good.json");
                tok.save(file);
                try {
                    savedText = Files.readString(file);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
        return Json.asObject(Json.parse(savedText), "root");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> model(Map<String, Object> root) {
        return (Map<String, Object>) root.get("model");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> vocab(Map<String, Object> root) {
        return (Map<String, Object>) model(root).get("vocab");
    }

    private void assertRejected(String name, Consumer<Map<String, Object>> corrupt, String expectedPart) {
        Map<String, Object> root = savedJson();
        corrupt.accept(root);
        Path file = dir.resolve(name);
        Json.write(file, root);
        assertRejectedFile(file, expectedPart);
    }

    private static void assertRejectedFile(Path file, String expectedPart) {
        TridentException e = assertThrows(TridentException.class, () -> Tokenizer.load(file));
        String msg = e.getMessage();
        assertTrue(msg.startsWith(file.toString() + ": "), msg);
        assertTrue(msg.contains(expectedPart), msg);
        assertFalse(msg.contains("\n"), msg);
    }

    @Test
    void rejectsFilesThatAreNotTokenizers() throws Exception {
        Path missing = dir.resolve("missing.json");
        assertRejectedFile(missing, "no such file");
        Path notJson = dir.resolve("not-json.json");
        Files.writeString(notJson, "this is not json");
        assertRejectedFile(notJson, "invalid JSON at line 1, column 1");
        Path binary = dir.resolve("binary.json");
        Files.write(binary, new byte[] {(byte) 0xFF, 0, 1});
        assertRejectedFile(binary, "not UTF-8");
        Path array = dir.resolve("array.json");
        Files.writeString(array, "[1, 2]");
        assertRejectedFile(array, "not a Hugging Face tokenizer file");
        Path noModel = dir.resolve("no-model.json");
        Files.writeString(noModel, "{\"version\": \"1.0\"}");
        assertRejectedFile(noModel, "(no \"model\" object); pass a file written by 'trident tokenizer train'");
        Path truncated = dir.resolve("truncated.json");
        String good = Files.readString(dir.resolve("../" + dir.getFileName()).resolve(saveGood()));
        Files.writeString(truncated, good.substring(0, good.length() / 2));
        assertRejectedFile(truncated, "invalid JSON");
    }

    private String saveGood() {
        tok.save(dir.resolve("good.json"));
        return "good.json";
    }

    @Test
    void rejectsWrongModelTypeAndMissingParts() {
        assertRejected("wordpiece.json", r -> model(r).put("type", "WordPiece"), "model type is \"WordPiece\"");
        assertRejected("no-vocab.json", r -> model(r).remove("vocab"), "\"model\" has no \"vocab\"");
        assertRejected("no-merges.json", r -> model(r).remove("merges"), "\"model\" has no \"merges\"");
        assertRejected("vocab-array.json", r -> model(r).put("vocab", List.of()), "should be a JSON object");
        assertRejected("merges-object.json", r -> model(r).put("merges", Map.of()), "should be a JSON array");
        assertRejected("metaspace.json", r -> r.put("pre_tokenizer", Json.obj("type", "Metaspace")),
                "pre_tokenizer {\"type\":\"Metaspace\"} is not supported");
        assertRejected("normalizer.json", r -> r.put("normalizer", Json.obj("type", "Lowercase")), "normalizer");
        assertRejected("dropout.json", r -> model(r).put("dropout", 0.1), "dropout");
        assertRejected("fallback.json", r -> model(r).put("byte_fallback", true), "byte_fallback");
    }

    @Test
    void rejectsBadMerges() {
        assertRejected("unknown-token.json", r -> Json.asArray(model(r).get("merges"), "m")
                .set(3, List.of("Ġthe", "zzzq")), "merges[3] refers to \"zzzq\", which is not in the vocab");
        assertRejected("bad-string-merge.json", r -> Json.asArray(model(r).get("merges"), "m")
                .set(0, "abc"), "merges[0] \"abc\" is not two tokens separated by one space");
        assertRejected("triple.json", r -> Json.asArray(model(r).get("merges"), "m")
                .set(1, List.of("a", "b", "c")), "merges[1] has 3 elements, expected 2");
        assertRejected("result-missing.json", r -> Json.asArray(model(r).get("merges"), "m")
                .set(0, List.of("Q", "Z")), "makes \"QZ\", which is not in the vocab");
        assertRejected("merge-number.json", r -> Json.asArray(model(r).get("merges"), "m")
                .set(0, 42L), "merges[0] should be a JSON array, got 42");
    }

    @Test
    void rejectsBadIds() {
        assertRejected("huge-id.json", r -> vocab(r).put("Ġthe", 2_000_000_000L), "out of range");
        assertRejected("negative-id.json", r -> vocab(r).put("Ġthe", -1L), "should be between 0 and");
        assertRejected("too-big-id.json", r -> vocab(r).put("Ġthe", 1L << 40), "should be between 0 and");
        assertRejected("string-id.json", r -> vocab(r).put("Ġthe", "7"), "should be an integer");
        assertRejected("duplicate-id.json", r -> vocab(r).put("Ġthe", 300L), "both have id 300");
        assertRejected("missing-byte-token.json", r -> {
            long id = (Long) vocab(r).remove("Ā");
            vocab(r).put("ĀĀ", id);
        }, "no token for byte 0x0");
        assertRejected("foreign-char.json", r -> vocab(r).put("x y", 1024L), "not in GPT-2's byte-level alphabet");
        assertRejected("added-clash.json", r -> Json.asArray(r.get("added_tokens"), "a")
                .add(Json.obj("id", 5L, "content", "<pad>", "special", true)), "which the vocab gives to");
        assertRejected("added-no-id.json", r -> Json.asArray(r.get("added_tokens"), "a")
                .add(Json.obj("content", "<pad>")), "added_tokens[1] has no \"id\"");
    }

    @Test
    void refusesOversizedFilesBeforeReading() throws Exception {
        Path big = dir.resolve("big.json");
        try (var ch = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.SPARSE)) {
            ch.write(java.nio.ByteBuffer.wrap("{".getBytes(StandardCharsets.UTF_8)), TokenizerJson.MAX_FILE_BYTES);
        }
        assertRejectedFile(big, "more than the limit");
        assertTrue(Arrays.asList(dir.toFile().list()).contains("big.json"));
    }
}
