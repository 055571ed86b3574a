package dev.trident.tokenizer;

import dev.trident.TridentException;
import dev.trident.io.json.Json;
import dev.trident.io.json.JsonException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes the Hugging Face {@code tokenizers} file format ({@code tokenizer.json}) for byte-level BPE.
 * Merges are written as {@code ["a", "b"]} pairs (the newer form) and read in either form. Reading validates
 * everything and reports the first problem as a one-line {@link TridentException} naming the file.
 */
final class TokenizerJson {
    /** Files larger than this are refused before reading (GPT-4-size vocabularies are ~10 MB). */
    static final long MAX_FILE_BYTES = 256L << 20;

    private static final String FIX = "; pass a file written by 'trident tokenizer train' or a byte-level BPE "
            + "tokenizer.json from Hugging Face";

    private TokenizerJson() {
    }

    static void write(Tokenizer t, Path file) {
        if (t.isSentencePiece()) {
            throw new dev.trident.TridentException(file + ": saving a SentencePiece vocabulary as tokenizer.json is not supported yet");
        }
        List<Object> added = new ArrayList<>();
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (int id = 0; id < t.vocabSize(); id++) {
            vocab.put(t.tokenText(id), id);
            if (t.isAdded(id)) {
                added.add(Json.obj("id", id, "content", t.tokenText(id), "single_word", false, "lstrip", false,
                        "rstrip", false, "normalized", false, "special", t.isSpecial(id)));
            }
        }
        List<Object> merges = new ArrayList<>(t.mergeCount());
        for (int r = 0; r < t.mergeCount(); r++) {
            int[] pair = t.merge(r);
            merges.add(List.of(t.tokenText(pair[0]), t.tokenText(pair[1])));
        }
        Map<String, Object> root = Json.obj(
                "version", "1.0",
                "truncation", null,
                "padding", null,
                "added_tokens", added,
                "normalizer", t.normalizesNfc() ? Json.obj("type", "NFC") : null,
                "pre_tokenizer", preTokenizerJson(t.preTokenizer()),
                "post_processor", null,
                "decoder", Json.obj("type", "ByteLevel", "add_prefix_space", true, "trim_offsets", true,
                        "use_regex", true),
                "model", Json.obj("type", "BPE", "dropout", null, "unk_token", null,
                        "continuing_subword_prefix", null, "end_of_word_suffix", null, "fuse_unk", false,
                        "byte_fallback", false, "ignore_merges", t.ignoreMerges(), "vocab", vocab,
                        "merges", merges));
        Json.write(file, root);
    }

    /**
     * GPT-2's is a ByteLevel pre-tokenizer with its built-in regex; the others are their Split regexes in turn (each
     * match and the text between matches become pieces: "Isolated"), then ByteLevel without a regex, as the Llama 3,
     * Qwen2 and DeepSeek-V3 files have it.
     */
    private static Object preTokenizerJson(PreTokenizerType pre) {
        if (pre == PreTokenizerType.GPT2) {
            return Json.obj("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", true, "use_regex", true);
        }
        List<Object> steps = new ArrayList<>();
        for (String regex : pre.regexes()) {
            steps.add(Json.obj("type", "Split", "pattern", Json.obj("Regex", regex), "behavior", "Isolated", "invert", false));
        }
        steps.add(Json.obj("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", true, "use_regex", false));
        return Json.obj("type", "Sequence", "pretokenizers", steps);
    }

    /** The pre-tokenizer a tokenizer.json describes, or an IllegalArgumentException saying why it is not supported. */
    private static PreTokenizerType preTokenizer(Object pre) {
        String supported = " is not supported; only GPT-2's ({\"type\":\"ByteLevel\",\"add_prefix_space\":false,"
                + "\"use_regex\":true}) and the Split regexes of Llama 3, Qwen2 and DeepSeek-V3 followed by ByteLevel";
        if (pre instanceof Map<?, ?> m && "ByteLevel".equals(m.get("type"))) {
            if (Boolean.TRUE.equals(m.get("add_prefix_space")) || Boolean.FALSE.equals(m.get("use_regex"))) {
                throw new IllegalArgumentException("pre_tokenizer " + brief(pre) + supported);
            }
            return PreTokenizerType.GPT2;
        }
        if (pre instanceof Map<?, ?> m && "Sequence".equals(m.get("type")) && m.get("pretokenizers") instanceof List<?> steps
                && steps.size() >= 2 && steps.getLast() instanceof Map<?, ?> last && "ByteLevel".equals(last.get("type"))
                && !Boolean.TRUE.equals(last.get("add_prefix_space")) && Boolean.FALSE.equals(last.get("use_regex"))) {
            List<String> regexes = new ArrayList<>();
            for (Object step : steps.subList(0, steps.size() - 1)) {
                if (!(step instanceof Map<?, ?> split && "Split".equals(split.get("type"))
                        && split.get("pattern") instanceof Map<?, ?> pattern && pattern.get("Regex") instanceof String regex
                        && "Isolated".equals(split.get("behavior")) && !Boolean.TRUE.equals(split.get("invert")))) {
                    throw new IllegalArgumentException("pre_tokenizer step " + brief(step) + supported);
                }
                regexes.add(regex);
            }
            PreTokenizerType t = PreTokenizerType.fromRegexes(regexes);
            if (t != null) return t;
            throw new IllegalArgumentException("pre_tokenizer regex " + brief(regexes) + supported);
        }
        throw new IllegalArgumentException("pre_tokenizer " + brief(pre) + supported);
    }

    static Tokenizer read(Path file) {
        Object parsed = Json.read(file, MAX_FILE_BYTES); // its errors already name the file
        try {
            return build(parsed, file);
        } catch (JsonException | IllegalArgumentException e) {
            throw new TridentException(file + ": " + e.getMessage() + FIX, e);
        }
    }

    private static Tokenizer build(Object parsed, Path file) {
        if (!(parsed instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("not a Hugging Face tokenizer file (the top level is not an object)");
        }
        Map<String, Object> root = Json.asObject(parsed, "the top level");
        if (!(root.get("model") instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("not a Hugging Face tokenizer file (no \"model\" object)");
        }
        Map<String, Object> model = Json.asObject(root.get("model"), "\"model\"");
        Object type = model.get("type");
        if (type != null && !"BPE".equals(type)) {
            throw new IllegalArgumentException("model type is " + Json.write(type) + ", but only \"BPE\" is supported");
        }
        checkSupported(root, model);
        PreTokenizerType pre = preTokenizer(root.get("pre_tokenizer"));

        Map<String, Object> vocabJson = Json.asObject(Json.member(model, "vocab", "\"model\""), "\"model.vocab\"");
        List<Object> mergesJson = Json.asArray(Json.member(model, "merges", "\"model\""), "\"model.merges\"");
        List<Object> addedJson = root.get("added_tokens") == null ? List.of()
                : Json.asArray(root.get("added_tokens"), "\"added_tokens\"");

        // Ids must be exactly 0..n-1: vocab entries plus added tokens that are not also in the vocab.
        Map<Integer, String> byId = new HashMap<>();
        for (Map.Entry<String, Object> e : vocabJson.entrySet()) {
            int id = Json.asInt(e.getValue(), "the id of vocab token \"" + e.getKey() + "\"", 0, Integer.MAX_VALUE - 8);
            String previous = byId.putIfAbsent(id, e.getKey());
            if (previous != null) {
                throw new IllegalArgumentException("vocab ids are not unique: \"" + previous + "\" and \""
                        + e.getKey() + "\" both have id " + id);
            }
        }
        Map<Integer, Boolean> addedSpecial = new HashMap<>();
        for (int i = 0; i < addedJson.size(); i++) {
            String what = "added_tokens[" + i + "]";
            Map<String, Object> tok = Json.asObject(addedJson.get(i), what);
            int id = Json.asInt(Json.member(tok, "id", what), what + ".id", 0, Integer.MAX_VALUE - 8);
            String content = Json.asString(Json.member(tok, "content", what), what + ".content");
            boolean special = tok.get("special") != null && Json.asBoolean(tok.get("special"), what + ".special");
            String inVocab = byId.putIfAbsent(id, content);
            if (inVocab != null && !inVocab.equals(content)) {
                throw new IllegalArgumentException(what + " \"" + content + "\" has id " + id + ", which the vocab "
                        + "gives to \"" + inVocab + "\"");
            }
            if (addedSpecial.put(id, special) != null) {
                throw new IllegalArgumentException(what + " repeats id " + id);
            }
        }
        int n = byId.size();
        String[] vocab = new String[n];
        boolean[] added = new boolean[n];
        boolean[] special = new boolean[n];
        for (Map.Entry<Integer, String> e : byId.entrySet()) {
            int id = e.getKey();
            if (id >= n) {
                throw new IllegalArgumentException("token \"" + e.getValue() + "\" has id " + id + ", out of range: "
                        + "there are " + n + " tokens, so ids must be 0.." + (n - 1));
            }
            vocab[id] = e.getValue();
            Boolean s = addedSpecial.get(id);
            added[id] = s != null;
            special[id] = s != null && s;
        }

        int[] left = new int[mergesJson.size()];
        int[] right = new int[mergesJson.size()];
        for (int r = 0; r < mergesJson.size(); r++) {
            String[] pair = mergePair(mergesJson.get(r), r);
            left[r] = vocabId(vocabJson, pair[0], r);
            right[r] = vocabId(vocabJson, pair[1], r);
        }
        boolean ignoreMerges = model.get("ignore_merges") != null
                && Json.asBoolean(model.get("ignore_merges"), "\"model.ignore_merges\"");
        Tokenizer t = new Tokenizer(vocab, added, special, left, right, ignoreMerges, Tokenizer.DEFAULT_CACHE_SLOTS, -1, pre);
        return root.get("normalizer") instanceof Map<?, ?> norm && "NFC".equals(norm.get("type")) ? t.withNfc(true) : t;
    }

    /** A merge as {@code "a b"} (older files) or {@code ["a", "b"]}. */
    private static String[] mergePair(Object merge, int r) {
        String what = "merges[" + r + "]";
        if (merge instanceof String s) {
            int space = s.indexOf(' ');
            if (space <= 0 || space == s.length() - 1 || s.indexOf(' ', space + 1) >= 0) {
                throw new IllegalArgumentException(what + " \"" + s + "\" is not two tokens separated by one space");
            }
            return new String[] {s.substring(0, space), s.substring(space + 1)};
        }
        List<Object> pair = Json.asArray(merge, what);
        if (pair.size() != 2) {
            throw new IllegalArgumentException(what + " has " + pair.size() + " elements, expected 2");
        }
        return new String[] {Json.asString(pair.get(0), what + "[0]"), Json.asString(pair.get(1), what + "[1]")};
    }

    private static int vocabId(Map<String, Object> vocab, String token, int r) {
        Object id = vocab.get(token);
        if (id == null) {
            throw new IllegalArgumentException("merges[" + r + "] refers to \"" + token + "\", which is not in the vocab");
        }
        return ((Long) id).intValue(); // range checked above
    }

    /** Refuses options that would make our encoding differ from what the file means. */
    private static void checkSupported(Map<String, Object> root, Map<String, Object> model) {
        Object normalizer = root.get("normalizer");
        boolean supported = normalizer instanceof Map<?, ?> m && ("NFC".equals(m.get("type")) && m.size() == 1 // Qwen2's
                || "Sequence".equals(m.get("type")) && m.get("normalizers") instanceof List<?> l && l.isEmpty()); // DeepSeek-V3's
        if (normalizer != null && !supported) {
            throw new IllegalArgumentException("normalizer " + brief(root.get("normalizer")) + " is not supported "
                    + "(only Qwen2's NFC and an empty Sequence)");
        }
        Object dropout = model.get("dropout");
        if (dropout != null && Json.asDouble(dropout, "\"model.dropout\"") != 0) {
            throw new IllegalArgumentException("BPE dropout " + dropout + " is not supported");
        }
        for (String key : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            Object v = model.get(key);
            if (v != null && !"".equals(v)) {
                throw new IllegalArgumentException("\"model." + key + "\" " + brief(v) + " is not supported");
            }
        }
        if (Boolean.TRUE.equals(model.get("byte_fallback"))) {
            throw new IllegalArgumentException("\"model.byte_fallback\": true is not supported (byte-level BPE "
                    + "needs no fallback)");
        }
    }

    private static String brief(Object v) {
        String s = Json.write(v);
        return s.length() > 60 ? s.substring(0, 57) + "..." : Objects.toString(s);
    }
}
