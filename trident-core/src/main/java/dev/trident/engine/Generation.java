package dev.trident.engine;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * A request running in the {@link Engine}: its text arrives piece by piece as the scheduler produces it. One
 * thread consumes it with {@link #await}; any thread may {@link #cancel} it, which frees its place in the running
 * batch at the next token.
 */
public final class Generation {
    /** What the scheduler hands the consumer: pieces of text, then the end (or the failure). */
    sealed interface Event permits Text, Done, Failed {}

    record Text(String text) implements Event {}

    record Done(Completion completion) implements Event {}

    record Failed(RuntimeException error) implements Event {}

    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Runnable onCancel;
    private volatile boolean cancelled;
    private boolean finished;

    Generation(Runnable onCancel) {
        this.onCancel = onCancel;
    }

    /** Called by the scheduler thread. */
    void emit(Event e) {
        events.add(e);
    }

    /** Stops generating; await then returns the text so far with {@link FinishReason#CANCELLED}. */
    public void cancel() {
        if (cancelled) return;
        cancelled = true;
        onCancel.run();
    }

    public boolean isCancelled() { return cancelled; }

    /**
     * Blocks until the generation ends, passing each piece of text to onText (may be null) on this thread, and
     * returns the completion. If onText throws, the generation is cancelled and the exception propagates.
     */
    public Completion await(Consumer<String> onText) {
        if (finished) throw new IllegalStateException("this generation was already awaited");
        try {
            while (true) {
                Event e = events.take();
                switch (e) {
                    case Text t -> {
                        if (onText != null) {
                            try {
                                onText.accept(t.text());
                            } catch (RuntimeException | Error failure) {
                                cancel();
                                throw failure;
                            }
                        }
                    }
                    case Done d -> {
                        finished = true;
                        return d.completion();
                    }
                    case Failed f -> {
                        finished = true;
                        throw f.error();
                    }
                }
            }
        } catch (InterruptedException ie) {
            cancel();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a generation", ie);
        }
    }

    /** The completion, ignoring the streamed pieces. */
    public Completion await() {
        return await(null);
    }
}
