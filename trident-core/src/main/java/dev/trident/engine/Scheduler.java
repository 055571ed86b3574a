package dev.trident.engine;

import dev.trident.infer.Decoder;
import dev.trident.infer.KvCache;
import dev.trident.infer.LoadedModel;
import dev.trident.infer.Sampler;
import dev.trident.tokenizer.Tokenizer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching: one thread runs the decoder in passes over the weights, each carrying a token row for every
 * running sequence it can fit (one for a decoding sequence, a chunk of prompt for one being pre-filled), each
 * sequence appending to its own KV cache. Requests join and leave the batch between passes: a new one takes a free
 * cache and starts pre-filling beside those decoding; one that ends (end of text, stop text, max tokens, or a
 * cancel) gives its cache back at once. Each sequence samples from its own seeded generator, so its tokens do not
 * depend on which others share its passes.
 *
 * <p>With {@link EngineOptions#speculative}, a greedy request also keeps the model's first MTP module running over
 * its positions (its own one-layer cache), which drafts the token after the pending one; the next pass carries
 * both rows, and the draft stands if it is the main model's argmax after the pending token, giving two tokens for
 * that pass (else its cache row is dropped). Drafting runs only while every decoding sequence's draft fits the
 * next pass (a lightly loaded server); under load the module waits, and a sequence held back for
 * {@link #PENDING_MAX} positions decodes plainly from then on. Greedy output is unchanged either way; sampled
 * requests never speculate, so their seeded draws stay those they get alone.
 *
 * <p>Limits: {@link EngineOptions#maxSequences} caches (fewer if {@link EngineOptions#kvCacheBytes} holds fewer),
 * and {@link EngineOptions#maxQueued} requests waiting for one; past that, {@link #submit} refuses.
 */
final class Scheduler implements AutoCloseable {
    private final Decoder decoder;
    private final Tokenizer tokenizer;
    private final int rows, slots, maxQueued, vocab, usable, eos, dim;
    /** Greedy requests speculate with the model's first MTP module (EngineOptions.speculative). */
    private final boolean speculative;
    private final long cacheBytes;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Sequence> queue = new ArrayDeque<>(); // guarded by lock
    private boolean closed; // guarded by lock

    // Owned by the scheduler thread.
    private final List<Sequence> running = new ArrayList<>();
    private final ArrayDeque<KvCache> freeCaches = new ArrayDeque<>(), freeMtpCaches = new ArrayDeque<>();
    private int cachesMade, rotation;
    private final KvCache[] segCaches;
    private final int[] segCounts, tokens;
    private final Sequence[] segSeqs;
    private final Thread thread;

    /** Per segment of a pass: the draft it carries as its second row, or -1. */
    private final int[] segDrafts;
    private volatile long requests, generatedTokens, forwards, rowsRun, cpuNanos, draftsProposed, draftsAccepted;
    private final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    private final java.util.concurrent.atomic.AtomicLong cancelledCount = new java.util.concurrent.atomic.AtomicLong();
    private volatile int runningCount;

    Scheduler(LoadedModel model, EngineOptions options) {
        this.rows = options.batchRows();
        this.decoder = new Decoder(model.weights(), rows);
        this.tokenizer = model.tokenizer();
        this.vocab = model.config().vocabSize();
        this.usable = tokenizer.vocabSize();
        this.eos = tokenizer.eosId();
        this.dim = model.config().dim();
        this.speculative = options.speculative();
        if (speculative && model.config().mtpDepth() == 0)
            throw new dev.trident.TridentException("speculative decoding needs a model with an MTP module; train it with --mtp 1");
        this.segDrafts = new int[rows];
        this.cacheBytes = model.config().kvCacheBytesPerToken() * (long) model.config().maxSeqLen();
        long fit = options.kvCacheBytes() / Math.max(1, cacheBytes);
        if (fit < 1)
            throw new dev.trident.TridentException("a KV cache budget of " + options.kvCacheBytes() + " bytes holds no sequence; one needs "
                    + cacheBytes + " bytes (the model's full context)");
        this.slots = (int) Math.min(options.maxSequences(), fit);
        this.maxQueued = options.maxQueued();
        this.segCaches = new KvCache[rows];
        this.segCounts = new int[rows];
        this.segSeqs = new Sequence[rows];
        this.tokens = new int[rows];
        this.thread = Thread.ofPlatform().name("trident-scheduler").daemon().unstarted(this::loop);
        thread.start();
    }

    int slots() { return slots; }

    long cacheBytesPerSequence() { return cacheBytes; }

    /** Queues a sequence; EngineBusyException when the queue is full. */
    void submit(Sequence s) {
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("the engine is closed");
            // Free places are taken at the next pass; the queue bound counts requests beyond them.
            if (queue.size() >= maxQueued + Math.max(0, slots - runningCount))
                throw new EngineBusyException("server busy: " + runningCount + " requests running and " + queue.size()
                        + " waiting (the limit); try again shortly");
            queue.add(s);
            requests++;
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /** A cancelled request: dropped from the queue now, or from the batch before the next pass. */
    void cancelled(Sequence s) {
        lock.lock();
        try {
            if (queue.remove(s)) {
                cancelledCount.incrementAndGet();
                s.handle.emit(new Generation.Done(completion(s, FinishReason.CANCELLED)));
            }
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    EngineStats stats() {
        int queued;
        lock.lock();
        try {
            queued = queue.size();
        } finally {
            lock.unlock();
        }
        return new EngineStats(runningCount, queued, slots, maxQueued, cacheBytes, requests, cancelledCount.get(), generatedTokens, forwards, rowsRun, cpuNanos / 1e9,
                draftsProposed, draftsAccepted);
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            work.signal();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        while (true) {
            List<Sequence> admitted = new ArrayList<>();
            lock.lock();
            try {
                while (!closed && queue.isEmpty() && running.isEmpty()) work.awaitUninterruptibly();
                if (closed) break;
                while (running.size() + admitted.size() < slots && !queue.isEmpty()) admitted.add(queue.poll());
            } finally {
                lock.unlock();
            }
            for (Sequence s : admitted) start(s);
            running.removeIf(s -> {
                if (!s.handle.isCancelled()) return false;
                finish(s, FinishReason.CANCELLED);
                return true;
            });
            runningCount = running.size();
            if (running.isEmpty()) continue;
            long cpu0 = threads.getCurrentThreadCpuTime();
            try {
                pass();
            } catch (RuntimeException | Error e) { // a bug, not bad input: fail what was running, keep serving
                RuntimeException error = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                for (Sequence s : running) {
                    release(s);
                    s.handle.emit(new Generation.Failed(error));
                }
                running.clear();
            }
            cpuNanos += threads.getCurrentThreadCpuTime() - cpu0;
            runningCount = running.size();
        }
        for (Sequence s : running) s.handle.emit(new Generation.Failed(new IllegalStateException("the engine was closed")));
        lock.lock();
        try {
            for (Sequence s : queue) s.handle.emit(new Generation.Failed(new IllegalStateException("the engine was closed")));
            queue.clear();
        } finally {
            lock.unlock();
        }
    }

    private void start(Sequence s) {
        if (s.handle.isCancelled()) {
            cancelledCount.incrementAndGet();
            s.handle.emit(new Generation.Done(completion(s, FinishReason.CANCELLED)));
            return;
        }
        KvCache c = freeCaches.poll();
        if (c == null) {
            c = decoder.newCache();
            cachesMade++;
        }
        c.truncate(0);
        s.cache = c;
        Sampling p = s.sampling;
        s.sampler = new Sampler(vocab, p.temperature(), p.topK(), p.topP(), p.seed());
        s.text = tokenizer.streamingDecoder();
        s.generated = new int[s.maxNew];
        if (speculative && p.temperature() <= 0) { // sampled requests keep their seeded draws, alone or not
            KvCache m = freeMtpCaches.poll();
            s.mtpCache = m != null ? m : decoder.newMtpCache();
            s.mtpCache.truncate(0);
            s.pendingHidden = new float[(PENDING_MAX + rows) * dim];
            s.draft = -1;
        }
        running.add(s);
    }

    /**
     * One forward pass. Decoding sequences take one row each, in turns when there are more than fit; prompts take
     * what is left, at least a quarter of the rows while any is waiting, so a long prompt is pre-filled in chunks
     * between the decode steps of the others instead of stalling them.
     */
    private void pass() {
        int decoding = 0, prefillWant = 0;
        for (Sequence s : running) {
            if (s.prefilling()) prefillWant += s.prompt.length - s.fed;
            else decoding++;
        }
        int prefillRows = prefillWant == 0 ? 0 : Math.min(prefillWant, Math.max(rows - decoding, Math.max(1, rows / 4)));
        int decodeRows = Math.min(decoding, rows - prefillRows);
        int segs = 0, used = 0, n = running.size();
        // Decoding sequences, round robin from `rotation` so that every one gets its turn when they do not all fit;
        // a speculating one brings its draft as a second row where the rows left allow it.
        int taken = 0;
        for (int i = 0; i < n && taken < decodeRows; i++) {
            Sequence s = running.get((rotation + i) % n);
            if (s.prefilling()) continue;
            segSeqs[segs] = s;
            segCaches[segs] = s.cache;
            tokens[used++] = s.lastToken();
            taken++;
            boolean withDraft = s.draft >= 0 && used < rows - prefillRows - (decodeRows - taken);
            if (withDraft) tokens[used++] = s.draft;
            segDrafts[segs] = withDraft ? s.draft : -1;
            s.draft = -1; // drafted for the pending token this pass feeds
            segCounts[segs] = withDraft ? 2 : 1;
            segs++;
        }
        if (decoding > decodeRows) rotation = (rotation + decodeRows) % Math.max(1, n);
        // Prompt chunks, oldest request first.
        for (int i = 0; i < n && used < rows; i++) {
            Sequence s = running.get(i);
            if (!s.prefilling()) continue;
            int m = Math.min(rows - used, s.prompt.length - s.fed);
            segSeqs[segs] = s;
            segCaches[segs] = s.cache;
            segCounts[segs] = m;
            System.arraycopy(s.prompt, s.fed, tokens, used, m);
            segDrafts[segs] = -1;
            used += m;
            segs++;
        }
        float[] logits = decoder.forward(segCaches, segCounts, segs, tokens);
        forwards++;
        rowsRun += used;
        int row = 0;
        for (int g = 0; g < segs; g++) { // h^0 of every row first: the MTP module's forwards below overwrite it
            Sequence s = segSeqs[g];
            if (s.mtpCache != null) keepHidden(s, s.cache.length() - segCounts[g], row, segCounts[g]);
            row += segCounts[g];
        }
        row = 0;
        for (int g = 0; g < segs; g++) {
            Sequence s = segSeqs[g];
            int first = row;
            row += segCounts[g];
            segSeqs[g] = null;
            segCaches[g] = null;
            if (s.prefilling()) {
                s.fed += segCounts[g];
                if (!s.prefilling()) accept(s, s.sampler.sample(logits, (row - 1) * vocab, usable)); // the prompt's last token gives the first new one
            } else if (segDrafts[g] < 0) {
                accept(s, s.sampler.sample(logits, first * vocab, usable));
            } else {
                // Greedy verification: the draft stands if it is the main model's own choice after the pending token.
                int best = s.sampler.sample(logits, first * vocab, usable);
                draftsProposed++;
                if (best == segDrafts[g]) {
                    draftsAccepted++;
                    accept(s, best);
                    if (s.cache != null) accept(s, s.sampler.sample(logits, (first + 1) * vocab, usable));
                } else {
                    s.cache.truncate(s.cache.length() - 1); // the draft's row
                    accept(s, best);
                }
            }
        }
        running.removeIf(s -> s.cache == null);
        // Drafts only while every decoding sequence's draft row fits the next pass: under load the module's
        // forwards (one sequence each) would cost more than the draft rows that fit would save. Meanwhile h^0 waits.
        int decodingNow = 0;
        for (Sequence s : running) if (!s.prefilling()) decodingNow++;
        if (2 * decodingNow <= rows)
            for (Sequence s : running) if (s.mtpCache != null) draft(s);
    }

    /** Positions of h^0 a sequence keeps for its MTP module while the load holds drafting back; then it stops speculating. */
    private static final int PENDING_MAX = 64;

    /** Rows [row, row + count) of the pass's h^0, at positions from pos on, into s's pending hidden states. */
    private void keepHidden(Sequence s, int pos, int row, int count) {
        int at = pos - s.mtpCache.length();
        if ((at + count) * dim > s.pendingHidden.length) { // waited too long: plain decoding from here on
            freeMtpCaches.push(s.mtpCache);
            s.mtpCache = null;
            s.pendingHidden = null;
            return;
        }
        System.arraycopy(decoder.hidden(), row * dim, s.pendingHidden, at * dim, count * dim);
    }

    /**
     * Brings s's MTP module up to date and, for a decoding sequence, drafts the token after its pending one. The
     * module at position i reads h^0_i and token t_{i+1}: known for every position in the main cache, since the
     * token after the cache's last one is the next prompt token or the pending (sampled) one.
     */
    private void draft(Sequence s) {
        int base = s.mtpCache.length(), upTo = s.cache.length(); // positions [base, upTo): all of pendingHidden
        if (upTo <= base) return; // no pass for s since its last draft
        boolean drafting = !s.prefilling();
        for (int done = base; done < upTo; ) {
            int n = Math.min(decoder.maxBatch(), upTo - done);
            for (int r = 0; r < n; r++) tokens[r] = s.tokenAt(done + r + 1);
            boolean last = done + n == upTo;
            float[] logits = decoder.mtpForward(1, s.mtpCache, tokens, 0, s.pendingHidden, (done - base) * dim, n, last && drafting ? 1 : 0);
            done += n;
            if (last && drafting) s.draft = Sampler.argmax(logits, 0, usable);
        }
    }

    /** A new token for s: stream its text, and end s on end of text, a stop text or its token limit. */
    private void accept(Sequence s, int token) {
        if (s.produced == 0) s.firstTokenNanos = System.nanoTime();
        generatedTokens++;
        if (token == eos && !s.sampling.ignoreEos()) {
            finish(s, FinishReason.STOP);
            return;
        }
        s.generated[s.produced++] = token;
        emit(s, s.stops.push(s.text.push(token)));
        if (s.stops.stopped()) finish(s, FinishReason.STOP);
        else if (s.produced == s.maxNew) finish(s, FinishReason.LENGTH);
    }

    private static void emit(Sequence s, String text) {
        if (text.isEmpty()) return;
        s.output.append(text);
        s.handle.emit(new Generation.Text(text));
    }

    private void finish(Sequence s, FinishReason reason) {
        if (reason == FinishReason.CANCELLED) cancelledCount.incrementAndGet();
        if (reason != FinishReason.STOP || !s.stops.stopped()) emit(s, s.stops.push(s.text.flush()));
        emit(s, s.stops.flush());
        release(s);
        // Counted out before the client hears it is done, so stats never show a finished request as running.
        runningCount = Math.max(0, runningCount - 1);
        s.handle.emit(new Generation.Done(completion(s, reason)));
    }

    private void release(Sequence s) {
        if (s.cache != null) freeCaches.push(s.cache);
        if (s.mtpCache != null) freeMtpCaches.push(s.mtpCache);
        s.cache = null;
        s.mtpCache = null;
        s.pendingHidden = null;
        s.sampler = null;
    }

    private static Completion completion(Sequence s, FinishReason reason) {
        long now = System.nanoTime();
        int[] ids = s.generated == null ? new int[0] : java.util.Arrays.copyOf(s.generated, s.produced);
        double first = s.firstTokenNanos == 0 ? (now - s.submittedNanos) / 1e9 : (s.firstTokenNanos - s.submittedNanos) / 1e9;
        return new Completion(s.output.toString(), ids, s.prompt.length, reason, first, (now - s.submittedNanos) / 1e9);
    }
}
