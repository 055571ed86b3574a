package dev.trident.io.gguf;

import dev.trident.TridentException;
import dev.trident.tokenizer.PreTokenizerType;
import dev.trident.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A tokenizer as GGUF {@code tokenizer.ggml.*} metadata, in the two kinds Trident encodes:
 *
 * <ul>
 *   <li>{@code gpt2}: byte-level BPE, tokens in GPT-2's printable byte alphabet ("Ġthe"), merges as "left right"
 *       strings in rank order, and the pre-tokenizer name in {@code tokenizer.ggml.pre}: the names llama.cpp reads
 *       as GPT-2's, Llama 3's, Qwen2's, Qwen3.5's or DeepSeek-V3's regex ({@link PreTokenizerType}); others split
 *       text differently and are refused rather than encoded wrongly. llama.cpp's ignore_merges follows the name
 *       (Llama 3's), so it does here too.</li>
 *   <li>{@code llama}: SentencePiece BPE with byte fallback (pieces, scores, types; {@code <0xAB>} byte tokens).</li>
 * </ul>
 *
 * Token types are llama.cpp's: 1 normal, 2 unknown, 3 control (special), 4 user-defined, 5 unused, 6 byte.
 */
public final class GgufVocabulary {
    private GgufVocabulary() {}

    /**
     * Writes t, padded to vocabSize tokens (llama.cpp sizes the embedding by the token list) with unused
     * "[PAD<id>]" tokens. bos: the beginning-of-text id to record (-1: the end-of-text id, as Trident adds none);
     * addBos: whether llama.cpp should prepend it when tokenizing.
     */
    public static void write(GgufWriter w, Tokenizer t, int vocabSize, int bos, boolean addBos) {
        int n = Math.max(vocabSize, t.vocabSize());
        List<String> tokens = new ArrayList<>(n);
        int[] types = new int[n];
        for (int id = 0; id < n; id++) {
            boolean pad = id >= t.vocabSize();
            tokens.add(pad ? "[PAD" + id + "]" : t.tokenText(id));
            types[id] = pad ? Tokenizer.TYPE_UNUSED : t.tokenType(id);
        }
        if (t.isSentencePiece()) {
            float[] scores = new float[n];
            for (int id = 0; id < t.vocabSize(); id++) scores[id] = t.score(id);
            w.putString("tokenizer.ggml.model", "llama");
            w.putStrings("tokenizer.ggml.tokens", tokens);
            w.putFloat32s("tokenizer.ggml.scores", scores);
            w.putInt32s("tokenizer.ggml.token_type", types);
            w.putBool("tokenizer.ggml.add_space_prefix", t.addsSpacePrefix());
        } else {
            List<String> merges = new ArrayList<>(t.mergeCount());
            for (int r = 0; r < t.mergeCount(); r++) {
                int[] pair = t.merge(r);
                merges.add(t.tokenText(pair[0]) + " " + t.tokenText(pair[1]));
            }
            w.putString("tokenizer.ggml.model", "gpt2");
            w.putString("tokenizer.ggml.pre", t.preTokenizer().ggufName(t.ignoreMerges()));
            w.putStrings("tokenizer.ggml.tokens", tokens);
            w.putInt32s("tokenizer.ggml.token_type", types);
            w.putStrings("tokenizer.ggml.merges", merges);
        }
        int eos = t.eosId();
        if (bos < 0) bos = eos;
        if (bos >= 0) w.putUInt32("tokenizer.ggml.bos_token_id", bos);
        if (eos >= 0) w.putUInt32("tokenizer.ggml.eos_token_id", eos);
        w.putBool("tokenizer.ggml.add_bos_token", addBos && bos >= 0);
        w.putBool("tokenizer.ggml.add_eos_token", false);
    }

    /** The tokenizer a file describes; a one-line TridentException naming the file if it is missing or unusable. */
    public static Tokenizer read(GgufFile g) {
        String model = g.getString("tokenizer.ggml.model");
        List<String> tokens = g.getStringArray("tokenizer.ggml.tokens");
        int n = tokens.size();
        if (n == 0) throw new TridentException(g.name() + ": tokenizer.ggml.tokens is empty");
        int[] types = g.has("tokenizer.ggml.token_type") ? g.getIntArray("tokenizer.ggml.token_type") : filled(n, Tokenizer.TYPE_NORMAL);
        if (types.length != n)
            throw new TridentException(g.name() + ": tokenizer.ggml.token_type has " + types.length + " entries for " + n + " tokens");
        int eos = g.has("tokenizer.ggml.eos_token_id") ? (int) Math.min(Integer.MAX_VALUE, Math.max(-1, g.getLong("tokenizer.ggml.eos_token_id"))) : -1;
        if (eos >= n) throw new TridentException(g.name() + ": tokenizer.ggml.eos_token_id " + eos + " is outside the " + n + " tokens");
        try {
            return switch (model) {
                case "gpt2" -> byteLevel(g, tokens, types, eos);
                case "llama" -> {
                    float[] scores = g.has("tokenizer.ggml.scores") ? g.getFloatArray("tokenizer.ggml.scores") : new float[n];
                    if (scores.length != n)
                        throw new TridentException(g.name() + ": tokenizer.ggml.scores has " + scores.length + " entries for " + n + " tokens");
                    boolean prefix = !g.has("tokenizer.ggml.add_space_prefix") || g.getBool("tokenizer.ggml.add_space_prefix");
                    yield Tokenizer.sentencePiece(tokens, scores, types, eos, prefix);
                }
                default -> throw new TridentException(g.name() + ": tokenizer model '" + GgufReader.printable(model)
                        + "' is not supported (Trident reads gpt2 byte-level BPE and llama SentencePiece BPE)");
            };
        } catch (IllegalArgumentException e) {
            throw new TridentException(g.name() + ": unusable vocabulary (" + GgufReader.printable(String.valueOf(e.getMessage()), 200) + ")", e);
        }
    }

    private static Tokenizer byteLevel(GgufFile g, List<String> tokens, int[] types, int eos) {
        String pre = g.has("tokenizer.ggml.pre") ? g.getString("tokenizer.ggml.pre") : "(none)";
        PreTokenizerType preType = PreTokenizerType.fromGgufName(pre);
        if (preType == null) {
            throw new TridentException(g.name() + ": pre-tokenizer '" + GgufReader.printable(pre)
                    + "' is not supported yet (Trident splits text as llama.cpp's gpt-2, llama-bpe, qwen2, qwen35 and"
                    + " deepseek-v3 and the names it treats alike)");
        }
        List<String> raw = g.getStringArray("tokenizer.ggml.merges");
        List<String[]> merges = new ArrayList<>(raw.size());
        for (int r = 0; r < raw.size(); r++) {
            String m = raw.get(r);
            int space = m.indexOf(' ');
            if (space <= 0 || space == m.length() - 1 || m.indexOf(' ', space + 1) >= 0)
                throw new TridentException(g.name() + ": tokenizer.ggml.merges entry " + r + " is not \"left right\"");
            merges.add(new String[] {m.substring(0, space), m.substring(space + 1)});
        }
        Set<Integer> added = new HashSet<>(), special = new HashSet<>();
        for (int id = 0; id < types.length; id++) {
            int type = types[id];
            if (type == Tokenizer.TYPE_CONTROL || type == Tokenizer.TYPE_UNKNOWN) special.add(id);
            if (type != Tokenizer.TYPE_NORMAL && type != Tokenizer.TYPE_BYTE) added.add(id);
        }
        if (eos >= 0 && !added.contains(eos)) eos = -1; // a plain token named as eos: keep Trident's own choice
        return Tokenizer.of(tokens, merges, added, special, eos, preType, PreTokenizerType.ggufIgnoresMerges(pre));
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
