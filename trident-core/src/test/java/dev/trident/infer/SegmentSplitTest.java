package dev.trident.infer;

import dev.trident.kernels.WorkerPool;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** SegmentSplit: cost-balanced contiguous runs, and every segment run exactly once whatever the pool size. */
class SegmentSplitTest {
    /** Segments of one row each at the given cache lengths (cost = length + 1). */
    private static Segments segments(int... lengths) {
        Segments sg = new Segments(lengths.length);
        for (int len : lengths) {
            KvCache c = new KvCache(1, 8192, 4);
            c.setLength(len);
            sg.add(c, 1);
        }
        return sg;
    }

    private static int[] bounds(Segments sg, int parts) {
        long total = 0;
        for (int s = 0; s < sg.size(); s++) total += SegmentSplit.cost(sg, s);
        int[] b = new int[parts + 1];
        SegmentSplit.balance(sg, total, parts, b);
        return b;
    }

    @Test
    void runsAreContiguousBalancedAndNonEmpty() {
        assertArrayEquals(new int[]{0, 4, 8}, bounds(segments(99, 99, 99, 99, 99, 99, 99, 99), 2), "equal costs: halves");
        assertArrayEquals(new int[]{0, 1, 5}, bounds(segments(999, 99, 99, 99, 99), 2), "one long context alone");
        assertArrayEquals(new int[]{0, 4, 5}, bounds(segments(99, 99, 99, 99, 999), 2), "a long context last");
        assertArrayEquals(new int[]{0, 1, 2, 3}, bounds(segments(0, 0, 5000), 3), "as many runs as segments: one each");
        assertArrayEquals(new int[]{0, 1, 3, 4}, bounds(segments(9, 9, 9, 9), 3), "four equal segments in three runs: none above two");
    }

    @Test
    void everySegmentRunsExactlyOnce() {
        int before = WorkerPool.global().threads();
        try {
            for (int threads : new int[]{1, 2, 3}) {
                WorkerPool.setGlobalThreads(threads);
                Segments sg = segments(5, 700, 3, 90, 1200, 1, 1, 64);
                AtomicIntegerArray runs = new AtomicIntegerArray(sg.size());
                new SegmentSplit().run(sg, 1 << 20, runs::incrementAndGet); // enough work to split
                for (int s = 0; s < sg.size(); s++) assertEquals(1, runs.get(s), threads + " threads, segment " + s);
            }
        } finally {
            WorkerPool.setGlobalThreads(before);
        }
    }
}
