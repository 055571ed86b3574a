package dev.trident.bench;

import dev.trident.kernels.ReadBandwidth;
import dev.trident.kernels.WorkerPool;
import dev.trident.kernels.quant.Matmul;
import dev.trident.kernels.quant.QuantGemv;
import dev.trident.quant.QuantizedMatrix;
import dev.trident.quant.WeightFormat;
import dev.trident.quant.WeightMatrix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * GEMV on every weight format beside the machine's read bandwidth, measured in the same process and interleaved
 * round by round (so a noisy neighbour hurts both alike); reports medians.
 *
 * <pre>
 * java --add-modules=jdk.incubator.vector -Xmx3g -cp trident-bench/target/benchmarks.jar \
 *     dev.trident.bench.BandwidthReport [rows=4096] [cols=11008] [threads=2] [rounds=15] [streamMB=1024]
 * </pre>
 */
public final class BandwidthReport {
    public static void main(String[] args) {
        int rows = arg(args, 0, 4096), cols = arg(args, 1, 11008), threads = arg(args, 2, 2), rounds = arg(args, 3, 15);
        long streamBytes = (long) arg(args, 4, 1024) << 20;
        WorkerPool.setGlobalThreads(threads);

        System.out.printf(Locale.ROOT, "GEMV %d x %d, %d threads, %d rounds, STREAM read over %d MB%n", rows, cols, threads, rounds, streamBytes >> 20);
        SplittableRandom rnd = new SplittableRandom(7);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) (rnd.nextGaussian() * 0.02);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextGaussian();

        Map<String, Runnable> cases = new LinkedHashMap<>();
        Map<String, Long> bytes = new LinkedHashMap<>();
        float[] y = new float[rows];
        ReadBandwidth stream = new ReadBandwidth(streamBytes);
        float[] sink = new float[1];
        cases.put("STREAM read", () -> sink[0] += stream.sum());
        bytes.put("STREAM read", stream.bytes());
        for (WeightFormat f : WeightFormat.all()) {
            long t0 = System.nanoTime();
            QuantizedMatrix m = f.quantize(w, rows, cols);
            System.out.printf(Locale.ROOT, "  quantized %-9s in %.1f s (%d MB)%n", f.name(), (System.nanoTime() - t0) * 1e-9, m.byteSize() >> 20);
            // the decoder's path (Matmul: no allocation, rows split over the pool)
            Matmul fp32 = new Matmul(1, cols, false), int8 = new Matmul(1, cols, true);
            WeightMatrix wm = WeightMatrix.of(m);
            cases.put(f.name(), () -> fp32.input(x, 0, 1, cols).multiply(wm, y, 0));
            bytes.put(f.name(), m.byteSize());
            if (QuantGemv.hasInt8Path(f)) {
                // activations quantized inside the timed call, as a decode step has to
                cases.put(f.name() + " int8", () -> int8.input(x, 0, 1, cols).multiply(wm, y, 0));
                bytes.put(f.name() + " int8", m.byteSize());
            }
        }
        w = null; // let the fp32 source go before timing

        Map<String, List<Double>> seconds = new LinkedHashMap<>();
        for (String k : cases.keySet()) seconds.put(k, new ArrayList<>());
        for (int round = -3; round < rounds; round++) { // 3 warm-up rounds
            for (Map.Entry<String, Runnable> e : cases.entrySet()) {
                int reps = e.getKey().equals("STREAM read") ? 1 : 3;
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) e.getValue().run();
                double s = (System.nanoTime() - t0) * 1e-9 / reps;
                if (round >= 0) seconds.get(e.getKey()).add(s);
            }
        }
        double streamGbs = bytes.get("STREAM read") / median(seconds.get("STREAM read")) * 1e-9;
        double f32Ms = median(seconds.get("F32")) * 1e3;
        System.out.printf(Locale.ROOT, "%n| %-13s | %9s | %9s | %8s | %7s | %10s |%n", "kernel", "MB read", "ms (med)", "GB/s", "of read", "vs F32");
        System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%n", "-".repeat(15), "-".repeat(11), "-".repeat(11), "-".repeat(10), "-".repeat(9), "-".repeat(12));
        for (String k : cases.keySet()) {
            double ms = median(seconds.get(k)) * 1e3;
            double gbs = bytes.get(k) / (ms * 1e-3) * 1e-9;
            System.out.printf(Locale.ROOT, "| %-13s | %9.1f | %9.2f | %8.2f | %6.0f%% | %9.2fx |%n", k, bytes.get(k) / 1048576.0, ms, gbs,
                    100 * gbs / streamGbs, k.equals("STREAM read") ? Double.NaN : f32Ms / ms);
        }
        System.out.println("(checksum " + sink[0] + " " + y[0] + ")");
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static int arg(String[] args, int i, int dflt) {
        return args.length > i ? Integer.parseInt(args[i]) : dflt;
    }
}
