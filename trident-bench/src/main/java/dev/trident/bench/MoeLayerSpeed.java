package dev.trident.bench;

import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.WorkerPool;
import dev.trident.model.Presets;
import dev.trident.nn.FeedForward;
import dev.trident.nn.FeedForwardSpec;
import dev.trident.nn.MixtureOfExperts;
import dev.trident.nn.MoeSpec;
import dev.trident.nn.Parameters;

import java.util.Arrays;
import java.util.Random;

/**
 * One training step's worth of a feed-forward layer, forward and backward, for a MoE preset's layer against the
 * dense FFN of the preset with the same active parameters (by default small-moe vs small): the tokens of one batch
 * through router + shared + routed experts versus one SwiGLU. Runs the two interleaved and prints the medians and
 * their ratio, so both see the same machine. Not JMH, a quick check while working on the dispatch:
 * <pre>java --add-modules=jdk.incubator.vector -Dtrident.threads=1 \
 *     -cp trident-bench/target/benchmarks.jar dev.trident.bench.MoeLayerSpeed [MOE_PRESET] [DENSE_PRESET] [REPS]</pre>
 */
public final class MoeLayerSpeed {
    private MoeLayerSpeed() {}

    public static void main(String[] args) {
        String moePreset = args.length > 0 ? args[0] : "small-moe", densePreset = args.length > 1 ? args[1] : "small";
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 40;
        Presets.Preset mp = Presets.get(moePreset), dp = Presets.get(densePreset);
        MoeSpec spec = mp.model().moe();
        int d = spec.dim(), tokens = mp.train().batchSize() * mp.train().seqLen();
        Parameters params = new Parameters(1);
        MixtureOfExperts moe = new MixtureOfExperts(params, "moe", spec.withBalancing(0, 0), 0.02, 0.02);
        FeedForward dense = new FeedForward(params, "ffn", new FeedForwardSpec(d, dp.model().hiddenDim()), 0.02, 0.02);
        Random r = new Random(2);
        Tensor x = Tensor.zeros(true, tokens, d);
        for (int i = 0; i < x.size(); i++) x.data[i] = (float) r.nextGaussian();
        float[] dOut = new float[tokens * d];
        for (int i = 0; i < dOut.length; i++) dOut[i] = (float) r.nextGaussian();
        Tape tape = new Tape();
        Runnable runMoe = () -> step(tape, moe.forward(tape, x, 1, tokens), dOut);
        Runnable runDense = () -> step(tape, dense.forward(tape, x), dOut);
        long until = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < until) { runMoe.run(); runDense.run(); }
        double[] tm = new double[reps], td = new double[reps];
        for (int i = 0; i < reps; i++) {
            tm[i] = millis(runMoe);
            td[i] = millis(runDense);
        }
        double[] ratio = new double[reps];
        for (int i = 0; i < reps; i++) ratio[i] = td[i] / tm[i];
        System.out.printf("threads=%d tokens=%d  %s FFN median %.2f ms (best %.2f)  %s FFN median %.2f ms (best %.2f)"
                        + "  dense/moe: median of pairs %.3f, best/best %.3f%n",
                WorkerPool.global().threads(), tokens, densePreset, median(td), min(td), moePreset, median(tm), min(tm),
                median(ratio), min(td) / min(tm));
    }

    private static void step(Tape tape, Tensor y, float[] dOut) {
        Tensor loss = tape.tensor(1);
        loss.data[0] = 0;
        tape.record(() -> System.arraycopy(dOut, 0, tape.grad(y), 0, dOut.length));
        tape.backward(loss);
        tape.reset();
    }

    /**
     * Milliseconds of the body: CPU time of this thread when the pool has one thread (on a shared machine that leaves
     * out the time the thread waited for a core), wall-clock otherwise.
     */
    private static double millis(Runnable body) {
        boolean cpu = WorkerPool.global().threads() == 1 && THREADS.isCurrentThreadCpuTimeSupported();
        long t0 = cpu ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
        body.run();
        return ((cpu ? THREADS.getCurrentThreadCpuTime() : System.nanoTime()) - t0) / 1e6;
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    private static double min(double[] a) {
        return Arrays.stream(a).min().orElse(Double.NaN);
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
