package dev.trident.infer;

import dev.trident.model.Model;

import java.util.function.Consumer;

/** Autoregressive generation with a KV cache; streams text pieces as they complete. */
public final class Generator {
    public Generator(Model model) {
        throw new UnsupportedOperationException("in progress");
    }

    /** Generates after the prompt; onText receives each complete piece of UTF-8 text as it is produced. */
    public GenerationResult generate(String prompt, SamplingOptions options, Consumer<String> onText) {
        throw new UnsupportedOperationException("in progress");
    }
}
