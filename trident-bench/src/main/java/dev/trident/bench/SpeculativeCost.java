package dev.trident.bench;

import dev.trident.eval.Evaluator;
import dev.trident.infer.Decoder;
import dev.trident.infer.GenerationResult;
import dev.trident.infer.Generator;
import dev.trident.infer.KvCache;
import dev.trident.infer.ModelWeights;
import dev.trident.infer.SamplingOptions;
import dev.trident.infer.SpeculativeGenerator;
import dev.trident.kernels.WorkerPool;
import dev.trident.model.Model;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Where a speculative round's work goes, in thread CPU time on one thread (meaningful on a loaded machine, where
 * wall clock is not): a main forward over n = 1..5 tokens (verification of n - 1 drafts) against one decode step,
 * with the routed-expert bytes each reads; one MTP module over 1-2 rows with the head on every row or only the
 * frontier row; then plain against speculative greedy generation of validation prompts, alternating prompt by
 * prompt, as CPU microseconds per generated token.
 *
 *   java --add-modules=jdk.incubator.vector -cp trident-bench/target/benchmarks.jar \
 *       dev.trident.bench.SpeculativeCost MODEL_DIR DATA_FILE [PROMPTS=10] [TOKENS=80] [REPS=300]
 */
public final class SpeculativeCost {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        Model model = Model.load(Path.of(args[0]));
        byte[] val = Evaluator.validationSplit(Files.readAllBytes(Path.of(args[1])));
        int prompts = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int tokens = args.length > 3 ? Integer.parseInt(args[3]) : 80;
        int reps = args.length > 4 ? Integer.parseInt(args[4]) : 300;
        WorkerPool.setGlobalThreads(1); // every product on this thread, so its CPU time is the whole cost
        int d = model.config().dim(), depth = model.config().mtpDepth();
        if (depth == 0) throw new IllegalArgumentException(args[0] + " has no MTP modules");
        String[] texts = new String[prompts];
        for (int i = 0; i < prompts; i++) {
            int at = (int) ((long) val.length * i / prompts);
            texts[i] = new String(Arrays.copyOfRange(val, at, Math.min(val.length, at + 64)), StandardCharsets.UTF_8);
        }

        // Operations at a context of 48 tokens, interleaved repetitions.
        ModelWeights w = ModelWeights.of(model.transformer());
        Decoder dec = new Decoder(w, 64);
        int[] prompt = model.tokenizer().encode(texts[0]);
        int ctx = Math.min(48, prompt.length);
        KvCache main = dec.newCache(), mtp = dec.newMtpCache();
        dec.forwardLast(main, prompt, ctx);
        float[] h0 = Arrays.copyOf(dec.hidden(), 64 * d);
        dec.mtpForward(1, mtp, prompt, 1, h0, 0, ctx - 1);
        int base = main.length(), mtpBase = mtp.length();
        int[] feed = Arrays.copyOfRange(prompt, 0, 8);
        long[] fwd = new long[6], bytes = new long[6], mtpAll = new long[3], mtpLast = new long[3];
        for (int r = 0; r < reps; r++) {
            for (int n = 1; n <= 5; n++) {
                feed[0] = prompt[(r + n) % ctx]; // vary the tokens (and so the experts) between repetitions
                dec.takeExpertBytesRead();
                long t = CPU.getCurrentThreadCpuTime();
                dec.forward(main, feed, n);
                fwd[n] += CPU.getCurrentThreadCpuTime() - t;
                bytes[n] += dec.takeExpertBytesRead();
                main.truncate(base);
            }
            for (int n = 1; n <= 2; n++) {
                long t = CPU.getCurrentThreadCpuTime();
                dec.mtpForward(1, mtp, feed, 0, h0, 0, n, n);
                mtpAll[n] += CPU.getCurrentThreadCpuTime() - t;
                mtp.truncate(mtpBase);
                t = CPU.getCurrentThreadCpuTime();
                dec.mtpForward(1, mtp, feed, 0, h0, 0, n, 1);
                mtpLast[n] += CPU.getCurrentThreadCpuTime() - t;
                mtp.truncate(mtpBase);
            }
        }
        System.out.printf(Locale.ROOT, "model %s, 1 thread, thread CPU time, %d interleaved repetitions at context %d%n", args[0], reps, ctx);
        System.out.println("| operation | CPU us | x one decode step | routed-expert MB read |");
        System.out.println("|---|---|---|---|");
        for (int n = 1; n <= 5; n++)
            System.out.printf(Locale.ROOT, "| main forward, %d token%s | %.0f | %.2f | %.2f |%n", n, n > 1 ? "s" : "", fwd[n] / 1e3 / reps,
                    (double) fwd[n] / fwd[1], bytes[n] / 1e6 / reps);
        for (int n = 1; n <= 2; n++) {
            System.out.printf(Locale.ROOT, "| MTP module, %d row%s, head on every row | %.0f | %.2f | |%n", n, n > 1 ? "s" : "", mtpAll[n] / 1e3 / reps, (double) mtpAll[n] / fwd[1]);
            if (n > 1) System.out.printf(Locale.ROOT, "| MTP module, %d rows, head on the last | %.0f | %.2f | |%n", n, mtpLast[n] / 1e3 / reps, (double) mtpLast[n] / fwd[1]);
        }

        // Whole generations, plain and speculative alternating, CPU time per generated token (prefill included).
        SamplingOptions greedy = new SamplingOptions(Math.min(tokens, model.config().maxSeqLen() - 40), 0, 0, 1, 0, false);
        Generator plain = new Generator(model, w);
        System.out.println();
        System.out.println("| drafts D | acceptance per depth | tokens / main forward | plain CPU us/token | speculative CPU us/token | speed-up |");
        System.out.println("|---|---|---|---|---|---|");
        for (int dd = 1; dd <= depth; dd++) {
            SpeculativeGenerator spec = new SpeculativeGenerator(model, w, dd);
            for (int i = 0; i < 2; i++) { plain.generate(texts[i], greedy, null); spec.generate(texts[i], greedy, null); } // warm-up
            long plainNs = 0, specNs = 0, produced = 0, forwards = 0;
            long[] proposed = new long[dd], accepted = new long[dd];
            for (String text : texts) {
                long t = CPU.getCurrentThreadCpuTime();
                GenerationResult p = plain.generate(text, greedy, null);
                long u = CPU.getCurrentThreadCpuTime();
                GenerationResult s = spec.generate(text, greedy, null);
                long v = CPU.getCurrentThreadCpuTime();
                if (!Arrays.equals(p.tokens(), s.tokens())) throw new IllegalStateException("speculative output differs from greedy");
                plainNs += u - t;
                specNs += v - u;
                produced += s.tokens().length;
                forwards += s.speculation().mainForwards();
                for (int j = 0; j < dd; j++) {
                    proposed[j] += s.speculation().proposed()[j];
                    accepted[j] += s.speculation().accepted()[j];
                }
            }
            StringBuilder acc = new StringBuilder();
            for (int j = 0; j < dd; j++) acc.append(j == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", (double) accepted[j] / Math.max(1, proposed[j])));
            System.out.printf(Locale.ROOT, "| %d | %s | %.2f | %.0f | %.0f | %.2fx |%n", dd, acc, (double) produced / forwards,
                    plainNs / 1e3 / produced, specNs / 1e3 / produced, (double) plainNs / specNs);
        }
    }
}
