package dev.trident.bench;

import dev.trident.kernels.BatchedGemv;
import dev.trident.kernels.WorkerPool;

import java.util.SplittableRandom;

/**
 * The fp32 decode GEMV ({@link BatchedGemv}) alone: one pass multiplies n token rows by each of MATRICES weight
 * matrices of ROWS x COLS in turn (4 of 256 x 256 stay in L2, 72 in L3, 400 stream from DRAM), on one thread;
 * prints microseconds per pass for n = 1, 2, 4, 8, medians of rounds of 0.3 s after two warm-up rounds.
 * <pre>java --add-modules=jdk.incubator.vector -cp trident-bench/target/benchmarks.jar \
 *     dev.trident.bench.BatchedGemvSpeed MATRICES [ROWS] [COLS]</pre>
 */
public final class BatchedGemvSpeed {
    private BatchedGemvSpeed() {}

    public static void main(String[] args) {
        WorkerPool.setGlobalThreads(1);
        int mats = Integer.parseInt(args[0]);
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 256, cols = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        SplittableRandom r = new SplittableRandom(3);
        float[][] w = new float[mats][rows * cols];
        for (float[] m : w) for (int i = 0; i < m.length; i++) m[i] = (float) r.nextGaussian();
        float[] x = new float[8 * cols], y = new float[8 * rows];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] ns = {1, 2, 4, 8};
        int rounds = 5;
        double[][] us = new double[ns.length][rounds];
        for (int round = -2; round < rounds; round++)
            for (int ni = 0; ni < ns.length; ni++) {
                long t0 = System.nanoTime();
                int passes = 0;
                while (System.nanoTime() - t0 < 300_000_000L) {
                    for (float[] m : w) BatchedGemv.multiply(ns[ni], rows, cols, m, x, 0, y, 0);
                    passes++;
                }
                if (round >= 0) us[ni][round] = (System.nanoTime() - t0) / 1e3 / passes;
            }
        double mb = (double) mats * rows * cols * 4 / 1e6;
        System.out.printf(java.util.Locale.ROOT, "%d matrices of %d x %d (%.1f MB of weights), one thread%n", mats, rows, cols, mb);
        for (int ni = 0; ni < ns.length; ni++) {
            java.util.Arrays.sort(us[ni]);
            double med = us[ni][rounds / 2];
            System.out.printf(java.util.Locale.ROOT, "n = %d: %8.1f us per pass (%.1f GB/s of weights)%n", ns[ni], med, mb * 1e3 / med);
        }
    }
}
