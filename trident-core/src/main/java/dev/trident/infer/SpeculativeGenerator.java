package dev.trident.infer;

import dev.trident.TridentException;
import dev.trident.model.Model;
import dev.trident.tokenizer.StreamingDecoder;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Self-speculative decoding with the model's own MTP modules (DeepSeek-V3). Each round the main model runs once
 * over the pending token and the D drafted tokens (one batched forward, like a prefill), keeps the longest prefix
 * of drafts it agrees with plus one token of its own, and rolls its KV cache back past the rest; then the MTP
 * modules draft the next D tokens from the main model's hidden states.
 *
 * <p>Greedy: a draft is kept when it equals the main model's argmax, so the output is exactly plain greedy decoding.
 * Sampling: draft x ~ q is kept with probability min(1, p(x) / q(x)), and on rejection a token is drawn from
 * norm(max(0, p - q)), so the output distribution is exactly the main model's (Leviathan et al. 2023).
 *
 * <p>MTP module k at position i reads h^{k-1}_i and token t_{i+k}; rows whose token was still a draft when they
 * were computed are recomputed in a later round, so each module's cache only keeps rows with confirmed inputs.
 */
public final class SpeculativeGenerator {
    private final LoadedModel model;
    private final Decoder decoder;
    private final int depth;

    /** depth drafts per round, at most the model's MTP depth; over the model's fp32 weights. */
    public SpeculativeGenerator(Model model, int depth) {
        this(LoadedModel.of(model), depth);
    }

    /** Over the given weights (e.g. quantized) of the model. */
    public SpeculativeGenerator(Model model, ModelWeights weights, int depth) {
        this(LoadedModel.of(weights, model.tokenizer()), depth);
    }

    public SpeculativeGenerator(LoadedModel model, int depth) {
        int available = model.config().mtpDepth();
        if (available == 0) throw new TridentException("this model has no MTP modules; train it with --mtp D to decode speculatively");
        if (depth < 1 || depth > available) throw new TridentException("speculative depth " + depth + " outside 1.." + available + " (the model's MTP depth)");
        this.model = model;
        this.depth = depth;
        this.decoder = new Decoder(model.weights(), 64);
    }

    public GenerationResult generate(String prompt, SamplingOptions options, Consumer<String> onText) {
        int[] promptIds = model.tokenizer().encode(prompt);
        if (promptIds.length == 0) promptIds = new int[]{model.tokenizer().eosId()};
        int ctx = model.config().maxSeqLen(), d = model.config().dim();
        int vocab = model.config().vocabSize(), usable = model.tokenizer().vocabSize();
        if (promptIds.length >= ctx)
            throw new TridentException("prompt of " + promptIds.length + " tokens does not fit the model's context of " + ctx + " tokens");
        int maxNew = Math.min(options.maxTokens(), ctx - promptIds.length);
        boolean greedy = options.temperature() <= 0;
        Sampler sampler = new Sampler(vocab, options.temperature(), options.topK(), options.topP(), options.seed());
        SplittableRandom accept = new SplittableRandom(options.seed() ^ 0x5DEECE66DL);
        int eos = model.tokenizer().eosId();
        StreamingDecoder text = model.tokenizer().streamingDecoder();
        StringBuilder all = new StringBuilder();

        int[] seq = new int[ctx + depth + 2];
        System.arraycopy(promptIds, 0, seq, 0, promptIds.length);
        float[][] hist = new float[depth][ctx * d];
        KvCache main = decoder.newCache();
        KvCache[] mtp = new KvCache[depth];
        int[] confirmed = new int[depth];
        for (int k = 0; k < depth; k++) mtp[k] = decoder.newMtpCache();
        int[] drafts = new int[depth];
        float[][] q = new float[depth][vocab];
        float[] p = new float[vocab];
        long[] proposed = new long[depth], accepted = new long[depth];
        long forwards = 0;

        long t0 = System.nanoTime();
        // Prefill all but the last prompt token; it becomes the first round's pending token.
        int last = promptIds.length - 1;
        for (int i = 0; i < last; ) {
            int n = Math.min(decoder.maxBatch(), last - i);
            decoder.forwardLast(main, Arrays.copyOfRange(promptIds, i, i + n), n); // logits unused; hidden() has every row
            System.arraycopy(decoder.hidden(), 0, hist[0], i * d, n * d);
            i += n;
        }
        long t1 = System.nanoTime();

        int[] out = new int[maxNew];
        int produced = 0, drafted = 0;
        String stop = "length";
        int[] feed = new int[1 + depth], ids = new int[decoder.maxBatch()];
        rounds:
        while (produced < maxNew) {
            int pos = main.length(); // position of the pending token seq[pos]
            int m = Math.min(drafted, Math.min(ctx - pos - 1, maxNew - produced - 1));
            feed[0] = seq[pos];
            System.arraycopy(drafts, 0, feed, 1, Math.max(0, m));
            float[] logits = decoder.forward(main, feed, 1 + m);
            forwards++;
            System.arraycopy(decoder.hidden(), 0, hist[0], pos * d, (1 + m) * d);

            // Verify the drafts left to right; the first disagreement ends the round with the main model's token.
            int a = 0, bonus = -1;
            while (a < m) {
                proposed[a]++;
                int x = drafts[a];
                if (greedy) {
                    int best = Sampler.argmax(logits, a * vocab, usable);
                    if (best != x) { bonus = best; break; }
                } else {
                    sampler.distribution(logits, a * vocab, usable, p);
                    if (accept.nextDouble() * q[a][x] >= p[x]) { bonus = residualSample(p, q[a], usable, accept); break; }
                }
                accepted[a]++;
                a++;
            }
            if (bonus < 0) bonus = sampler.sample(logits, a * vocab, usable);
            main.truncate(pos + 1 + a);

            // Emit the accepted drafts and the main model's token.
            for (int j = 0; j <= a; j++) {
                int tok = j < a ? drafts[j] : bonus;
                if (options.stopAtEos() && tok == eos) { stop = "eos"; break rounds; }
                seq[pos + 1 + j] = tok;
                out[produced++] = tok;
                String piece = text.push(tok);
                if (!piece.isEmpty()) {
                    all.append(piece);
                    if (onText != null) onText.accept(piece);
                }
                if (produced == maxNew) break rounds;
            }

            // Draft the next round: every module catches up to the frontier (the last position in the main cache).
            int frontier = main.length() - 1, known = main.length(); // seq is confirmed up to index `known`
            drafted = 0;
            if (main.length() + 1 >= ctx) continue;
            for (int k = 1; k <= depth; k++) {
                KvCache cache = mtp[k - 1];
                cache.truncate(Math.min(cache.length(), confirmed[k - 1]));
                float[] prev = k == 1 ? hist[0] : hist[k - 1];
                float[] lastLogits = null;
                for (int i = cache.length(); i <= frontier; ) {
                    int n = Math.min(decoder.maxBatch(), frontier - i + 1);
                    for (int r = 0; r < n; r++) {
                        int at = i + r + k; // t_{i+k}: confirmed, or one of this round's drafts
                        ids[r] = at <= known ? seq[at] : drafts[at - known - 1];
                    }
                    boolean atFrontier = i + n > frontier; // only the frontier row's logits make a draft
                    lastLogits = decoder.mtpForward(k, cache, ids, 0, prev, i * d, n, atFrontier ? 1 : 0);
                    if (k < depth) System.arraycopy(decoder.residual(), 0, hist[k], i * d, n * d);
                    i += n;
                    if (atFrontier) {
                        int row = 0;
                        if (greedy) drafts[k - 1] = Sampler.argmax(lastLogits, row * vocab, usable);
                        else {
                            sampler.distribution(lastLogits, row * vocab, usable, q[k - 1]);
                            drafts[k - 1] = draw(q[k - 1], usable, accept);
                        }
                    }
                }
                confirmed[k - 1] = Math.max(0, Math.min(frontier + 1, known + 1 - k));
                drafted = k;
            }
        }
        String tail = text.flush();
        if (!tail.isEmpty()) {
            all.append(tail);
            if (onText != null) onText.accept(tail);
        }
        long t2 = System.nanoTime();
        return new GenerationResult(all.toString(), Arrays.copyOf(out, produced), promptIds.length,
                (t1 - t0) / 1e9, (t2 - t1) / 1e9, stop, new SpeculationStats(proposed, accepted, forwards, produced));
    }

    /** A draw from norm(max(0, p - q)), the correction after a rejected draft. */
    private static int residualSample(float[] p, float[] q, int n, SplittableRandom rng) {
        double total = 0;
        for (int i = 0; i < n; i++) total += Math.max(0, p[i] - q[i]);
        if (total <= 0) return draw(p, n, rng);
        double u = rng.nextDouble() * total, acc = 0;
        for (int i = 0; i < n; i++) {
            acc += Math.max(0, p[i] - q[i]);
            if (u < acc) return i;
        }
        return n - 1;
    }

    private static int draw(float[] dist, int n, SplittableRandom rng) {
        double u = rng.nextDouble(), acc = 0;
        for (int i = 0; i < n; i++) {
            acc += dist[i];
            if (u < acc) return i;
        }
        for (int i = n - 1; i >= 0; i--) if (dist[i] > 0) return i;
        return 0;
    }
}
