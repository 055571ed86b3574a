package dev.trident.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The built-in corpus and a tokenizer trained on it once, shared by the tests. */
final class Shakespeare {
    private static byte[] text;
    private static Tokenizer tokenizer;

    private Shakespeare() {
    }

    static synchronized byte[] bytes() {
        if (text == null) {
            Path p = Path.of("../data/tinyshakespeare.txt");
            if (!Files.exists(p)) {
                p = Path.of("data/tinyshakespeare.txt");
            }
            try {
                text = Files.readAllBytes(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return text;
    }

    /** 1k vocab with one special token: quick to train, enough merges to exercise everything. */
    static synchronized Tokenizer tokenizer() {
        if (tokenizer == null) {
            tokenizer = BpeTrainer.train(bytes(), 1024, List.of("<|endoftext|>"));
        }
        return tokenizer;
    }
}
