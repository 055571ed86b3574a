package dev.trident.spark.diloco;

import org.apache.spark.TaskContext;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test hooks: make one worker's task fail on its first attempt half-way through a round (Spark then retries it), or
 * stop the driver after a round's checkpoint (as if it had been killed). Static, so they reach tasks of a local-mode
 * run in the same JVM; nothing sets them outside tests.
 */
public final class FaultInjection {
    private record Target(int round, int worker) {}

    private static volatile Target failTask;
    private static volatile int abortAfterRound = -1;
    private static final AtomicInteger injected = new AtomicInteger();

    private FaultInjection() {}

    /** The task of this worker in this round throws on its first attempt. */
    public static void failFirstAttemptOf(int round, int worker) {
        failTask = new Target(round, worker);
    }

    /** The driver throws right after checkpointing this round. */
    public static void abortAfterRound(int round) {
        abortAfterRound = round;
    }

    public static void clear() {
        failTask = null;
        abortAfterRound = -1;
    }

    /** Task failures injected so far. */
    public static int injected() {
        return injected.get();
    }

    static void beforeInnerStep(int round, int worker, int h, int innerSteps) {
        Target t = failTask;
        if (t == null || t.round != round || t.worker != worker || h != innerSteps / 2) return;
        TaskContext tc = TaskContext.get();
        if (tc != null && tc.attemptNumber() == 0) {
            injected.incrementAndGet();
            throw new IllegalStateException("injected failure of worker " + worker + " in round " + round + " (test hook)");
        }
    }

    static void afterCheckpoint(int round) {
        if (abortAfterRound == round) throw new IllegalStateException("injected driver stop after round " + round + " (test hook)");
    }
}
