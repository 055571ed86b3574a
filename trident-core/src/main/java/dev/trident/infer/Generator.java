package dev.trident.infer;

import dev.trident.TridentException;
import dev.trident.model.Model;
import dev.trident.tokenizer.StreamingDecoder;

import java.util.function.Consumer;

/** Autoregressive generation with a KV cache; streams text pieces as they complete. */
public final class Generator {
    static final int PREFILL_CHUNK = 64;
    private final LoadedModel model;
    private final Decoder decoder;

    /** Over the model's own fp32 weights. */
    public Generator(Model model) {
        this(LoadedModel.of(model));
    }

    /** Over the given weights (e.g. quantized) of the model. */
    public Generator(Model model, ModelWeights weights) {
        this(LoadedModel.of(weights, model.tokenizer()));
    }

    public Generator(LoadedModel model) {
        this.model = model;
        this.decoder = new Decoder(model.weights(), PREFILL_CHUNK);
    }

    public Decoder decoder() { return decoder; }

    /** Generates after the prompt; onText receives each complete piece of UTF-8 text as it is produced. */
    public GenerationResult generate(String prompt, SamplingOptions options, Consumer<String> onText) {
        int[] promptIds = model.tokenizer().encode(prompt);
        if (promptIds.length == 0) promptIds = new int[]{model.tokenizer().eosId()};
        int ctx = model.config().maxSeqLen();
        if (promptIds.length >= ctx)
            throw new TridentException("prompt of " + promptIds.length + " tokens does not fit the model's context of " + ctx + " tokens");
        int vocab = model.config().vocabSize(), usable = model.tokenizer().vocabSize();
        int maxNew = Math.min(options.maxTokens(), ctx - promptIds.length);
        KvCache cache = decoder.newCache();
        Sampler sampler = new Sampler(vocab, options.temperature(), options.topK(), options.topP(), options.seed());
        StreamingDecoder text = model.tokenizer().streamingDecoder();
        StringBuilder all = new StringBuilder();

        long t0 = System.nanoTime();
        float[] logits = null;
        int lastRow = 0;
        for (int i = 0; i < promptIds.length; i += PREFILL_CHUNK) {
            int n = Math.min(PREFILL_CHUNK, promptIds.length - i);
            logits = decoder.forwardLast(cache, java.util.Arrays.copyOfRange(promptIds, i, i + n), n);
            lastRow = 0;
        }
        long t1 = System.nanoTime();
        int[] out = new int[maxNew];
        int produced = 0;
        String stop = "length";
        int[] one = new int[1];
        int eos = model.tokenizer().eosId();
        while (produced < maxNew) {
            int next = sampler.sample(logits, lastRow * vocab, usable);
            if (options.stopAtEos() && next == eos) {
                stop = "eos";
                break;
            }
            out[produced++] = next;
            String piece = text.push(next);
            if (!piece.isEmpty()) {
                all.append(piece);
                if (onText != null) onText.accept(piece);
            }
            if (produced == maxNew) break;
            one[0] = next;
            logits = decoder.forward(cache, one, 1);
            lastRow = 0;
        }
        String tail = text.flush();
        if (!tail.isEmpty()) {
            all.append(tail);
            if (onText != null) onText.accept(tail);
        }
        long t2 = System.nanoTime();
        return new GenerationResult(all.toString(), java.util.Arrays.copyOf(out, produced), promptIds.length,
                (t1 - t0) / 1e9, (t2 - t1) / 1e9, stop);
    }
}
