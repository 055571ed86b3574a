package dev.trident.engine;

import java.util.List;

/**
 * How to generate: at most maxTokens new tokens (capped by the room left in the model's context), temperature
 * (0 = always the likeliest token), nucleus topP (1 = off) and topK (0 = off), the seed of the request's own random
 * generator (the same request with the same seed gives the same tokens, however many others run beside it), stop
 * texts that end the generation (not included in the output), and whether the end-of-text token ends it.
 */
public record Sampling(int maxTokens, double temperature, double topP, int topK, long seed, List<String> stop,
                       boolean ignoreEos) {
    public static final int MAX_STOPS = 16;

    public Sampling {
        if (maxTokens < 1) throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
        if (!(temperature >= 0) || Double.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        if (topK < 0) throw new IllegalArgumentException("topK must be >= 0, got " + topK);
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (stop.size() > MAX_STOPS) throw new IllegalArgumentException("at most " + MAX_STOPS + " stop texts, got " + stop.size());
        for (String s : stop) if (s.isEmpty()) throw new IllegalArgumentException("an empty stop text");
    }

    /** 256 tokens at temperature 0.8, seed 0, no stop texts. */
    public static Sampling defaults() {
        return new Sampling(256, 0.8, 1.0, 0, 0, List.of(), false);
    }

    /** The likeliest token every time. */
    public static Sampling greedy(int maxTokens) {
        return new Sampling(maxTokens, 0, 1.0, 0, 0, List.of(), false);
    }

    public Sampling withMaxTokens(int n) { return new Sampling(n, temperature, topP, topK, seed, stop, ignoreEos); }

    public Sampling withTemperature(double t) { return new Sampling(maxTokens, t, topP, topK, seed, stop, ignoreEos); }

    public Sampling withTopP(double p) { return new Sampling(maxTokens, temperature, p, topK, seed, stop, ignoreEos); }

    public Sampling withTopK(int k) { return new Sampling(maxTokens, temperature, topP, k, seed, stop, ignoreEos); }

    public Sampling withSeed(long s) { return new Sampling(maxTokens, temperature, topP, topK, s, stop, ignoreEos); }

    public Sampling withStop(List<String> texts) { return new Sampling(maxTokens, temperature, topP, topK, seed, texts, ignoreEos); }

    public Sampling withIgnoreEos(boolean ignore) { return new Sampling(maxTokens, temperature, topP, topK, seed, stop, ignore); }
}
