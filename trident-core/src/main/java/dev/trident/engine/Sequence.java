package dev.trident.engine;

import dev.trident.infer.KvCache;
import dev.trident.infer.Sampler;
import dev.trident.tokenizer.StreamingDecoder;

import java.util.List;

/**
 * One request inside the scheduler: its prompt, how far the prompt has been fed (pre-fill), the tokens generated
 * so far, its own seeded sampler, text decoder and stop matcher, and the KV cache it holds while it runs.
 */
final class Sequence {
    final int[] prompt;
    final int maxNew;
    final Sampling sampling;
    final Generation handle;
    final long submittedNanos;
    Sampler sampler;
    StreamingDecoder text;
    final StopMatcher stops;
    KvCache cache;
    /** Prompt tokens already in the cache. */
    int fed;
    int[] generated;
    int produced;
    long firstTokenNanos;
    final StringBuilder output = new StringBuilder();

    // Self-speculative decoding (greedy requests, a model with an MTP module, the engine's option on):
    /** The MTP module's own KV cache; null when this sequence does not speculate. */
    KvCache mtpCache;
    /** Main-model final hidden states h^0 of the positions from mtpCache.length() on, not yet read by the module. */
    float[] pendingHidden;
    /** The module's proposal for the token after the pending one, or -1. */
    int draft = -1;

    Sequence(int[] prompt, int maxNew, Sampling sampling, List<String> stopTexts, Generation handle) {
        this.prompt = prompt;
        this.stops = new StopMatcher(stopTexts);
        this.maxNew = maxNew;
        this.sampling = sampling;
        this.handle = handle;
        this.submittedNanos = System.nanoTime();
    }

    boolean prefilling() { return fed < prompt.length; }

    /** The token this sequence feeds next when decoding: the last one it generated. */
    int lastToken() { return generated[produced - 1]; }

    /** The token at position i of prompt + generated text. */
    int tokenAt(int i) { return i < prompt.length ? prompt[i] : generated[i - prompt.length]; }

}
