package dev.trident.tokenizer;

import dev.trident.TridentException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpeTrainerTest {

    private static Tokenizer train(String text, int vocabSize, String... specials) {
        return BpeTrainer.train(text.getBytes(StandardCharsets.UTF_8), vocabSize, List.of(specials));
    }

    private static List<String> mergesOf(Tokenizer t) {
        return java.util.stream.IntStream.range(0, t.mergeCount())
                .mapToObj(r -> t.tokenText(t.merge(r)[0]) + " " + t.tokenText(t.merge(r)[1])).toList();
    }

    @Test
    void learnsTheTextbookExample() {
        // "aaabdaaabac": aa (4) -> Z; then Za and ab tie at 2 and the smaller pair (a,b) wins -> Y; then ZY (2) -> X.
        Tokenizer t = train("aaabdaaabac", 259);
        assertEquals(List.of("a a", "a b", "aa ab"), mergesOf(t));
        assertEquals("aa", t.tokenText(256));
        assertEquals("ab", t.tokenText(257));
        assertEquals("aaab", t.tokenText(258));
        assertArrayEquals(new int[] {258, 'd', 258, 'a', 'c'}, t.encode("aaabdaaabac"));
        assertEquals(259, t.vocabSize());
    }

    @Test
    void mergesNeverCrossChunks() {
        // Chunks "ab", " ab", " ab": (a,b) x3 first, then (space, ab) x2.
        Tokenizer t = train("ab ab ab", 258);
        assertEquals(List.of("a b", "Ġ ab"), mergesOf(t));
        assertArrayEquals(new int[] {256, 257, 257}, t.encode("ab ab ab"));
        // Out of pairs before the target size: the vocab is just smaller.
        assertEquals(258, train("ab ab ab", 1000).vocabSize());
    }

    @Test
    void specialTokensGetIdsAfterTheMergesAndAreCutOutOfTraining() {
        Tokenizer t = train("xy<|endoftext|>xy<|endoftext|>", 260, "<|endoftext|>", "<|pad|>");
        // Only 'xy' can merge ("<|", "|>" etc. were cut out with the special tokens), so one merge.
        assertEquals(List.of("x y"), mergesOf(t));
        assertEquals(259, t.vocabSize());
        assertEquals(257, t.idOf("<|endoftext|>"));
        assertEquals(258, t.idOf("<|pad|>"));
        assertEquals(257, t.eosId());
        assertTrue(t.isSpecial(257) && t.isAdded(258) && !t.isSpecial(256));
        assertEquals(List.of("<|endoftext|>", "<|pad|>"), t.specialTokens());
    }

    @Test
    void trainingIsDeterministic() {
        byte[] text = java.util.Arrays.copyOf(Shakespeare.bytes(), 200_000);
        Tokenizer a = BpeTrainer.train(text, 700, List.of("<|endoftext|>"));
        Tokenizer b = BpeTrainer.train(text.clone(), 700, List.of("<|endoftext|>"));
        assertEquals(mergesOf(a), mergesOf(b));
        assertEquals(700, a.vocabSize());
        for (int id = 0; id < a.vocabSize(); id++) {
            assertEquals(a.tokenText(id), b.tokenText(id));
        }
    }

    @Test
    void everyMergedTokenIsUsedInTraining() {
        // Merges are learned from the text, so encoding the same text must use each learned token somewhere.
        Tokenizer t = Shakespeare.tokenizer();
        boolean[] seen = new boolean[t.vocabSize()];
        for (int id : t.encode(Shakespeare.bytes())) {
            seen[id] = true;
        }
        int unused = 0;
        for (int id = 256; id < t.vocabSize() - 1; id++) {
            if (!seen[id]) {
                unused++;
            }
        }
        // A token can be absorbed completely by later merges (e.g. "Ġt" inside "Ġthe"), but rarely.
        assertTrue(unused < t.vocabSize() / 4, unused + " unused tokens");
        assertEquals(1024, t.vocabSize());
        assertEquals("<|endoftext|>", t.tokenText(t.eosId()));
        assertEquals(1023, t.eosId());
    }

    @Test
    void trainsFourThousandTokensOnShakespeareInSeconds() {
        long start = System.nanoTime();
        Tokenizer t = BpeTrainer.train(Shakespeare.bytes(), 4096, List.of("<|endoftext|>"));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(4096, t.vocabSize());
        assertTrue(seconds < 20, "training took " + seconds + " s");
        int[] ids = t.encode(Shakespeare.bytes());
        assertArrayEquals(Shakespeare.bytes(), t.decodeBytes(ids));
        System.out.printf("trained 4096-token vocab on %d bytes in %.2f s; %.2f bytes/token%n",
                Shakespeare.bytes().length, seconds, Shakespeare.bytes().length / (double) ids.length);
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(TridentException.class, () -> train("abc", 100));
        assertThrows(TridentException.class, () -> train("abc", 300, "<a>", "<a>"));
        assertThrows(TridentException.class, () -> train("abc", 300, ""));
        TridentException e = assertThrows(TridentException.class,
                () -> BpeTrainer.train(java.nio.file.Path.of("no/such/file.txt"), 300, List.of()));
        assertTrue(e.getMessage().startsWith("no/such/file.txt: no such file"), e.getMessage());
    }

    @Test
    void agreesWithANaiveTrainerOnRandomText() {
        java.util.Random rnd = new java.util.Random(11);
        String alphabet = "aaabbbcd  e'\n.1";
        for (int iter = 0; iter < 30; iter++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 400; i++) {
                sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            byte[] text = sb.toString().getBytes(StandardCharsets.UTF_8);
            int vocab = 256 + 5 + rnd.nextInt(60);
            assertEquals(naiveMerges(text, vocab), mergesOf(BpeTrainer.train(text, vocab, List.of())), sb::toString);
        }
    }

    /** Recounts every pair before every merge: slow, obviously right. */
    private static List<String> naiveMerges(byte[] text, int vocabSize) {
        java.util.Map<String, Integer> chunkFreq = new java.util.HashMap<>();
        for (int i = 0; i < text.length; ) {
            int end = PreTokenizer.chunkEnd(text, i, text.length);
            chunkFreq.merge(new String(text, i, end - i, StandardCharsets.ISO_8859_1), 1, Integer::sum);
            i = end;
        }
        List<List<Integer>> words = new java.util.ArrayList<>();
        List<Integer> freqs = new java.util.ArrayList<>();
        chunkFreq.forEach((w, f) -> {
            words.add(new java.util.ArrayList<>(w.chars().boxed().toList()));
            freqs.add(f);
        });
        List<String> tokens = new java.util.ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf((char) b));
        }
        List<String> merges = new java.util.ArrayList<>();
        while (tokens.size() < vocabSize) {
            java.util.Map<List<Integer>, Integer> counts = new java.util.HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                for (int i = 0; i + 1 < words.get(w).size(); i++) {
                    counts.merge(List.of(words.get(w).get(i), words.get(w).get(i + 1)), freqs.get(w), Integer::sum);
                }
            }
            List<Integer> best = null;
            for (var e : counts.entrySet()) {
                if (best == null || e.getValue() > counts.get(best) || (e.getValue().equals(counts.get(best))
                        && (e.getKey().get(0) < best.get(0)
                        || (e.getKey().get(0).equals(best.get(0)) && e.getKey().get(1) < best.get(1))))) {
                    best = e.getKey();
                }
            }
            if (best == null) {
                break;
            }
            String merged = tokens.get(best.get(0)) + tokens.get(best.get(1));
            int id = tokens.indexOf(merged);
            if (id < 0) {
                id = tokens.size();
                tokens.add(merged);
            }
            merges.add(byteLevel(tokens.get(best.get(0))) + " " + byteLevel(tokens.get(best.get(1))));
            for (List<Integer> w : words) {
                for (int i = 0; i + 1 < w.size(); i++) {
                    if (w.get(i).equals(best.get(0)) && w.get(i + 1).equals(best.get(1))) {
                        w.set(i, id);
                        w.remove(i + 1);
                    }
                }
            }
        }
        return merges;
    }

    private static String byteLevel(String latin1) {
        return ByteLevelAlphabet.encode(latin1.getBytes(StandardCharsets.ISO_8859_1));
    }
}
