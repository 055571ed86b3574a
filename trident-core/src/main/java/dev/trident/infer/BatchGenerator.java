package dev.trident.infer;

import dev.trident.kernels.quant.Matmul;
import dev.trident.model.Model;
import dev.trident.tokenizer.StreamingDecoder;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Generation for a stream of prompts on one thread, several sequences per forward pass (continuous batching):
 * up to {@link Matmul#BATCH_MAX} sequences decode together, each a segment of {@link Decoder#forward(KvCache[],
 * int[], int, int[])} with its own KV cache and its own seeded {@link Sampler}; when one ends, the next prompt takes
 * its place. For a batch job (Spark tasks, scoring files), where one {@link Generator} would pay a whole pass over the
 * weights for every token of every prompt.
 *
 * <p>Every result is bit-for-bit what {@link Generator#generate} gives for the same prompt and options. That holds
 * because a pass never carries more than {@link Matmul#BATCH_MAX} rows, so every product is the batched GEMV, whose
 * row i does the same arithmetic whatever the other rows are; a prompt that does not fit beside the decoding rows is
 * pre-filled alone, in {@link Generator}'s own chunks. Results come out in the order of the requests.
 *
 * <p>Not thread-safe: one per thread (each holds a {@link Decoder}'s buffers and up to BATCH_MAX caches).
 */
public final class BatchGenerator {
    private static final int PREFILL_CHUNK = Generator.PREFILL_CHUNK;
    /** Sequences per pass: the widest batch that stays on the GEMV path (see the class comment). */
    public static final int WIDTH = Matmul.BATCH_MAX;

    /** A prompt and how to sample its continuation; tag travels to the {@link Outcome} (e.g. the input row). */
    public record Request<T>(String prompt, SamplingOptions options, T tag) {}

    /**
     * What became of a request: result, or error when the engine refused the prompt (as {@link Generator} would
     * have thrown it, e.g. longer than the context); both null for a request without a prompt.
     */
    public record Outcome<T>(T tag, GenerationResult result, String error) {}

    private final Model model;
    private final Decoder decoder;
    private final int vocab, usable, eos, ctx;
    private final ArrayDeque<KvCache> freeCaches = new ArrayDeque<>();
    private long forwards;

    public BatchGenerator(Model model) {
        this.model = model;
        this.decoder = new Decoder(ModelWeights.of(model.transformer()), PREFILL_CHUNK);
        this.vocab = model.config().vocabSize();
        this.usable = model.tokenizer().vocabSize();
        this.eos = model.tokenizer().eosId();
        this.ctx = model.config().maxSeqLen();
    }

    /** Forward passes run so far (decode steps plus lone prefills). */
    public long forwards() {
        return forwards;
    }

    /** Every request's outcome, in order; requests are read lazily, at most WIDTH running at once. */
    public <T> Iterator<Outcome<T>> generate(Iterator<Request<T>> requests) {
        return new Run<>(requests);
    }

    /** The outcomes of a list of requests, in order. */
    public <T> List<Outcome<T>> generateAll(List<Request<T>> requests) {
        List<Outcome<T>> out = new ArrayList<>(requests.size());
        generate(requests.iterator()).forEachRemaining(out::add);
        return out;
    }

    /** One request on its way: waiting for its outcome, and while running its cache, sampler and tokens. */
    private final class Live<T> {
        final T tag;
        Outcome<T> outcome;
        // Running state.
        int[] prompt;
        int prefilled; // 0 until pre-filled (in a shared pass or alone)
        KvCache cache;
        Sampler sampler;
        StreamingDecoder text;
        StringBuilder all;
        SamplingOptions options;
        int[] out;
        int produced, maxNew, pending; // pending: the token to feed in the next pass
        long t0, t1;

        Live(T tag) {
            this.tag = tag;
        }

        /** Samples from logits row `row` as Generator does; false once the sequence is over. */
        boolean take(float[] logits, int row) {
            int next = sampler.sample(logits, row * vocab, usable);
            if (options.stopAtEos() && next == eos) {
                finish("eos");
                return false;
            }
            out[produced++] = next;
            all.append(text.push(next));
            if (produced == maxNew) {
                finish("length");
                return false;
            }
            pending = next;
            return true;
        }

        void finish(String stop) {
            all.append(text.flush());
            long t2 = System.nanoTime();
            outcome = new Outcome<>(tag, new GenerationResult(all.toString(), Arrays.copyOf(out, produced), prompt.length,
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, stop), null);
            freeCaches.push(cache);
            cache = null;
        }
    }

    private final class Run<T> implements Iterator<Outcome<T>> {
        private final Iterator<Request<T>> requests;
        private final ArrayDeque<Live<T>> order = new ArrayDeque<>(); // every request not yet handed out, in order
        private final List<Live<T>> running = new ArrayList<>();
        private final KvCache[] caches = new KvCache[WIDTH];
        private final int[] counts = new int[WIDTH], tokens = new int[WIDTH];
        @SuppressWarnings("unchecked")
        private final Live<T>[] segs = new Live[WIDTH];

        Run(Iterator<Request<T>> requests) {
            this.requests = requests;
        }

        @Override
        public boolean hasNext() {
            while ((order.isEmpty() || order.peekFirst().outcome == null) && step()) {
                // each step admits requests and/or runs one pass
            }
            return !order.isEmpty();
        }

        @Override
        public Outcome<T> next() {
            if (!hasNext()) throw new NoSuchElementException();
            return order.pollFirst().outcome;
        }

        /** Admits requests into free places, then runs one pass; false when there is nothing left to do. */
        private boolean step() {
            boolean admitted = false;
            while (running.size() < WIDTH && requests.hasNext()) {
                admit(requests.next());
                admitted = true;
            }
            if (running.isEmpty()) return admitted;
            pass();
            return true;
        }

        private void admit(Request<T> r) {
            Live<T> s = new Live<>(r.tag());
            order.addLast(s);
            if (r.prompt() == null) {
                s.outcome = new Outcome<>(r.tag(), null, null);
                return;
            }
            int[] ids = model.tokenizer().encode(r.prompt());
            if (ids.length == 0) ids = new int[]{eos};
            if (ids.length >= ctx) {
                s.outcome = new Outcome<>(r.tag(), null, "prompt of " + ids.length + " tokens does not fit the model's context of " + ctx + " tokens");
                return;
            }
            SamplingOptions o = r.options();
            s.prompt = ids;
            s.options = o;
            s.maxNew = Math.min(o.maxTokens(), ctx - ids.length);
            s.out = new int[s.maxNew];
            s.sampler = new Sampler(vocab, o.temperature(), o.topK(), o.topP(), o.seed());
            s.text = model.tokenizer().streamingDecoder();
            s.all = new StringBuilder();
            KvCache c = freeCaches.poll();
            if (c == null) c = decoder.newCache();
            else c.truncate(0);
            s.cache = c;
            s.t0 = System.nanoTime();
            running.add(s);
        }

        /**
         * One pass: a row for each decoding sequence, then the prompts that fit in the rows left, whole (a prompt is
         * never split, so its rows are those Generator's pre-fill computes); a prompt that does not fit is pre-filled
         * alone first, as Generator does it.
         */
        private void pass() {
            int decoding = 0;
            for (Live<T> s : running) if (s.prefilled > 0) decoding++;
            int room = WIDTH - decoding, segCount = 0, rows = 0;
            for (Live<T> s : running) {
                if (s.prefilled > 0) {
                    tokens[rows++] = s.pending;
                    counts[segCount] = 1;
                } else if (s.prompt.length <= room) {
                    System.arraycopy(s.prompt, 0, tokens, rows, s.prompt.length);
                    rows += s.prompt.length;
                    room -= s.prompt.length;
                    counts[segCount] = s.prompt.length;
                } else {
                    prefillAlone(s);
                    continue;
                }
                caches[segCount] = s.cache;
                segs[segCount++] = s;
            }
            if (segCount > 0) {
                float[] logits = decoder.forward(caches, counts, segCount, tokens);
                forwards++;
                for (int g = 0, row = 0; g < segCount; row += counts[g], g++) {
                    Live<T> s = segs[g];
                    if (s.prefilled == 0) {
                        s.prefilled = s.prompt.length;
                        s.t1 = System.nanoTime();
                        if (s.maxNew == 0) {
                            s.finish("length");
                            continue;
                        }
                    }
                    s.take(logits, row + counts[g] - 1);
                }
                Arrays.fill(segs, 0, segCount, null);
                Arrays.fill(caches, 0, segCount, null);
            }
            running.removeIf(s -> s.outcome != null);
        }

        /** Generator's pre-fill: chunks of up to PREFILL_CHUNK, the head on the last token only; then the first sample. */
        private void prefillAlone(Live<T> s) {
            float[] logits = null;
            for (int i = 0; i < s.prompt.length; i += PREFILL_CHUNK) {
                int n = Math.min(PREFILL_CHUNK, s.prompt.length - i);
                logits = decoder.forwardLast(s.cache, Arrays.copyOfRange(s.prompt, i, i + n), n);
                forwards++;
            }
            s.prefilled = s.prompt.length;
            s.t1 = System.nanoTime();
            if (s.maxNew == 0) s.finish("length");
            else s.take(logits, 0);
        }
    }
}
