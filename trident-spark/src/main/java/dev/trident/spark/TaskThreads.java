package dev.trident.spark;

import dev.trident.kernels.WorkerPool;
import org.apache.spark.TaskContext;

/**
 * How many threads Trident's kernels use inside a Spark task. Spark already runs one task per core (more precisely
 * per spark.task.cpus cores), so by default a task's kernels use spark.task.cpus threads: two tasks on a 2-core
 * executor then each compute on their own core instead of queueing for one shared pool of 2. The pool is
 * process-wide, so the first task of a JVM sizes it; the results do not depend on the thread count (every kernel
 * splits work by output rows, never a reduction), only the speed does.
 */
public final class TaskThreads {
    private TaskThreads() {}

    /** Sizes the JVM's worker pool: threads if > 0, else the task's spark.task.cpus (1 outside a task). */
    public static synchronized void configure(int threads) {
        int n = threads > 0 ? threads : taskCpus();
        if (WorkerPool.global().threads() != n) WorkerPool.setGlobalThreads(n);
    }

    private static int taskCpus() {
        TaskContext tc = TaskContext.get();
        return tc == null ? 1 : Math.max(1, tc.cpus());
    }
}
