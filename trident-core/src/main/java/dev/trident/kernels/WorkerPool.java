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
 *
 * <p>Between jobs a worker spins for {@link #SPIN_NANOS} before it parks, so the back-to-back kernels of a decode
 * step (a matmul, a norm, attention, the next layer's matmul, a few microseconds apart) find it awake: a parked
 * thread takes tens of microseconds to wake, more than a small GEMV takes. A call allocates nothing (the pool
 * reuses one job record), so a decode loop can run without garbage.
 */
public final class WorkerPool {
    /** A body over a half-open index range [from, to); {@code worker} is 0..threads-1, for per-thread scratch. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to, int worker);
    }

    /** How long an idle worker spins before it parks: longer than the gaps inside a decode step. */
    static final long SPIN_NANOS = Long.getLong("trident.spinMicros", 2_000) * 1_000;

    /**
     * The current parallelFor call. One record, reused: {@code body} and {@code n} are written before {@code next}
     * is reset (a volatile write), and a chunk is run only after a successful claim from {@code next} (a volatile
     * read-modify-write), so whoever claims a chunk of call k sees call k's body. A worker that arrives late and
     * claims from a finished call's counter gets an index >= threads and runs nothing; the caller waits for every
     * claimed chunk ({@code remaining}) before it returns or starts the next call.
     */
    private static final class Job {
        volatile long id;
        RangeBody body;
        int n;
        final AtomicInteger next = new AtomicInteger(Integer.MAX_VALUE);
        final AtomicInteger remaining = new AtomicInteger();
        volatile Throwable failure;
    }

    private static volatile WorkerPool global;

    private final int threads;
    private final Worker[] workers;
    private final Job job = new Job();
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
            Job j = job;
            j.body = body;
            j.n = n;
            j.failure = null;
            j.remaining.set(threads);
            j.next.set(0);   // from here on, chunks of this call can be claimed
            j.id = ++jobs;   // and workers notice there is a new call
            for (Worker w : workers) if (w.parked) w.signal();
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
            j.body = null; // let the body's captured arrays go
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
                int n = j.n;
                int from = (int) ((long) n * i / threads);
                int to = (int) ((long) n * (i + 1) / threads);
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
        /** Set just before parking; the caller unparks only parked workers (unpark is a system call). */
        volatile boolean parked;
        private long seen; // id of the last call taken

        void signal() {
            LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            inside.set(true);
            Job j = job;
            while (!stop) {
                long idleSince = 0;
                int spins = 0;
                long id;
                while ((id = j.id) == seen) {
                    if (stop) return;
                    Thread.onSpinWait();
                    // Spin for SPIN_NANOS (reading the clock every 256 spins), then sleep until signal(). parked is
                    // set before the id is checked again, so a caller that publishes a new id after that check sees
                    // parked and unparks us; an unpark that lands before park() leaves a permit: no lost wake-up.
                    if ((++spins & 255) == 0) {
                        long now = System.nanoTime();
                        if (idleSince == 0) idleSince = now;
                        else if (now - idleSince > SPIN_NANOS) {
                            parked = true;
                            if (j.id == seen && !stop) LockSupport.park(this);
                            parked = false;
                            idleSince = 0;
                        }
                    }
                }
                seen = id;
                work(j);
            }
        }
    }
}
