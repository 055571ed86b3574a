package dev.trident.tokenizer;

import dev.trident.TridentException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Learns byte-level BPE merges from text. The text is split into chunks by a {@link PreTokenizerType} (merges never
 * cross chunks) and identical chunks are counted once with their frequency. Then, until the vocabulary is full,
 * the most frequent adjacent pair is merged into a new token. Only the words containing that pair are revisited
 * (an index pair -> words), and the priority queue is corrected lazily: an entry whose count is out of date is
 * re-queued with the current count when it surfaces.
 *
 * <p>Deterministic: ties in frequency go to the pair with the smaller (left id, right id).
 */
public final class BpeTrainer {
    private BpeTrainer() {
    }

    /**
     * Trains on a text file; see {@link #train(byte[], int, List)}.
     */
    public static Tokenizer train(Path file, int vocabSize, List<String> specialTokens) {
        byte[] text;
        try {
            if (Files.size(file) > Integer.MAX_VALUE - 8) {
                throw new TridentException(file + ": training text is over 2 GB; train on a sample of it");
            }
            text = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TridentException(file + ": no such file; pass the training text file", e);
        } catch (IOException e) {
            throw new TridentException(file + ": cannot read training text (" + e + ")", e);
        }
        return train(text, vocabSize, specialTokens);
    }

    /**
     * Trains a tokenizer with {@code vocabSize} ids in total: the 256 byte tokens (ids 0-255, id = byte value),
     * then the merged tokens in the order learned, then the special tokens in the given order. Occurrences of
     * special tokens in the text are cut out before counting, so no merge spans them. If the text runs out of
     * pairs first, the vocabulary is smaller.
     */
    public static Tokenizer train(byte[] text, int vocabSize, List<String> specialTokens) {
        return train(text, vocabSize, specialTokens, PreTokenizerType.GPT2);
    }

    /** As {@link #train(byte[], int, List)}, splitting the text with the given pre-tokenizer. */
    public static Tokenizer train(byte[] text, int vocabSize, List<String> specialTokens, PreTokenizerType pre) {
        if (vocabSize < 256 + specialTokens.size()) {
            throw new TridentException("vocab size " + vocabSize + " is too small: it must hold the 256 byte tokens and "
                    + specialTokens.size() + " special tokens");
        }
        for (String s : specialTokens) {
            if (s.isEmpty() || specialTokens.indexOf(s) != specialTokens.lastIndexOf(s)) {
                throw new TridentException("special tokens must be non-empty and distinct, got " + specialTokens);
            }
        }
        Words words = countChunks(text, specialTokens, pre);
        List<byte[]> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(new byte[] {(byte) b});
        }
        List<int[]> merges = learnMerges(words, tokens, vocabSize - specialTokens.size());

        int n = tokens.size() + specialTokens.size();
        String[] vocab = new String[n];
        boolean[] added = new boolean[n];
        for (int id = 0; id < tokens.size(); id++) {
            vocab[id] = ByteLevelAlphabet.encode(tokens.get(id));
        }
        for (int i = 0; i < specialTokens.size(); i++) {
            vocab[tokens.size() + i] = specialTokens.get(i);
            added[tokens.size() + i] = true;
        }
        int[] left = new int[merges.size()];
        int[] right = new int[merges.size()];
        for (int r = 0; r < merges.size(); r++) {
            left[r] = merges.get(r)[0];
            right[r] = merges.get(r)[1];
        }
        try {
            return new Tokenizer(vocab, added, added.clone(), left, right, false, Tokenizer.DEFAULT_CACHE_SLOTS, -1, pre);
        } catch (IllegalArgumentException e) { // e.g. a special token equal to a learned token
            throw new TridentException("cannot build the tokenizer: " + e.getMessage(), e);
        }
    }

    /** The distinct chunks as symbol sequences, with how often each occurs. */
    private record Words(int[][] symbols, long[] freq) {
    }

    private static Words countChunks(byte[] text, List<String> specialTokens, PreTokenizerType pre) {
        // Latin-1 strings are a compact, hashable copy of a byte range.
        Map<String, long[]> counts = new HashMap<>();
        List<byte[]> specials = specialTokens.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
        int segmentStart = 0;
        for (int i = 0; i <= text.length; i++) {
            int skip = i == text.length ? 0 : specialLengthAt(text, i, specials);
            if (i < text.length && skip == 0) {
                continue;
            }
            // The encoder reads invalid UTF-8 as llama.cpp does (Utf8Repair): learn merges on that same text.
            byte[] seg = Utf8Repair.repair(text, segmentStart, i);
            for (int p = 0; p < seg.length; ) {
                int end = pre.chunkEnd(seg, p, seg.length);
                counts.computeIfAbsent(new String(seg, p, end - p, StandardCharsets.ISO_8859_1), k -> new long[1])[0]++;
                p = end;
            }
            i += Math.max(skip, 1) - 1;
            segmentStart = i + 1;
        }
        int[][] symbols = new int[counts.size()][];
        long[] freq = new long[counts.size()];
        int w = 0;
        for (Map.Entry<String, long[]> e : counts.entrySet()) {
            String chunk = e.getKey();
            int[] syms = new int[chunk.length()];
            for (int i = 0; i < syms.length; i++) {
                syms[i] = chunk.charAt(i); // byte value = base token id
            }
            symbols[w] = syms;
            freq[w++] = e.getValue()[0];
        }
        return new Words(symbols, freq);
    }

    private static int specialLengthAt(byte[] text, int i, List<byte[]> specials) {
        int best = 0;
        for (byte[] s : specials) {
            if (s.length > best && text[i] == s[0] && i + s.length <= text.length
                    && Arrays.equals(text, i, i + s.length, s, 0, s.length)) {
                best = s.length;
            }
        }
        return best;
    }

    /** Statistics of one adjacent pair: total frequency and the words it (may) occur in. */
    private static final class PairStats {
        final int left;
        final int right;
        long count;
        int[] words = new int[4]; // may hold duplicates and words that lost the pair; checked when used
        int wordCount;
        int grownAt; // merge step at which it was last queued for growing

        PairStats(int left, int right) {
            this.left = left;
            this.right = right;
        }

        void addWord(int w) {
            if (wordCount > 0 && words[wordCount - 1] == w) {
                return;
            }
            if (wordCount == words.length) {
                words = Arrays.copyOf(words, wordCount * 2);
            }
            words[wordCount++] = w;
        }
    }

    private record Candidate(long count, int left, int right) {
    }

    private static List<int[]> learnMerges(Words words, List<byte[]> tokens, int targetTokens) {
        int[][] syms = words.symbols();
        long[] freq = words.freq();
        Map<Long, PairStats> pairs = new HashMap<>();
        for (int w = 0; w < syms.length; w++) {
            for (int i = 0; i + 1 < syms[w].length; i++) {
                PairStats p = pairs.computeIfAbsent(PairMap.key(syms[w][i], syms[w][i + 1]),
                        k -> new PairStats((int) (k >>> 32), (int) (long) k));
                p.count += freq[w];
                p.addWord(w);
            }
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>((a, b) -> a.count() != b.count()
                ? Long.compare(b.count(), a.count())
                : a.left() != b.left() ? Integer.compare(a.left(), b.left()) : Integer.compare(a.right(), b.right()));
        for (PairStats p : pairs.values()) {
            queue.add(new Candidate(p.count, p.left, p.right));
        }

        Map<String, Integer> idOfBytes = new HashMap<>();
        for (int id = 0; id < tokens.size(); id++) {
            idOfBytes.put(new String(tokens.get(id), StandardCharsets.ISO_8859_1), id);
        }
        List<int[]> merges = new ArrayList<>();
        int[] visited = new int[syms.length];
        List<PairStats> grown = new ArrayList<>();
        while (tokens.size() < targetTokens && !queue.isEmpty()) {
            Candidate top = queue.poll();
            PairStats best = pairs.get(PairMap.key(top.left(), top.right()));
            if (best == null || best.count <= 0) {
                continue;
            }
            if (best.count != top.count()) { // out of date: counts only fall for existing pairs
                queue.add(new Candidate(best.count, best.left, best.right));
                continue;
            }
            int a = best.left;
            int b = best.right;
            // Two different pairs can spell the same bytes ("ab"+"c", "a"+"bc"): reuse the existing token then.
            byte[] merged = concat(tokens.get(a), tokens.get(b));
            String mergedKey = new String(merged, StandardCharsets.ISO_8859_1);
            Integer existing = idOfBytes.get(mergedKey);
            int t;
            if (existing != null) {
                t = existing;
            } else {
                t = tokens.size();
                tokens.add(merged);
                idOfBytes.put(mergedKey, t);
            }
            merges.add(new int[] {a, b});
            pairs.remove(PairMap.key(a, b));

            int stamp = merges.size();
            grown.clear();
            for (int k = 0; k < best.wordCount; k++) {
                int w = best.words[k];
                if (visited[w] == stamp || !contains(syms[w], a, b)) {
                    continue;
                }
                visited[w] = stamp;
                long f = freq[w];
                updatePairs(pairs, syms[w], -f, w, t, stamp, grown);
                syms[w] = mergeInWord(syms[w], a, b, t);
                updatePairs(pairs, syms[w], f, w, t, stamp, grown);
            }
            for (PairStats p : grown) {
                if (p.count > 0) {
                    queue.add(new Candidate(p.count, p.left, p.right));
                }
            }
        }
        return merges;
    }

    /**
     * Adds {@code delta} to the count of every adjacent pair of word {@code w}. Pairs with the new token
     * {@code t} are the only ones that can gain; they record the word and are collected once into {@code grown}.
     */
    private static void updatePairs(Map<Long, PairStats> pairs, int[] word, long delta, int w, int t, int stamp,
                                    List<PairStats> grown) {
        for (int i = 0; i + 1 < word.length; i++) {
            long key = PairMap.key(word[i], word[i + 1]);
            PairStats p = pairs.get(key);
            if (p == null) {
                if (delta < 0) {
                    continue; // the pair being merged, already removed
                }
                p = new PairStats(word[i], word[i + 1]);
                pairs.put(key, p);
            }
            p.count += delta;
            if (delta > 0 && (word[i] == t || word[i + 1] == t)) {
                p.addWord(w);
                if (p.grownAt != stamp) {
                    p.grownAt = stamp;
                    grown.add(p);
                }
            }
        }
    }

    private static boolean contains(int[] word, int a, int b) {
        for (int i = 0; i + 1 < word.length; i++) {
            if (word[i] == a && word[i + 1] == b) {
                return true;
            }
        }
        return false;
    }

    private static int[] mergeInWord(int[] word, int a, int b, int t) {
        int[] out = new int[word.length];
        int n = 0;
        for (int i = 0; i < word.length; ) {
            if (i + 1 < word.length && word[i] == a && word[i + 1] == b) {
                out[n++] = t;
                i += 2;
            } else {
                out[n++] = word[i++];
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static byte[] concat(byte[] x, byte[] y) {
        byte[] out = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }
}
