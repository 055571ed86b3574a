package dev.trident.bench;

import dev.trident.kernels.CrossEntropy;
import dev.trident.kernels.DecodeAttention;
import dev.trident.kernels.FlashAttention;
import dev.trident.kernels.Reference;
import dev.trident.kernels.RmsNormKernel;
import dev.trident.kernels.RopeKernel;
import dev.trident.kernels.RopeTable;
import dev.trident.kernels.Simd;
import dev.trident.kernels.Softmax;
import dev.trident.kernels.SwiGluKernel;
import dev.trident.kernels.WorkerPool;

import java.util.Random;

/**
 * Quick ratios of every fast kernel against its scalar {@link Reference} twin: best of N runs after 0.6 s of warm-up
 * each. Not JMH, just enough to spot a regression in a minute. Run (after ./mvnw -pl trident-core,trident-bench
 * package -DskipTests):
 * <pre>java --add-modules=jdk.incubator.vector -Dtrident.threads=1 \
 *     -cp trident-bench/target/benchmarks.jar dev.trident.bench.KernelSpeedCheck</pre>
 */
public final class KernelSpeedCheck {
    private KernelSpeedCheck() {}

    public static void main(String[] args) {
        Random r = new Random(1);
        System.out.println("threads=" + WorkerPool.global().threads() + " lanes=" + Simd.LANES);
        int n = 1 << 21;
        float[] g = gaussian(r, n), u = gaussian(r, n), dOut = gaussian(r, n);
        float[] o = new float[n], d1 = new float[n], d2 = new float[n];
        report("swiglu fwd n=2M", () -> Reference.swigluForward(g, u, o, n),
                () -> SwiGluKernel.forward(g, u, o, n), 5, 20);
        report("swiglu bwd n=2M", () -> Reference.swigluBackward(g, u, dOut, d1, d2, n),
                () -> SwiGluKernel.backward(g, u, dOut, d1, d2, n), 5, 20);

        int rows = 4096, dim = 512;
        float[] x = gaussian(r, rows * dim), w = gaussian(r, dim), dy = gaussian(r, rows * dim);
        float[] y = new float[rows * dim], inv = new float[rows], dx = new float[rows * dim], dw = new float[dim];
        report("rmsnorm fwd 4096x512", () -> Reference.rmsNormForward(x, w, y, inv, rows, dim, 1e-5f),
                () -> RmsNormKernel.forward(x, w, y, inv, rows, dim, 1e-5f), 5, 20);
        report("rmsnorm bwd 4096x512", () -> Reference.rmsNormBackward(x, w, inv, dy, dx, dw, rows, dim),
                () -> RmsNormKernel.backward(x, w, inv, dy, dx, dw, rows, dim), 5, 20);

        RopeTable table = new RopeTable(64, 512, 10000);
        float[] xr = gaussian(r, 4096 * 8 * 64);
        report("rope 4096 rows x 8 heads x 64", () -> Reference.rope(xr, 4096, 8, 64, 0, 512, table, false),
                () -> RopeKernel.apply(xr, 4096, 8, 64, 0, 512, table, false), 5, 20);

        float[] sm = gaussian(r, 32000);
        report("softmax n=32000", () -> Reference.softmax(sm, 0, 32000), () -> Softmax.inPlace(sm, 0, 32000), 20, 100);

        int ceRows = 256, vocab = 32000;
        float[] logits = gaussian(r, ceRows * vocab), dl = new float[ceRows * vocab];
        int[] t = new int[ceRows];
        for (int i = 0; i < ceRows; i++) t[i] = r.nextInt(vocab);
        report("cross-entropy 256x32000 +grad", () -> Reference.crossEntropy(logits, t, ceRows, vocab, dl),
                () -> CrossEntropy.forwardBackward(logits, t, ceRows, vocab, dl), 3, 10);

        int b = 4, tt = 256, h = 8, hkv = 2, d = 64;
        float[] q = gaussian(r, b * tt * h * d), k = gaussian(r, b * tt * hkv * d), v = gaussian(r, b * tt * hkv * d);
        float[] out = new float[q.length], lse = new float[b * h * tt], dO = gaussian(r, q.length);
        float[] dq = new float[q.length], dk = new float[k.length], dv = new float[v.length];
        float sc = 0.125f;
        report("flash fwd B4 T256 H8 Hkv2 D64", () -> Reference.attentionForward(q, k, v, out, lse, b, tt, h, hkv, d, sc),
                () -> FlashAttention.forward(q, k, v, out, lse, b, tt, h, hkv, d, sc), 2, 10);
        report("flash bwd B4 T256 H8 Hkv2 D64",
                () -> Reference.attentionBackward(q, k, v, out, lse, dO, dq, dk, dv, b, tt, h, hkv, d, sc),
                () -> FlashAttention.backward(q, k, v, out, lse, dO, dq, dk, dv, b, tt, h, hkv, d, sc), 2, 10);

        int len = 2048;
        float[] kc = gaussian(r, len * hkv * d), vc = gaussian(r, len * hkv * d), qd = gaussian(r, h * d);
        float[] od = new float[h * d];
        report("decode len=2048 H8 Hkv2 D64",
                () -> Reference.decodeAttention(qd, 0, kc, vc, 0, hkv * d, len, h, hkv, d, sc, od, 0),
                () -> DecodeAttention.attend(qd, 0, kc, vc, 0, hkv * d, len, h, hkv, d, sc, od, 0), 10, 200);
    }

    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    private static double bestMillis(Runnable body, int reps) {
        long end = System.nanoTime() + 600_000_000L; // let C2 compile the kernel first
        while (System.nanoTime() < end) body.run();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            body.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best / 1e6;
    }

    private static void report(String name, Runnable ref, Runnable fast, int refReps, int fastReps) {
        double a = bestMillis(ref, refReps), b = bestMillis(fast, fastReps);
        System.out.printf("%-32s reference %9.3f ms   fast %8.3f ms   x%.1f%n", name, a, b, a / b);
    }
}
