package dev.trident.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of worker threads for data-parallel loops. Threads are started once and wait (spin briefly,
 * then park) between jobs, so a matmul does not pay for a fork/join or thread start per call.
 *
 * <p>{@code parallelFor(n, body)} splits [0, n) into one contiguous chunk per thread; the caller runs chunk 0 itself.
 * Nested calls from inside a body run serially on the calling thread.
 */
public final class WorkerPool {
    /** A body over a half-open index range [from, to); {@code worker} is 0..threads-1, for per-thread scratch. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to, int worker);
    }

    private static volatile WorkerPool global;

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile RangeBody body;
    private volatile int n;
    private volatile Throwable failure;
    private final ThreadLocal<Boolean> inside = ThreadLocal.withInitial(() -> false);

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
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
            this.body = body;
            this.n = n;
            this.failure = null;
            pending.set(workers.length);
            for (Worker w : workers) w.signal();
            inside.set(true);
            Throwable own = null;
            try {
                runChunk(0, body, n);
            } catch (Throwable t) {
                own = t; // still wait for the workers, or they would race with the next job
            } finally {
                inside.set(false);
            }
            // Wait for the others: spin first (chunks are usually balanced), then yield.
            int spins = 0;
            while (pending.get() != 0) {
                if (++spins < 20_000) Thread.onSpinWait();
                else Thread.yield();
            }
            this.body = null;
            Throwable f = own != null ? own : failure;
            if (f != null) {
                if (f instanceof RuntimeException re) throw re;
                if (f instanceof Error e) throw e;
                throw new RuntimeException(f);
            }
        }
    }

    private void runChunk(int index, RangeBody b, int total) {
        int from = (int) ((long) total * index / threads);
        int to = (int) ((long) total * (index + 1) / threads);
        if (from < to) b.run(from, to, index);
    }

    private void shutdown() {
        for (Worker w : workers) {
            w.stop = true;
            w.signal();
        }
    }

    private final class Worker implements Runnable {
        final int index;
        Thread thread;
        volatile boolean stop;
        private final AtomicInteger generation = new AtomicInteger();
        private int seen;

        Worker(int index) {
            this.index = index;
        }

        void signal() {
            generation.incrementAndGet();
            LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            inside.set(true);
            while (!stop) {
                int spins = 0;
                while (generation.get() == seen && !stop) {
                    if (++spins < 50_000) Thread.onSpinWait();
                    else LockSupport.parkNanos(200_000);
                }
                if (stop) return;
                seen = generation.get();
                try {
                    RangeBody b = body;
                    if (b != null) runChunk(index, b, n);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    pending.decrementAndGet();
                }
            }
        }
    }
}
