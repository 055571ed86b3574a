package dev.trident.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece-style BPE with byte fallback, the tokenizer of Llama 1/2, Mistral and TinyLlama (llama.cpp's
 * "llama" / SPM vocabulary). Spaces are spelled U+2581 "▁" and a plain-text fragment gets one prepended
 * (add_space_prefix). The text starts as UTF-8 characters; the adjacent pair whose concatenation is the
 * highest-scoring vocabulary piece is merged first (ties: the leftmost), until no pair forms a piece. A
 * symbol that is not itself a piece is split back along the merges that made it, and what remains unknown is
 * spelled as byte tokens {@code <0xAB>}, so any bytes encode, valid UTF-8 or not. This follows
 * llama.cpp's {@code llm_tokenizer_spm_session} step for step, ties included.
 */
final class SentencePieceBpe {
    /** "▁" in UTF-8. */
    private static final byte[] SPACE = "\u2581".getBytes(StandardCharsets.UTF_8);

    /** Piece bytes (as an ISO-8859-1 string, one char per byte) to id. */
    private final Map<String, Integer> ids;
    private final float[] scores;
    private final int[] byteToId;
    private final boolean addSpacePrefix;

    /** pieceBytes[id]: the piece's UTF-8 bytes as written in the vocabulary ("▁" not yet turned into a space). */
    SentencePieceBpe(byte[][] pieceBytes, float[] scores, int[] byteToId, boolean addSpacePrefix) {
        this.ids = HashMap.newHashMap(pieceBytes.length);
        for (int id = 0; id < pieceBytes.length; id++) ids.put(key(pieceBytes[id], 0, pieceBytes[id].length), id);
        this.scores = scores.clone();
        this.byteToId = byteToId.clone();
        this.addSpacePrefix = addSpacePrefix;
    }

    boolean addSpacePrefix() {
        return addSpacePrefix;
    }

    private static String key(byte[] b, int from, int len) {
        return new String(b, from, len, StandardCharsets.ISO_8859_1);
    }

    /** Bytes of a UTF-8 character by its lead byte, as llama.cpp's unicode_len_utf8 (no validation). */
    private static int charLength(byte lead) {
        int high = (lead & 0xFF) >>> 4;
        return high < 12 ? 1 : high < 14 ? 2 : high == 14 ? 3 : 4;
    }

    private record Bigram(int left, int right, float score, int size) {}

    /** Encodes one plain-text fragment s[from, to). */
    void encode(byte[] s, int from, int to, IntList out) {
        if (from == to) return;
        // The escaped text: optional leading "▁", every space as "▁".
        int spaces = addSpacePrefix ? 1 : 0;
        for (int i = from; i < to; i++) if (s[i] == ' ') spaces++;
        byte[] t = new byte[to - from + spaces * (SPACE.length - 1) + (addSpacePrefix ? 1 : 0)];
        int n = 0;
        if (addSpacePrefix) {
            System.arraycopy(SPACE, 0, t, 0, SPACE.length);
            n = SPACE.length;
        }
        for (int i = from; i < to; i++) {
            if (s[i] == ' ') {
                System.arraycopy(SPACE, 0, t, n, SPACE.length);
                n += SPACE.length;
            } else t[n++] = s[i];
        }
        // Symbols: one per character, linked so merged-away symbols drop out of the chain.
        int[] start = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        int count = 0;
        for (int off = 0; off < n; ) {
            int l = Math.min(charLength(t[off]), n - off);
            start[count] = off;
            len[count] = l;
            prev[count] = count - 1;
            off += l;
            next[count] = off == n ? -1 : count + 1;
            count++;
        }
        // Highest score first; equal scores: the leftmost pair (llama.cpp's comparator).
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) ->
                a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        Map<String, int[]> revMerge = new HashMap<>();
        for (int i = 1; i < count; i++) tryBigram(t, start, len, i - 1, i, queue, revMerge);
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            if (len[b.left] == 0 || len[b.right] == 0 || len[b.left] + len[b.right] != b.size) continue; // outdated
            len[b.left] += len[b.right];
            len[b.right] = 0;
            next[b.left] = next[b.right];
            if (next[b.right] >= 0) prev[next[b.right]] = b.left;
            tryBigram(t, start, len, prev[b.left], b.left, queue, revMerge);
            tryBigram(t, start, len, b.left, next[b.left], queue, revMerge);
        }
        for (int i = 0; i != -1; i = next[i]) resegment(t, start[i], len[i], start, len, revMerge, out);
    }

    private void tryBigram(byte[] t, int[] start, int[] len, int left, int right, PriorityQueue<Bigram> queue,
                           Map<String, int[]> revMerge) {
        if (left < 0 || right < 0) return;
        int size = len[left] + len[right];
        String text = key(t, start[left], size);
        Integer id = ids.get(text);
        if (id == null) return;
        queue.add(new Bigram(left, right, scores[id], size));
        revMerge.put(text, new int[] {left, right});
    }

    private void resegment(byte[] t, int from, int n, int[] start, int[] len, Map<String, int[]> revMerge, IntList out) {
        String text = key(t, from, n);
        Integer id = ids.get(text);
        if (id != null) {
            out.add(id);
            return;
        }
        int[] parts = revMerge.get(text);
        if (parts == null) {
            for (int j = 0; j < n; j++) out.add(byteToId[t[from + j] & 0xFF]);
            return;
        }
        resegment(t, start[parts[0]], len[parts[0]], start, len, revMerge, out);
        resegment(t, start[parts[1]], len[parts[1]], start, len, revMerge, out);
    }
}
