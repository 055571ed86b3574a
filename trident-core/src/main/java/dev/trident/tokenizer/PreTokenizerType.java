package dev.trident.tokenizer;

import java.util.List;
import java.util.Set;

/**
 * Which regex splits text into the chunks BPE merges never cross, as llama.cpp runs it (src/llama-vocab.cpp,
 * src/unicode.cpp): GPT-2's ({@link PreTokenizer}), Llama 3's and Qwen2's family ({@link Llama3PreTokenizer}) and
 * DeepSeek-V3's ({@link DeepSeekV3PreTokenizer}). A {@link Tokenizer} carries its type, and files record it:
 * GGUF as {@code tokenizer.ggml.pre} ({@link #ggufName}), tokenizer.json as its pre_tokenizer's Split patterns
 * ({@link #regexes}).
 */
public enum PreTokenizerType {
    GPT2("gpt-2", Set.of("gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
            "mellum", "modern-bert"),
            List.of("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+")),
    /** Llama 3 (also Falcon 3, Pixtral, ...): contractions of any case, numbers in threes, newlines kept apart. */
    LLAMA3("llama-bpe", Set.of("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0",
            "lfm2", "jina-v5-nano", "dbrx", "smaug-bpe"),
            List.of("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")),
    /** Qwen2, Qwen2.5 and Qwen3: Llama 3's regex with one number per chunk. */
    QWEN2("qwen2", Set.of("qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "stablelm2", "hunyuan", "solar-open"),
            List.of("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")),
    /** Qwen3.5: Qwen2's regex with combining marks joining letters. */
    QWEN35("qwen35", Set.of("qwen35"),
            List.of("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")),
    /** DeepSeek-V3 and R1: numbers in threes, CJK runs, then a punctuation-aware regex (three regexes in turn). */
    DEEPSEEK_V3("deepseek-v3", Set.of("deepseek-v3", "hunyuan-dense", "joyai-llm"),
            List.of("\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+",
                    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"));

    /**
     * llama.cpp's names that make it set ignore_merges (a chunk that is itself a token becomes that token): Llama 3's
     * names except dbrx and smaug-bpe, which share the regex without the flag.
     */
    private static final Set<String> IGNORE_MERGES = Set.of("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1",
            "pixtral", "midm-2.0", "lfm2", "jina-v5-nano");

    private final String ggufName;
    private final Set<String> ggufNames;
    private final List<String> regexes;

    PreTokenizerType(String ggufName, Set<String> ggufNames, List<String> regexes) {
        this.ggufName = ggufName;
        this.ggufNames = ggufNames;
        this.regexes = regexes;
    }

    /** The end (exclusive) of the chunk starting at {@code start} (a chunk boundary) of {@code s[.., end)}. */
    public int chunkEnd(byte[] s, int start, int end) {
        return switch (this) {
            case GPT2 -> PreTokenizer.chunkEnd(s, start, end);
            case LLAMA3 -> Llama3PreTokenizer.LLAMA3.chunkEnd(s, start, end);
            case QWEN2 -> Llama3PreTokenizer.QWEN2.chunkEnd(s, start, end);
            case QWEN35 -> Llama3PreTokenizer.QWEN35.chunkEnd(s, start, end);
            case DEEPSEEK_V3 -> DeepSeekV3PreTokenizer.chunkEnd(s, start, end);
        };
    }

    /** Counts the chunks in {@code s}. */
    public int countChunks(byte[] s) {
        int n = 0;
        for (int i = 0; i < s.length; i = chunkEnd(s, i, s.length)) {
            n++;
        }
        return n;
    }

    /**
     * The {@code tokenizer.ggml.pre} value to write. Llama 3's regex without ignore_merges is written as
     * "smaug-bpe", the llama.cpp name for exactly that.
     */
    public String ggufName(boolean ignoreMerges) {
        return this == LLAMA3 && !ignoreMerges ? "smaug-bpe" : ggufName;
    }

    /** The Hugging Face regexes (tokenizer.json Split patterns), applied in turn. */
    public List<String> regexes() {
        return regexes;
    }

    /** A {@code tokenizer.ggml.pre} value as llama.cpp reads it, or null if Trident does not implement it. */
    public static PreTokenizerType fromGgufName(String name) {
        for (PreTokenizerType t : values()) {
            if (t.ggufNames.contains(name)) return t;
        }
        return null;
    }

    /** Whether llama.cpp sets ignore_merges for this {@code tokenizer.ggml.pre} value. */
    public static boolean ggufIgnoresMerges(String name) {
        return IGNORE_MERGES.contains(name);
    }

    /** The type whose Hugging Face Split regexes are exactly these, or null. */
    public static PreTokenizerType fromRegexes(List<String> regexes) {
        for (PreTokenizerType t : values()) {
            if (t.regexes.equals(regexes)) return t;
        }
        return null;
    }
}
