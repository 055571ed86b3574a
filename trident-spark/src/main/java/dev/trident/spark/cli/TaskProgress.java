package dev.trident.spark.cli;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Progress of a Spark job on stderr, one line per finished partition at most every 5 seconds: partitions done of
 * the stage, rate and ETA (Spark's own console bar needs its UI, which local runs here switch off).
 */
final class TaskProgress extends SparkListener {
    private final PrintWriter err;
    private final String what;
    private final AtomicInteger done = new AtomicInteger();
    private volatile int total;
    private volatile long start, lastPrint;

    TaskProgress(PrintWriter err, String what) {
        this.err = err;
        this.what = what;
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted s) {
        total = s.stageInfo().numTasks();
        done.set(0);
        start = System.nanoTime();
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (!"Success".equals(end.reason().toString())) return;
        int d = done.incrementAndGet();
        long now = System.nanoTime();
        if (d < total && now - lastPrint < 5_000_000_000L) return;
        lastPrint = now;
        double secs = (now - start) / 1e9;
        double eta = d == 0 ? 0 : secs / d * (total - d);
        synchronized (err) {
            err.printf(Locale.ROOT, "%s: %d/%d partitions, %.1f s, ETA %.0f s%n", what, d, total, secs, eta);
            err.flush();
        }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted s) {
        lastPrint = 0;
    }
}
