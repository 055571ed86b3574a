package dev.trident.bench;

import dev.trident.kernels.Gemm;
import dev.trident.kernels.WorkerPool;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Plain timing of {@link Gemm#sgemm} (A * B, beta 0) for the numpy comparison script: warm-up, then the median of
 * several timed runs, printed as one machine-readable line {@code trident m n k threads gflops_median gflops_best}.
 *
 * <p>Usage: {@code GemmCompare [m n k] [threads] [runs]} (defaults 1024 1024 1024, 2, 15).
 */
public final class GemmCompare {
    private GemmCompare() {}

    public static void main(String[] args) {
        int m = args.length > 2 ? Integer.parseInt(args[0]) : 1024;
        int n = args.length > 2 ? Integer.parseInt(args[1]) : 1024;
        int k = args.length > 2 ? Integer.parseInt(args[2]) : 1024;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        int runs = args.length > 4 ? Integer.parseInt(args[4]) : 15;
        WorkerPool.setGlobalThreads(threads);
        SplittableRandom r = new SplittableRandom(1);
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextDouble();
        double flops = 2.0 * m * n * k;
        // Warm up for at least 3 s and 20 calls so C2 has compiled the kernel and the packing loops (on a busy machine
        // the compile queue is slow: C2 code for the kernel has been seen to arrive only after 3.5 s).
        long warmEnd = System.nanoTime() + 3_000_000_000L;
        int warm = 0;
        while (System.nanoTime() < warmEnd || warm < 20) {
            Gemm.sgemm(false, false, m, n, k, a, 0, k, b, 0, n, 0f, c, 0, n);
            warm++;
        }
        double[] gf = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            Gemm.sgemm(false, false, m, n, k, a, 0, k, b, 0, n, 0f, c, 0, n);
            gf[i] = flops / (System.nanoTime() - t0);
        }
        Arrays.sort(gf);
        System.out.printf("trident %d %d %d %d %.1f %.1f%n", m, n, k, threads, gf[runs / 2], gf[runs - 1]);
    }
}
