package dev.trident.bench;

import dev.trident.kernels.FlashAttention;
import dev.trident.kernels.Reference;
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
 * FlashAttention (Vector API, tiled, pool-parallel) against the scalar reference, forward and backward, on a
 * typical training shape. Run: java -jar trident-bench/target/benchmarks.jar AttentionBenchmark
 * (add -p seq=128 etc. to vary). For a single-thread comparison add
 * {@code -jvmArgsAppend "--add-modules=jdk.incubator.vector -Dtrident.threads=1"}: a -jvmArgsAppend on the command
 * line replaces the one below, so it must repeat the module flag.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class AttentionBenchmark {
    @Param({"4"})
    int batch;
    @Param({"256"})
    int seq;
    @Param({"8"})
    int heads;
    @Param({"2"})
    int kvHeads;
    @Param({"64"})
    int headDim;

    float[] q, k, v, out, lse, dOut, dq, dk, dv;
    float scale;

    @Setup(Level.Trial)
    public void setup() {
        SplittableRandom rnd = new SplittableRandom(1);
        int qn = batch * seq * heads * headDim, kvn = batch * seq * kvHeads * headDim;
        q = random(rnd, qn);
        k = random(rnd, kvn);
        v = random(rnd, kvn);
        dOut = random(rnd, qn);
        out = new float[qn];
        lse = new float[batch * heads * seq];
        dq = new float[qn];
        dk = new float[kvn];
        dv = new float[kvn];
        scale = (float) (1 / Math.sqrt(headDim));
        FlashAttention.forward(q, k, v, out, lse, batch, seq, heads, kvHeads, headDim, scale);
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
        return a;
    }

    @Benchmark
    public float[] flashForward() {
        FlashAttention.forward(q, k, v, out, lse, batch, seq, heads, kvHeads, headDim, scale);
        return out;
    }

    @Benchmark
    public float[] referenceForward() {
        Reference.attentionForward(q, k, v, out, lse, batch, seq, heads, kvHeads, headDim, scale);
        return out;
    }

    @Benchmark
    public float[] flashBackward() {
        FlashAttention.backward(q, k, v, out, lse, dOut, dq, dk, dv, batch, seq, heads, kvHeads, headDim, scale);
        return dq;
    }

    @Benchmark
    public float[] referenceBackward() {
        Reference.attentionBackward(q, k, v, out, lse, dOut, dq, dk, dv, batch, seq, heads, kvHeads, headDim, scale);
        return dq;
    }
}
