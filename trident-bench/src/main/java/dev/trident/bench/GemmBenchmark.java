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
 * Throughput of {@link Gemm#sgemm}. Besides ops/s, JMH prints the secondary metric {@code gflop} in units of
 * GFLOP/s (an {@link AuxCounters} rate), so no arithmetic is needed to read it.
 *
 * <p>Shapes are m x n x k; besides 1024^3, two training shapes of a small model (tokens x d_model x d_model
 * and tokens x d_ff x d_model). {@code op} is the transpose pattern: NN = A B, NT = A B^T (activations x
 * weight^T), TN = A^T B (weight gradients).
 *
 * <pre>java --add-modules=jdk.incubator.vector -jar trident-bench/target/benchmarks.jar GemmBenchmark</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@State(Scope.Benchmark)
public class GemmBenchmark {
    @Param({"1024x1024x1024", "4096x384x384", "4096x1536x384"})
    public String shape;

    @Param({"NN", "NT", "TN"})
    public String op;

    @Param({"2"})
    public int threads;

    int m, n, k;
    boolean ta, tb;
    float[] a, b, c;

    /** Counts GFLOP done; JMH reports it per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Flops {
        public double gflop;

        @Setup(Level.Iteration)
        public void reset() {
            gflop = 0;
        }
    }

    @Setup
    public void setUp() {
        String[] s = shape.split("x");
        m = Integer.parseInt(s[0]);
        n = Integer.parseInt(s[1]);
        k = Integer.parseInt(s[2]);
        ta = op.charAt(0) == 'T';
        tb = op.charAt(1) == 'T';
        WorkerPool.setGlobalThreads(threads);
        SplittableRandom r = new SplittableRandom(42);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble() - 0.5);
        for (int i = 0; i < b.length; i++) b[i] = (float) (r.nextDouble() - 0.5);
    }

    @Benchmark
    public float[] sgemm(Flops flops) {
        int lda = ta ? m : k, ldb = tb ? k : n;
        Gemm.sgemm(ta, tb, m, n, k, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
        flops.gflop += 2.0 * m * n * k * 1e-9;
        return c;
    }
}
