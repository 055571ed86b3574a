package dev.trident.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A byte-level BPE tokenizer (GPT-2 style): text is split into chunks by its {@link PreTokenizerType} (GPT-2's
 * regex, Llama 3's, Qwen2's, DeepSeek-V3's), each chunk's bytes
 * start as the 256 byte tokens and are merged by rank ({@link MergeTable}). Valid UTF-8 round-trips exactly:
 * {@code decodeBytes(encode(bytes))} equals {@code bytes}; invalid UTF-8 is read as llama.cpp reads it
 * ({@link Utf8Repair}), so its stray bytes come back as U+FFFD.
 *
 * <p>It can instead hold a SentencePiece-BPE vocabulary with byte fallback ({@link #sentencePiece}, the kind
 * Llama 2 and Mistral use, read from GGUF files): the same interface, encoded by {@link SentencePieceBpe}, and
 * any bytes still round-trip except that plain text gains the leading space SentencePiece adds.
 *
 * <p>Added tokens (special tokens such as {@code <|endoftext|>}) are only produced by {@link #encodeWithSpecials};
 * {@link #encode} treats their text as plain text.
 *
 * <p>Immutable and thread-safe: any number of threads may encode concurrently. Repeated chunks are served from a
 * bounded per-instance cache.
 */
public final class Tokenizer {
    /** Default number of chunk-cache slots (each holds one word's ids). */
    public static final int DEFAULT_CACHE_SLOTS = 1 << 16;

    private final String[] vocab;          // id -> token string: byte-level for ordinary tokens, raw for added ones
    private final byte[][] tokenBytes;     // id -> the bytes it decodes to
    private final boolean[] added;         // id -> an added token (matched only by encodeWithSpecials)
    private final boolean[] special;       // id -> flagged "special" in tokenizer.json
    private final Map<String, Integer> idOf;
    private final int[] byteToId = new int[256];
    private final MergeTable merges;
    private final boolean ignoreMerges;
    /** How plain text is split into chunks (null for SentencePiece, which does not split). */
    private final PreTokenizerType preTokenizer;
    /** Hugging Face's NFC normalizer (Qwen2's tokenizer.json): plain text is put in Unicode NFC before splitting. */
    private final boolean nfc;
    private final int eosId;
    private final int[] addedIdsLongestFirst;
    private final ChunkCache cache;
    /** The SentencePiece-BPE encoder (Llama's vocabulary kind), or null for byte-level BPE. */
    private final SentencePieceBpe spm;
    /** With spm: each piece's score and llama.cpp token type (1 normal, 2 unknown, 3 control, 4 user, 6 byte). */
    private final float[] scores;
    private final int[] types;

    /**
     * Builds a tokenizer and checks it is consistent. Throws {@link IllegalArgumentException} describing the
     * first problem; the file loader turns that into a {@code TridentException} naming the file.
     *
     * @param vocab        token strings by id; ordinary tokens in the byte-level alphabet, added tokens as raw text
     * @param added        which ids are added tokens
     * @param special      which added tokens are special (e.g. end of text)
     * @param mergeLeft    left token id of each merge, in rank order
     * @param mergeRight   right token id of each merge
     * @param ignoreMerges the Hugging Face option: a chunk that is itself in the vocab becomes that one token
     */
    Tokenizer(String[] vocab, boolean[] added, boolean[] special, int[] mergeLeft, int[] mergeRight,
              boolean ignoreMerges, int cacheSlots) {
        this(vocab, added, special, mergeLeft, mergeRight, ignoreMerges, cacheSlots, -1, PreTokenizerType.GPT2);
    }

    /**
     * As above, with the end-of-text id given (-1: picked from the special tokens, see {@link #eosId}) and the
     * pre-tokenizer.
     */
    Tokenizer(String[] vocab, boolean[] added, boolean[] special, int[] mergeLeft, int[] mergeRight,
              boolean ignoreMerges, int cacheSlots, int eos, PreTokenizerType preTokenizer) {
        int n = vocab.length;
        if (added.length != n || special.length != n || mergeLeft.length != mergeRight.length) {
            throw new IllegalArgumentException("inconsistent table sizes");
        }
        this.vocab = vocab.clone();
        this.added = added.clone();
        this.special = special.clone();
        this.ignoreMerges = ignoreMerges;
        this.preTokenizer = java.util.Objects.requireNonNull(preTokenizer);
        this.nfc = false;
        this.tokenBytes = new byte[n][];
        this.idOf = HashMap.newHashMap(n);
        Arrays.fill(byteToId, -1);
        List<Integer> addedIds = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            String s = vocab[id];
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("token id " + id + " has no text");
            }
            if (idOf.putIfAbsent(s, id) != null) {
                throw new IllegalArgumentException("token \"" + s + "\" appears twice (ids " + idOf.get(s) + " and "
                        + id + ")");
            }
            if (added[id]) {
                tokenBytes[id] = s.getBytes(StandardCharsets.UTF_8);
                addedIds.add(id);
            } else {
                tokenBytes[id] = ByteLevelAlphabet.decode(s);
                if (tokenBytes[id] == null) {
                    throw new IllegalArgumentException("token " + id + " \"" + s
                            + "\" is not in GPT-2's byte-level alphabet (is this a byte-level BPE vocab?)");
                }
                if (tokenBytes[id].length == 1) {
                    byteToId[tokenBytes[id][0] & 0xFF] = id;
                }
            }
            if (special[id] && !added[id]) {
                throw new IllegalArgumentException("token " + id + " is special but not an added token");
            }
        }
        for (int b = 0; b < 256; b++) {
            if (byteToId[b] < 0) {
                throw new IllegalArgumentException("the vocab has no token for byte 0x" + Integer.toHexString(b)
                        + " (\"" + ByteLevelAlphabet.charOf(b) + "\"), so some text could not be encoded");
            }
        }
        int[] result = new int[mergeLeft.length];
        for (int r = 0; r < mergeLeft.length; r++) {
            int a = mergeLeft[r];
            int b = mergeRight[r];
            if (a < 0 || a >= n || b < 0 || b >= n || added[a] || added[b]) {
                throw new IllegalArgumentException("merge " + r + " refers to token ids " + a + ", " + b
                        + " which are not ordinary vocab tokens");
            }
            Integer merged = idOf.get(vocab[a] + vocab[b]);
            if (merged == null || added[merged]) {
                throw new IllegalArgumentException("merge " + r + " (\"" + vocab[a] + "\" \"" + vocab[b]
                        + "\") makes \"" + vocab[a] + vocab[b] + "\", which is not in the vocab");
            }
            result[r] = merged;
        }
        this.merges = new MergeTable(mergeLeft, mergeRight, result);
        addedIds.sort(Comparator.comparingInt((Integer id) -> -tokenBytes[id].length).thenComparingInt(id -> id));
        this.addedIdsLongestFirst = addedIds.stream().mapToInt(Integer::intValue).toArray();
        if (eos >= n || (eos >= 0 && !added[eos])) throw new IllegalArgumentException("end-of-text id " + eos + " is not an added token");
        this.eosId = eos >= 0 ? eos : pickEos(addedIds);
        this.cache = new ChunkCache(cacheSlots);
        this.spm = null;
        this.scores = null;
        this.types = null;
    }

    /** Same tables, own cache. */
    private Tokenizer(Tokenizer t, int cacheSlots) {
        this(t, cacheSlots, t.nfc);
    }

    /** Same tables, own cache, NFC normalization on or off. */
    private Tokenizer(Tokenizer t, int cacheSlots, boolean nfc) {
        this.nfc = nfc;
        this.vocab = t.vocab;
        this.tokenBytes = t.tokenBytes;
        this.added = t.added;
        this.special = t.special;
        this.idOf = t.idOf;
        System.arraycopy(t.byteToId, 0, byteToId, 0, 256);
        this.merges = t.merges;
        this.ignoreMerges = t.ignoreMerges;
        this.preTokenizer = t.preTokenizer;
        this.eosId = t.eosId;
        this.addedIdsLongestFirst = t.addedIdsLongestFirst;
        this.cache = new ChunkCache(cacheSlots);
        this.spm = t.spm;
        this.scores = t.scores;
        this.types = t.types;
    }

    /** llama.cpp's token types (tokenizer.ggml.token_type). */
    public static final int TYPE_NORMAL = 1, TYPE_UNKNOWN = 2, TYPE_CONTROL = 3, TYPE_USER_DEFINED = 4, TYPE_UNUSED = 5, TYPE_BYTE = 6;

    /** A SentencePiece-BPE vocabulary (see {@link #sentencePiece}). */
    private Tokenizer(String[] pieces, float[] scores, int[] types, int eosId, boolean addSpacePrefix) {
        int n = pieces.length;
        if (scores.length != n || types.length != n) throw new IllegalArgumentException("inconsistent table sizes");
        this.vocab = pieces.clone();
        this.scores = scores.clone();
        this.types = types.clone();
        this.tokenBytes = new byte[n][];
        this.added = new boolean[n];
        this.special = new boolean[n];
        this.idOf = HashMap.newHashMap(n);
        Arrays.fill(byteToId, -1);
        byte[][] pieceBytes = new byte[n][];
        List<Integer> addedIds = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            String s = pieces[id];
            if (s == null) throw new IllegalArgumentException("token id " + id + " has no text");
            idOf.putIfAbsent(s, id);
            pieceBytes[id] = s.getBytes(StandardCharsets.UTF_8);
            switch (types[id]) {
                case TYPE_BYTE -> {
                    int b = byteTokenValue(s);
                    if (b < 0) throw new IllegalArgumentException("byte token " + id + " \"" + s + "\" is not of the form <0xAB>");
                    tokenBytes[id] = new byte[] {(byte) b};
                    if (byteToId[b] < 0) byteToId[b] = id;
                }
                case TYPE_CONTROL, TYPE_USER_DEFINED, TYPE_UNKNOWN -> {
                    tokenBytes[id] = pieceBytes[id];
                    added[id] = !s.isEmpty();
                    special[id] = types[id] != TYPE_USER_DEFINED && !s.isEmpty();
                    if (added[id]) addedIds.add(id);
                }
                case TYPE_NORMAL, TYPE_UNUSED -> tokenBytes[id] = s.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
                default -> throw new IllegalArgumentException("token " + id + " has unknown type " + types[id]);
            }
        }
        for (int b = 0; b < 256; b++) {
            if (byteToId[b] < 0) {
                throw new IllegalArgumentException("the vocabulary has no byte token <0x" + String.format("%02X", b)
                        + ">, so some text could not be encoded");
            }
        }
        if (eosId >= n) throw new IllegalArgumentException("end-of-text id " + eosId + " outside the vocabulary of " + n);
        this.merges = new MergeTable(new int[0], new int[0], new int[0]);
        this.ignoreMerges = false;
        this.preTokenizer = null;
        this.nfc = false;
        addedIds.sort(Comparator.comparingInt((Integer id) -> -tokenBytes[id].length).thenComparingInt(id -> id));
        this.addedIdsLongestFirst = addedIds.stream().mapToInt(Integer::intValue).toArray();
        this.eosId = eosId >= 0 ? eosId : pickEos(addedIds);
        this.cache = new ChunkCache(0);
        this.spm = new SentencePieceBpe(pieceBytes, scores, byteToId, addSpacePrefix);
    }

    /** The byte of a "<0xAB>" piece, or -1. */
    private static int byteTokenValue(String s) {
        if (s.length() != 6 || !s.startsWith("<0x") || s.charAt(5) != '>') return -1;
        try {
            return Integer.parseInt(s.substring(3, 5), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * A SentencePiece-BPE vocabulary with byte fallback (llama.cpp's "llama" tokenizer model: Llama 2, Mistral,
     * TinyLlama): pieces with "▁" for spaces, their scores (higher merges first), llama.cpp token types (byte
     * tokens must be {@code <0xAB>}, all 256 present), the end-of-text id (-1: guess from the control tokens) and
     * whether a plain-text fragment gets a leading space. Control, unknown and user-defined tokens are added
     * tokens. Throws IllegalArgumentException for an inconsistent vocabulary (the caller names the file).
     */
    public static Tokenizer sentencePiece(List<String> pieces, float[] scores, int[] types, int eosId, boolean addSpacePrefix) {
        return new Tokenizer(pieces.toArray(new String[0]), scores, types, eosId, addSpacePrefix);
    }

    /** Whether this is a SentencePiece-BPE vocabulary rather than byte-level BPE. */
    public boolean isSentencePiece() {
        return spm != null;
    }

    /** A SentencePiece piece's score (0 for byte-level BPE vocabularies). */
    public float score(int id) {
        checkId(id);
        return scores == null ? 0 : scores[id];
    }

    /** llama.cpp's type of token id: normal, control (special), byte, ... ({@link #TYPE_NORMAL} etc.). */
    public int tokenType(int id) {
        checkId(id);
        if (types != null) return types[id];
        return special[id] ? TYPE_CONTROL : added[id] ? TYPE_USER_DEFINED : TYPE_NORMAL;
    }

    /** SentencePiece: whether plain text gets a leading "▁" (llama.cpp's add_space_prefix). */
    public boolean addsSpacePrefix() {
        return spm != null && spm.addSpacePrefix();
    }

    /** Loads a Hugging Face {@code tokenizer.json} (byte-level BPE); throws TridentException naming the file. */
    public static Tokenizer load(Path file) {
        return TokenizerJson.read(file);
    }

    /**
     * A byte-level BPE tokenizer from its parts, as a GGUF file stores them (tokenizer.ggml.tokens / merges /
     * token_type): tokens in GPT-2's byte-level alphabet by id, merges as (left, right) token texts in rank order,
     * and the ids of special (control) tokens, which are matched as text rather than spelled in bytes.
     * Throws IllegalArgumentException for an inconsistent vocabulary (the caller names the file).
     */
    public static Tokenizer of(List<String> tokens, List<String[]> merges, java.util.Set<Integer> specialIds) {
        return of(tokens, merges, specialIds, specialIds, -1);
    }

    /**
     * As {@link #of(List, List, java.util.Set)}, with added tokens that are not special (written as raw text, such
     * as user-defined or unused tokens) and the end-of-text id given (-1: picked from the special tokens).
     * specialIds must be among addedIds.
     */
    public static Tokenizer of(List<String> tokens, List<String[]> merges, java.util.Set<Integer> addedIds,
                               java.util.Set<Integer> specialIds, int eosId) {
        return of(tokens, merges, addedIds, specialIds, eosId, PreTokenizerType.GPT2, false);
    }

    /**
     * As above, with the pre-tokenizer and Hugging Face's ignore_merges option (a chunk that is itself an ordinary
     * token becomes that token; llama.cpp sets it for Llama 3's vocabularies).
     */
    public static Tokenizer of(List<String> tokens, List<String[]> merges, java.util.Set<Integer> addedIds,
                               java.util.Set<Integer> specialIds, int eosId, PreTokenizerType preTokenizer,
                               boolean ignoreMerges) {
        int n = tokens.size();
        String[] vocab = tokens.toArray(new String[0]);
        boolean[] added = new boolean[n], special = new boolean[n];
        for (int id : addedIds) {
            if (id < 0 || id >= n) throw new IllegalArgumentException("added token id " + id + " outside the vocabulary of " + n);
            added[id] = true;
        }
        for (int id : specialIds) {
            if (id < 0 || id >= n || !added[id]) throw new IllegalArgumentException("special token id " + id + " is not an added token");
            special[id] = true;
        }
        Map<String, Integer> ids = HashMap.newHashMap(n);
        for (int i = 0; i < n; i++) if (!added[i]) ids.putIfAbsent(vocab[i], i);
        int[] left = new int[merges.size()], right = new int[merges.size()];
        for (int r = 0; r < merges.size(); r++) {
            String[] m = merges.get(r);
            Integer a = m.length == 2 ? ids.get(m[0]) : null, b = m.length == 2 ? ids.get(m[1]) : null;
            if (a == null || b == null) throw new IllegalArgumentException("merge " + r + " refers to a token that is not in the vocabulary");
            left[r] = a;
            right[r] = b;
        }
        return new Tokenizer(vocab, added, special, left, right, ignoreMerges, DEFAULT_CACHE_SLOTS, eosId, preTokenizer);
    }

    /** Saves as a Hugging Face {@code tokenizer.json}, atomically. */
    public void save(Path file) {
        TokenizerJson.write(this, file);
    }

    /**
     * This byte-level tokenizer with Hugging Face's NFC normalizer on or off: plain text is put in Unicode
     * normalization form C before it is split (Qwen2's tokenizer.json asks for it; llama.cpp never normalizes).
     */
    public Tokenizer withNfc(boolean on) {
        if (spm != null && on) throw new IllegalArgumentException("NFC normalization is for byte-level BPE");
        return new Tokenizer(this, cache.slots(), on);
    }

    /** Whether plain text is put in Unicode NFC before splitting (Hugging Face's NFC normalizer). */
    public boolean normalizesNfc() {
        return nfc;
    }

    /** This tokenizer with a chunk cache of {@code slots} entries (0 disables it; for benchmarks and tests). */
    public Tokenizer withCacheSlots(int slots) {
        return new Tokenizer(this, slots);
    }

    // ---- encoding ----

    /**
     * Encodes UTF-8 bytes as plain text: added tokens' text is not recognized. Invalid UTF-8 is first read the way
     * llama.cpp reads it ({@link Utf8Repair}): valid text round-trips byte for byte, invalid bytes come back as U+FFFD.
     */
    public int[] encode(byte[] utf8) {
        return encode(utf8, 0, utf8.length);
    }

    /** Encodes {@code utf8[from, to)} as plain text. */
    public int[] encode(byte[] utf8, int from, int to) {
        java.util.Objects.checkFromToIndex(from, to, utf8.length);
        IntList out = new IntList((to - from) / 3 + 8);
        encodePlain(utf8, from, to, out, new Scratch());
        return out.toArray();
    }

    /** Encodes text as plain text (its UTF-8 bytes). */
    public int[] encode(String text) {
        return encode(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Encodes text, turning occurrences of added tokens (e.g. {@code <|endoftext|>}) into their ids. */
    public int[] encodeWithSpecials(String text) {
        return encodeWithSpecials(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Encodes UTF-8 bytes, turning occurrences of added tokens into their ids (longest match wins). */
    public int[] encodeWithSpecials(byte[] utf8) {
        IntList out = new IntList(utf8.length / 3 + 8);
        Scratch scratch = new Scratch();
        int plainStart = 0;
        for (int i = 0; i < utf8.length; ) {
            int id = addedTokenAt(utf8, i);
            if (id < 0) {
                i++;
                continue;
            }
            encodePlain(utf8, plainStart, i, out, scratch);
            out.add(id);
            i += tokenBytes[id].length;
            plainStart = i;
        }
        encodePlain(utf8, plainStart, utf8.length, out, scratch);
        return out.toArray();
    }

    private int addedTokenAt(byte[] s, int i) {
        for (int id : addedIdsLongestFirst) {
            byte[] t = tokenBytes[id];
            if (s[i] == t[0] && i + t.length <= s.length && Arrays.equals(s, i, i + t.length, t, 0, t.length)) {
                return id;
            }
        }
        return -1;
    }

    /** Per-call working memory, so concurrent encodes share nothing mutable. */
    private static final class Scratch {
        int[] syms = new int[64];
    }

    private void encodePlain(byte[] s, int from, int to, IntList out, Scratch scratch) {
        if (spm != null) {
            spm.encode(s, from, to, out);
            return;
        }
        if (!Utf8Repair.isValid(s, from, to)) { // as llama.cpp reads it, so both give the same ids
            s = Utf8Repair.repair(s, from, to);
            from = 0;
            to = s.length;
        }
        if (nfc || preTokenizer != PreTokenizerType.GPT2) {
            encodeOther(s, from, to, out, scratch);
            return;
        }
        for (int i = from; i < to; ) {
            int end = PreTokenizer.chunkEnd(s, i, to);
            encodeChunk(s, i, end, out, scratch);
            i = end;
        }
    }

    /** Plain text with NFC normalization or another pre-tokenizer than GPT-2's (kept apart from the hot loop). */
    private void encodeOther(byte[] s, int from, int to, IntList out, Scratch scratch) {
        if (nfc) {
            byte[] normalized = nfc(s, from, to);
            if (normalized != null) {
                s = normalized;
                from = 0;
                to = s.length;
            }
        }
        PreTokenizerType pre = preTokenizer;
        for (int i = from; i < to; ) {
            int end = pre.chunkEnd(s, i, to);
            encodeChunk(s, i, end, out, scratch);
            i = end;
        }
    }

    /** s[from, to) in NFC, or null if it already is (ASCII always is). */
    private static byte[] nfc(byte[] s, int from, int to) {
        int i = from;
        while (i < to && s[i] >= 0) i++;
        if (i == to) return null;
        String text = new String(s, from, to - from, StandardCharsets.UTF_8);
        if (java.text.Normalizer.isNormalized(text, java.text.Normalizer.Form.NFC)) return null;
        return java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFC).getBytes(StandardCharsets.UTF_8);
    }

    private void encodeChunk(byte[] s, int from, int to, IntList out, Scratch scratch) {
        int len = to - from;
        if (len == 1) {
            out.add(byteToId[s[from] & 0xFF]);
            return;
        }
        boolean cacheable = cache.enabled() && len <= ChunkCache.MAX_CHUNK_BYTES;
        int hash = 0;
        if (cacheable) {
            hash = ChunkCache.hash(s, from, to);
            int[] hit = cache.get(s, from, to, hash);
            if (hit != null) {
                out.addAll(hit, hit.length);
                return;
            }
        }
        if (scratch.syms.length < len) {
            scratch.syms = new int[Math.max(len, scratch.syms.length * 2)];
        }
        int[] syms = scratch.syms;
        int n = -1;
        if (ignoreMerges) {
            Integer whole = idOf.get(ByteLevelAlphabet.encode(Arrays.copyOfRange(s, from, to)));
            if (whole != null && !added[whole]) {
                syms[0] = whole;
                n = 1;
            }
        }
        if (n < 0) {
            for (int i = 0; i < len; i++) {
                syms[i] = byteToId[s[from + i] & 0xFF];
            }
            n = merges.apply(syms, len);
        }
        out.addAll(syms, n);
        if (cacheable) {
            cache.put(s, from, to, hash, Arrays.copyOf(syms, n));
        }
    }

    // ---- decoding ----

    /** The bytes the ids stand for; concatenating them gives back what was encoded. */
    public byte[] decodeBytes(int[] ids) {
        return decodeBytes(ids, 0, ids.length);
    }

    /** The bytes {@code ids[from, to)} stand for. */
    public byte[] decodeBytes(int[] ids, int from, int to) {
        java.util.Objects.checkFromToIndex(from, to, ids.length);
        int total = 0;
        for (int i = from; i < to; i++) {
            total += bytesOf(ids[i]).length;
        }
        byte[] out = new byte[total];
        int pos = 0;
        for (int i = from; i < to; i++) {
            byte[] t = tokenBytes[ids[i]];
            System.arraycopy(t, 0, out, pos, t.length);
            pos += t.length;
        }
        return out;
    }

    /** The text the ids stand for; bytes that are not valid UTF-8 become U+FFFD. */
    public String decode(int[] ids) {
        return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }

    /** A decoder for generation that emits text only once characters are complete. */
    public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this);
    }

    // ---- vocabulary ----

    /** Number of token ids, added tokens included: ids are {@code 0 .. vocabSize()-1}. */
    public int vocabSize() {
        return vocab.length;
    }

    /**
     * The token as written in the vocabulary (Hugging Face's {@code id_to_token}): GPT-2's printable byte-level
     * form for ordinary tokens, e.g. {@code "Ġthe"} for " the", and the raw text for added tokens.
     */
    public String tokenText(int id) {
        checkId(id);
        return vocab[id];
    }

    /** The bytes token {@code id} decodes to (a copy). */
    public byte[] tokenBytes(int id) {
        return bytesOf(id).clone();
    }

    /** The bytes of token {@code id}, not copied: callers must not modify them. */
    byte[] bytesOf(int id) {
        checkId(id);
        return tokenBytes[id];
    }

    /** The id of a token string as written in the vocabulary (see {@link #tokenText}), or -1. */
    public int idOf(String token) {
        Integer id = idOf.get(token);
        return id == null ? -1 : id;
    }

    /** Whether {@code id} is an added token (special tokens such as end of text). */
    public boolean isAdded(int id) {
        checkId(id);
        return added[id];
    }

    /** Whether {@code id} is flagged special. */
    public boolean isSpecial(int id) {
        checkId(id);
        return special[id];
    }

    /** The special tokens' texts, in id order. */
    public List<String> specialTokens() {
        List<String> out = new ArrayList<>();
        for (int id = 0; id < vocab.length; id++) {
            if (special[id]) {
                out.add(vocab[id]);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The end-of-text token: {@code <|endoftext|>} if present, else the first special token whose text mentions
     * an end ("end", "eos", {@code </s>}), else the first special token; -1 if there are none.
     */
    public int eosId() {
        return eosId;
    }

    /** Number of merges (ranks). */
    public int mergeCount() {
        return merges.size();
    }

    /** The token ids merge {@code rank} joins: {@code [left, right]}. */
    public int[] merge(int rank) {
        return new int[] {merges.left(rank), merges.right(rank)};
    }

    /** Hugging Face's ignore_merges option: a chunk that is itself an ordinary token becomes that token. */
    public boolean ignoreMerges() {
        return ignoreMerges;
    }

    /** How plain text is split before merging; null for a SentencePiece vocabulary (which does not split). */
    public PreTokenizerType preTokenizer() {
        return preTokenizer;
    }

    private int pickEos(List<Integer> addedIds) {
        int firstSpecial = -1;
        int endLike = -1;
        for (int id : addedIds.stream().sorted().toList()) {
            if (!special[id]) {
                continue;
            }
            String lower = vocab[id].toLowerCase(java.util.Locale.ROOT);
            if (lower.equals("<|endoftext|>")) {
                return id;
            }
            if (firstSpecial < 0) {
                firstSpecial = id;
            }
            if (endLike < 0 && (lower.contains("end") || lower.contains("eos") || lower.equals("</s>"))) {
                endLike = id;
            }
        }
        return endLike >= 0 ? endLike : firstSpecial;
    }

    private void checkId(int id) {
        if (id < 0 || id >= vocab.length) {
            throw new IllegalArgumentException("token id " + id + " out of range [0, " + vocab.length + ")");
        }
    }
}
