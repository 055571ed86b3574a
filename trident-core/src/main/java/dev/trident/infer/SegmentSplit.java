package dev.trident.infer;

import dev.trident.kernels.Parallel;
import dev.trident.kernels.WorkerPool;

/**
 * Runs a per-segment body (RoPE, cache append and attention of one sequence) for every segment of a forward, on the
 * worker pool when there is enough of it: in a continuous-batching step each of the eight sequences attends over its
 * own cache, and one thread doing all of them leaves the other cores idle for that part of every layer. Segments
 * touch disjoint rows and distinct caches ({@link Segments#add} refuses a cache twice), so they run in any order.
 * Work is split into one contiguous run of segments per worker, balanced by cost (rows x positions attended), and
 * the split is made once per forward. Reused, so a step allocates nothing.
 */
final class SegmentSplit implements WorkerPool.RangeBody {
    /** The work of one segment. */
    interface Body {
        void segment(int s);
    }

    private final int[] bounds;
    private Body body;

    SegmentSplit() {
        bounds = new int[Math.max(2, WorkerPool.global().threads()) + 1];
    }

    /**
     * body.segment(s) for every segment of sg, in parallel when their attention (about flopsPerPosition per row and
     * attended position) is worth a hand-off; per-segment results do not depend on where they ran.
     */
    void run(Segments sg, long flopsPerPosition, Body body) {
        int n = sg.size(), threads = Math.min(WorkerPool.global().threads(), bounds.length - 1);
        long total = 0;
        for (int s = 0; s < n; s++) total += cost(sg, s);
        if (n < 2 || threads < 2 || !Parallel.worthThreads(total * flopsPerPosition)) {
            for (int s = 0; s < n; s++) body.segment(s);
            return;
        }
        int parts = Math.min(threads, n);
        balance(sg, total, parts, bounds);
        this.body = body;
        try {
            WorkerPool.global().parallelFor(parts, this);
        } finally {
            this.body = null;
        }
    }

    /**
     * Splits the segments into parts contiguous runs of about equal cost: run p is [bounds[p], bounds[p + 1]), each
     * non-empty (parts <= segments); a run closes where the next segment's midpoint passes the run's share.
     */
    static void balance(Segments sg, long total, int parts, int[] bounds) {
        int n = sg.size(), s = 0;
        long done = 0;
        bounds[0] = 0;
        for (int p = 1; p < parts; p++) {
            long target = total * p / parts;
            while (s < n - (parts - p) && done + cost(sg, s) / 2 < target) done += cost(sg, s++);
            if (s == bounds[p - 1]) done += cost(sg, s++); // every run gets at least one segment
            bounds[p] = s;
        }
        bounds[parts] = n;
    }

    /** Rows times the positions they attend to (the new rows see the cache and each other). */
    static long cost(Segments sg, int s) {
        return (long) sg.count[s] * (sg.pos[s] + sg.count[s]);
    }

    @Override
    public void run(int from, int to, int worker) {
        for (int p = from; p < to; p++)
            for (int s = bounds[p]; s < bounds[p + 1]; s++) body.segment(s);
    }
}
