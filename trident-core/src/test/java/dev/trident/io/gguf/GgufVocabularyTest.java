package dev.trident.io.gguf;

import dev.trident.TridentException;
import dev.trident.tokenizer.PreTokenizerType;
import dev.trident.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** tokenizer.ggml.pre: the names llama.cpp reads as an implemented regex load as it; others are refused by name. */
class GgufVocabularyTest {
    @TempDir
    Path dir;

    private Tokenizer readWithPre(String pre) {
        Tokenizer t = TestModels.tokenizer();
        List<String> tokens = new ArrayList<>(), merges = new ArrayList<>();
        int[] types = new int[t.vocabSize()];
        for (int id = 0; id < t.vocabSize(); id++) {
            tokens.add(t.tokenText(id));
            types[id] = t.tokenType(id);
        }
        for (int r = 0; r < t.mergeCount(); r++) merges.add(t.tokenText(t.merge(r)[0]) + " " + t.tokenText(t.merge(r)[1]));
        Path file = dir.resolve(pre.isEmpty() ? "empty.gguf" : pre + ".gguf");
        new GgufWriter().putString("general.architecture", "llama").putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", pre).putStrings("tokenizer.ggml.tokens", tokens)
                .putInt32s("tokenizer.ggml.token_type", types).putStrings("tokenizer.ggml.merges", merges).write(file);
        try (GgufFile g = GgufFile.open(file)) {
            return GgufVocabulary.read(g);
        }
    }

    @Test
    void llamaCppsNamesSelectThePreTokenizerAndIgnoreMerges() {
        assertEquals(PreTokenizerType.LLAMA3, readWithPre("llama-bpe").preTokenizer());
        assertTrue(readWithPre("llama-bpe").ignoreMerges());
        assertEquals(false, readWithPre("smaug-bpe").ignoreMerges());
        assertEquals(PreTokenizerType.QWEN2, readWithPre("deepseek-r1-qwen").preTokenizer());
        assertEquals(PreTokenizerType.DEEPSEEK_V3, readWithPre("deepseek-v3").preTokenizer());
        assertEquals(PreTokenizerType.GPT2, readWithPre("phi-2").preTokenizer());
    }

    @Test
    void otherNamesAreRefusedWithOneLine() {
        for (String pre : List.of("deepseek-llm", "gpt-4o", "default", "")) {
            TridentException e = assertThrows(TridentException.class, () -> readWithPre(pre));
            assertTrue(e.getMessage().contains("pre-tokenizer '" + pre + "' is not supported yet"), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"));
        }
    }
}
