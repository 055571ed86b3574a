package dev.trident.kernels;

/**
 * When to go parallel: element-wise and row-wise kernels split work over the global {@link WorkerPool} only when
 * there is enough of it to beat the hand-off cost (a few microseconds).
 */
public final class Parallel {
    /**
     * Roughly the number of float operations (~50-100 us of single-thread vector work) below which a hand-off to
     * the pool costs more than it saves: waking a parked worker, and on a busy machine waiting for it to be
     * scheduled at all, takes tens to hundreds of microseconds, and the caller waits for the slowest chunk.
     */
    static final long MIN_WORK = 1L << 20;

    private Parallel() {}

    /** Whether work of about this many flops is worth splitting over the pool at all. */
    public static boolean worthThreads(long flops) {
        return flops >= MIN_WORK;
    }

    /**
     * Runs body over [0, n) items, each costing about {@code workPerItem} flops: serially when the total is small,
     * else in one contiguous chunk per pool thread.
     */
    static void forRange(int n, long workPerItem, WorkerPool.RangeBody body) {
        if (n <= 0) return;
        if (n == 1 || (long) n * workPerItem < MIN_WORK) {
            body.run(0, n, 0);
        } else {
            WorkerPool.global().parallelFor(n, body);
        }
    }

    /**
     * Element-wise loops: splits [0, n) into blocks of {@code block} elements (a multiple of the vector length, so
     * only the last chunk has a scalar tail) and runs body(from, to) on element ranges.
     */
    static void forElements(int n, int block, WorkerPool.RangeBody body) {
        int blocks = (n + block - 1) / block;
        forRange(blocks, block, (b0, b1, worker) -> body.run(b0 * block, Math.min(n, b1 * block), worker));
    }
}
