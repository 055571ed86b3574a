package dev.trident.bench;

import dev.trident.kernels.ReadBandwidth;
import dev.trident.kernels.WorkerPool;
import dev.trident.kernels.quant.Matmul;
import dev.trident.kernels.quant.QuantGemv;
import dev.trident.quant.QuantizedMatrix;
import dev.trident.quant.WeightFormat;
import dev.trident.quant.WeightMatrix;
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
 * JMH view of {@link QuantGemv} on a 4096 x 11008 matrix by default (bigger than L3 in every format), with the STREAM-style
 * read as the {@code stream} benchmark in the same run. Secondary metric {@code gbytes}: GB/s of weights streamed.
 * For the side-by-side table with medians and ratios use {@link BandwidthReport}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx3g"})
@State(Scope.Benchmark)
public class QuantGemvBenchmark {
    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "FP8_BLOCK", "Q8_0:int8", "Q4_0:int8", "Q4_K:int8"})
    public String format;

    @Param({"2"})
    public int threads;

    /** 4096 x 11008 streams from DRAM; e.g. {@code -p rows=64 -p cols=2048 -p threads=1} keeps W in L2 (the kernel's own speed). */
    @Param({"4096"})
    public int rows;

    @Param({"11008"})
    public int cols;

    /** Activation rows per product (batched decode, speculative verification): W is read once for all of them. */
    @Param({"1"})
    public int batch;

    QuantizedMatrix m;
    WeightMatrix wm;
    Matmul mm;
    float[] x, y;
    boolean int8;
    ReadBandwidth stream;

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
        WorkerPool.setGlobalThreads(threads);
        SplittableRandom r = new SplittableRandom(7);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.02);
        x = new float[batch * cols];
        y = new float[batch * rows];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        String[] f = format.split(":");
        int8 = f.length > 1;
        m = WeightFormat.byName(f[0]).quantize(w, rows, cols);
        wm = WeightMatrix.of(m);
        mm = new Matmul(batch, cols, int8);
        stream = new ReadBandwidth(1L << 30);
    }

    @Benchmark
    public float[] gemv(Bytes bytes) {
        mm.input(x, 0, batch, cols).multiply(wm, y, 0); // the decoder's path: activations quantized inside the call
        bytes.gbytes += m.byteSize() * 1e-9;
        return y;
    }

    @Benchmark
    public float stream(Bytes bytes) {
        bytes.gbytes += stream.bytes() * 1e-9;
        return stream.sum();
    }
}
