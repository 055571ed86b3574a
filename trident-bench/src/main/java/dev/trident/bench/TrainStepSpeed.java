package dev.trident.bench;

import dev.trident.autograd.Tape;
import dev.trident.kernels.WorkerPool;
import dev.trident.model.ModelConfig;
import dev.trident.model.Presets;
import dev.trident.model.Transformer;
import dev.trident.nn.MixtureOfExperts;
import dev.trident.nn.Parameters.Parameter;
import dev.trident.train.AdamW;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One whole training step (forward, backward, gradient clipping, AdamW, the routers' bias update) of two presets at
 * their training batch, interleaved, with random tokens: the throughput ratio of a MoE preset against the dense one
 * without a 30-minute run. With one thread it times the thread's CPU time, so on a shared machine the time spent
 * waiting for a core is left out (cache contention is not).
 * <pre>java --add-modules=jdk.incubator.vector -Dtrident.threads=1 \
 *     -cp trident-bench/target/benchmarks.jar dev.trident.bench.TrainStepSpeed [PRESET_A] [PRESET_B] [STEPS]</pre>
 */
public final class TrainStepSpeed {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private TrainStepSpeed() {}

    private record Run(String name, Transformer model, List<Parameter> params, AdamW opt, int batch, int seq, float dropout) {}

    public static void main(String[] args) {
        String a = args.length > 0 ? args[0] : "small", b = args.length > 1 ? args[1] : "small-moe";
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        Run ra = run(a), rb = run(b);
        Tape tape = new Tape();
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < 3; i++) { step(ra, tape, rng); step(rb, tape, rng); } // warm-up
        double[] ta = new double[steps], tb = new double[steps], ratio = new double[steps];
        for (int i = 0; i < steps; i++) {
            ta[i] = step(ra, tape, rng);
            tb[i] = step(rb, tape, rng);
            ratio[i] = ta[i] / tb[i];
        }
        System.out.printf("threads=%d  %s step median %.0f ms  %s step median %.0f ms  %s tokens/s relative to %s: %.3f (median of pairs)%n",
                WorkerPool.global().threads(), a, median(ta), b, median(tb), b, a, median(ratio));
    }

    private static Run run(String preset) {
        Presets.Preset p = Presets.get(preset);
        ModelConfig mc = p.model().withMaxSeqLen(p.train().seqLen());
        Transformer model = new Transformer(mc, 1);
        List<Parameter> params = model.params.all();
        return new Run(preset, model, params, new AdamW(params, 0.9, 0.95, 1e-8, 0.1),
                p.train().batchSize(), p.train().seqLen(), p.train().dropout());
    }

    /** One step; returns milliseconds (thread CPU time with one thread, else wall-clock). */
    private static double step(Run r, Tape tape, SplittableRandom rng) {
        int n = r.batch * r.seq, vocab = r.model.config.vocabSize();
        int[] tokens = new int[n], targets = new int[n];
        for (int i = 0; i < n; i++) { tokens[i] = rng.nextInt(vocab); targets[i] = rng.nextInt(vocab); }
        boolean cpu = WorkerPool.global().threads() == 1;
        long t0 = cpu ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
        r.model.params.zeroGrads();
        Transformer.Loss loss = r.model.loss(tape, tokens, targets, r.batch, r.seq, r.dropout, 7, 0.3f);
        tape.backward(loss.total());
        tape.reset();
        AdamW.clipGradNorm(r.params, 1.0);
        r.opt.step(1e-3);
        for (MixtureOfExperts m : r.model.moeLayers(true)) m.router.updateBias(m.router.takeLoad());
        return ((cpu ? THREADS.getCurrentThreadCpuTime() : System.nanoTime()) - t0) / 1e6;
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
