package dev.trident.kernels;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerPoolTest {
    @Test
    void everyIndexRunsExactlyOnce() {
        for (int threads : new int[]{1, 2, 3}) {
            WorkerPool pool = new WorkerPool(threads);
            for (int n : new int[]{1, 2, 3, 7, 1000}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                pool.parallelFor(n, (from, to, w) -> {
                    assertTrue(w >= 0 && w < threads, "worker id " + w);
                    // Chunk w starts at n * w / threads: worker ids are chunk ids, hence unique per call.
                    if (threads > 1 && n > 1) assertEquals((int) ((long) n * w / threads), from, "chunk of worker " + w);
                    for (int i = from; i < to; i++) hits.incrementAndGet(i);
                });
                for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "threads=" + threads + " n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void exceptionsPropagateAndPoolStaysUsable() {
        WorkerPool pool = new WorkerPool(2);
        IllegalStateException boom = new IllegalStateException("boom");
        // The last chunk throws; whichever thread ran it, the caller must see that exception.
        var thrown = assertThrows(IllegalStateException.class, () -> pool.parallelFor(1000, (from, to, w) -> {
            if (to == 1000) throw boom;
        }));
        assertSame(boom, thrown);
        assertThrows(ArithmeticException.class, () -> pool.parallelFor(10, (from, to, w) -> {
            if (from == 0) throw new ArithmeticException("caller chunk");
        }));
        AtomicIntegerArray hits = new AtomicIntegerArray(10);
        pool.parallelFor(10, (from, to, w) -> {
            for (int i = from; i < to; i++) hits.incrementAndGet(i);
        });
        for (int i = 0; i < 10; i++) assertEquals(1, hits.get(i));
    }

    @Test
    void nestedParallelForCoversEverything() {
        WorkerPool pool = new WorkerPool(2);
        int outer = 6, inner = 50;
        AtomicIntegerArray hits = new AtomicIntegerArray(outer * inner);
        pool.parallelFor(outer, (from, to, w) -> {
            for (int o = from; o < to; o++) {
                int base = o * inner;
                pool.parallelFor(inner, (f2, t2, w2) -> {
                    for (int i = f2; i < t2; i++) hits.incrementAndGet(base + i);
                });
            }
        });
        for (int i = 0; i < outer * inner; i++) assertEquals(1, hits.get(i), "index " + i);
    }

    @Test
    void gemmInsidePoolBodyIsCorrect() {
        // A GEMM issued from inside a parallel body (nested use of the global pool) must still be right.
        int m = 140, n = 150, k = 130;
        float[] a = GemmTest.random(m * k, 5), b = GemmTest.random(k * n, 6);
        float[] want = new float[m * n];
        Reference.sgemm(false, false, m, n, k, a, 0, k, b, 0, n, 0f, want, 0, n);
        float[][] got = new float[2][m * n];
        WorkerPool.global().parallelFor(2, (from, to, w) -> {
            for (int t = from; t < to; t++) Gemm.sgemm(false, false, m, n, k, a, 0, k, b, 0, n, 0f, got[t], 0, n);
        });
        for (float[] g : got)
            for (int i = 0; i < g.length; i++) assertEquals(want[i], g[i], 1e-3f, "index " + i);
    }
}
