package dev.trident.bench;

import dev.trident.kernels.Gemm;
import dev.trident.kernels.WorkerPool;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of {@link Gemm#gemv} (the decode path). GEMV reads every weight once, so the figure of merit is
 * bandwidth: the secondary metric {@code gbytes} is GB/s of W streamed. 1024x1024 (4 MB) fits in L2+L3,
 * 4096x4096 (64 MB) and 16384x2048 (128 MB) come from DRAM.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
@State(Scope.Benchmark)
public class GemvBenchmark {
    @Param({"1024x1024", "4096x4096", "16384x2048"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    int rows, cols;
    float[] w, x, y;

    /** Counts GB of weights read; JMH reports it per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Bytes {
        public double gbytes;

        @Setup(Level.Iteration)
        public void reset() {
            gbytes = 0;
        }
    }

    @Setup
    public void setUp() {
        String[] s = shape.split("x");
        rows = Integer.parseInt(s[0]);
        cols = Integer.parseInt(s[1]);
        WorkerPool.setGlobalThreads(threads);
        SplittableRandom r = new SplittableRandom(7);
        w = new float[rows * cols];
        x = new float[cols];
        y = new float[rows];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextDouble() - 0.5);
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() - 0.5);
    }

    @Benchmark
    public float[] gemv(Bytes bytes) {
        Gemm.gemv(rows, cols, w, 0, x, 0, y, 0);
        bytes.gbytes += 4.0 * rows * cols * 1e-9;
        return y;
    }
}
