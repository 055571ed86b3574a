package dev.trident.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of worker threads for data-parallel loops. Threads are started once and wait (spin briefly,
 * then park) between jobs, so a matmul does not pay for a fork/join or thread start per call.
 *
 * <p>{@code parallelFor(n, body)} splits [0, n) into one contiguous chunk per thread. Chunks are claimed, not
 * assigned: the caller and the woken workers take chunk indices from a shared counter, so when the machine is
 * oversubscribed and a worker is not scheduled in time, the caller simply runs that chunk itself instead of
 * waiting a scheduler time slice for it. Chunk i always runs with {@code worker == i}, so the worker index is
 * unique among concurrently running bodies (safe for per-worker scratch or partial results).
 * Nested calls from inside a body run serially on the calling thread.
 */
public final class WorkerPool {
    /** A body over a half-open index range [from, to); {@code worker} is 0..threads-1, for per-thread scratch. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to, int worker);
    }

    /** One parallelFor call. Immutable apart from its counters, so a late worker can never mix two jobs. */
    private static final class Job {
        final long id;
        final RangeBody body;
        final int n;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger remaining;
        volatile Throwable failure;

        Job(long id, RangeBody body, int n, int chunks) {
            this.id = id;
            this.body = body;
            this.n = n;
            this.remaining = new AtomicInteger(chunks);
        }
    }

    private static volatile WorkerPool global;

    private final int threads;
    private final Worker[] workers;
    private volatile Job job;
    private long jobs;
    private final ThreadLocal<Boolean> inside = ThreadLocal.withInitial(() -> false);

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker();
            Thread t = Thread.ofPlatform().daemon().name("trident-worker-" + (i + 1)).unstarted(workers[i]);
            workers[i].thread = t;
            t.start();
        }
    }

    /** The process-wide pool, sized by {@code -Dtrident.threads} or the number of available processors. */
    public static WorkerPool global() {
        WorkerPool p = global;
        if (p == null) {
            synchronized (WorkerPool.class) {
                if (global == null) {
                    int t = Integer.getInteger("trident.threads", Runtime.getRuntime().availableProcessors());
                    global = new WorkerPool(Math.max(1, t));
                }
                p = global;
            }
        }
        return p;
    }

    /** Replaces the global pool with one of {@code threads} threads (CLI --threads). */
    public static synchronized void setGlobalThreads(int threads) {
        WorkerPool old = global;
        if (old != null && old.threads == threads) return;
        global = new WorkerPool(threads);
        if (old != null) old.shutdown();
    }

    public int threads() {
        return threads;
    }

    /** Runs body over [0, n) split into {@link #threads()} contiguous chunks; returns when all are done. */
    public void parallelFor(int n, RangeBody body) {
        if (n <= 0) return;
        if (threads == 1 || n == 1 || inside.get()) {
            body.run(0, n, 0);
            return;
        }
        synchronized (this) {
            Job j = new Job(++jobs, body, n, threads);
            this.job = j;
            for (Worker w : workers) w.signal();
            inside.set(true);
            try {
                work(j);
            } finally {
                inside.set(false);
            }
            // Wait for chunks still running on workers: spin first (chunks are usually balanced), then yield.
            int spins = 0;
            while (j.remaining.get() != 0) {
                if (++spins < 20_000) Thread.onSpinWait();
                else Thread.yield();
            }
            this.job = null;
            Throwable f = j.failure;
            if (f != null) {
                if (f instanceof RuntimeException re) throw re;
                if (f instanceof Error e) throw e;
                throw new RuntimeException(f);
            }
        }
    }

    /** Claims and runs chunks of j until none are left; failures are recorded, not thrown, so counts stay exact. */
    private void work(Job j) {
        int i;
        while ((i = j.next.getAndIncrement()) < threads) {
            try {
                int from = (int) ((long) j.n * i / threads);
                int to = (int) ((long) j.n * (i + 1) / threads);
                if (from < to) j.body.run(from, to, i);
            } catch (Throwable t) {
                if (j.failure == null) j.failure = t;
            } finally {
                j.remaining.decrementAndGet();
            }
        }
    }

    private void shutdown() {
        for (Worker w : workers) {
            w.stop = true;
            w.signal();
        }
    }

    private final class Worker implements Runnable {
        Thread thread;
        volatile boolean stop;
        private long seen; // id of the last job taken; an id, not the Job, so its arrays can be collected

        void signal() {
            LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            inside.set(true);
            while (!stop) {
                int spins = 0;
                Job j;
                while ((j = job) == null || j.id == seen) {
                    if (stop) return;
                    // Spin a little (back-to-back kernels), then sleep until signal() unparks us; an unpark that
                    // lands between the check and park() leaves a permit, so no wake-up is lost.
                    if (++spins < 50_000) Thread.onSpinWait();
                    else LockSupport.park(this);
                }
                seen = j.id;
                work(j);
            }
        }
    }
}
