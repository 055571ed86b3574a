package dev.trident.bench;

import dev.trident.eval.Evaluator;
import dev.trident.infer.GenerationResult;
import dev.trident.infer.Generator;
import dev.trident.infer.SamplingOptions;
import dev.trident.infer.SpeculativeGenerator;
import dev.trident.kernels.WorkerPool;
import dev.trident.model.Model;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Self-speculative decoding against plain decoding of the same model, greedy, on prompts cut from the validation
 * part of a corpus: per draft depth, the acceptance rate, tokens per main-model forward and wall-clock speed-up.
 * Plain and speculative runs alternate prompt by prompt after a warm-up, so machine noise hits both.
 *
 *   java --add-modules=jdk.incubator.vector -cp trident-bench/target/benchmarks.jar \
 *       dev.trident.bench.SpeculativeCompare MODEL_DIR DATA_FILE [PROMPTS=20] [TOKENS=100] [THREADS=2]
 */
public final class SpeculativeCompare {
    public static void main(String[] args) throws Exception {
        Model model = Model.load(Path.of(args[0]));
        byte[] val = Evaluator.validationSplit(Files.readAllBytes(Path.of(args[1])));
        int prompts = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int tokens = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        WorkerPool.setGlobalThreads(args.length > 4 ? Integer.parseInt(args[4]) : 2);
        int maxDepth = model.config().mtpDepth();
        if (maxDepth == 0) throw new IllegalArgumentException(args[0] + " has no MTP modules");
        String[] texts = new String[prompts];
        for (int i = 0; i < prompts; i++) {
            int at = (int) ((long) val.length * i / prompts);
            texts[i] = new String(Arrays.copyOfRange(val, at, Math.min(val.length, at + 64)), StandardCharsets.UTF_8);
        }
        SamplingOptions greedy = new SamplingOptions(Math.min(tokens, model.config().maxSeqLen() - 40), 0, 0, 1, 0, false);
        long warm = System.nanoTime();
        for (int w = 0; w < 3 || System.nanoTime() - warm < 5_000_000_000L; w++) { // warm-up of every path, >= 5 s (JIT)
            new Generator(model).generate(texts[w % prompts], greedy, null);
            for (int d = 1; d <= maxDepth; d++) new SpeculativeGenerator(model, d).generate(texts[w % prompts], greedy, null);
        }
        System.out.printf(Locale.ROOT, "model %s, %d validation prompts x %d greedy tokens, %d threads%n", args[0], prompts,
                greedy.maxTokens(), WorkerPool.global().threads());
        System.out.println("| drafts D | acceptance per depth | tokens / main forward | plain tok/s | speculative tok/s | speed-up |");
        System.out.println("|---|---|---|---|---|---|");
        for (int d = 1; d <= maxDepth; d++) {
            double plainSeconds = 0, specSeconds = 0;
            long produced = 0, forwards = 0;
            long[] proposed = new long[d], accepted = new long[d];
            for (String text : texts) {
                GenerationResult p = new Generator(model).generate(text, greedy, null);
                GenerationResult s = new SpeculativeGenerator(model, d).generate(text, greedy, null);
                if (!Arrays.equals(p.tokens(), s.tokens())) throw new IllegalStateException("speculative output differs from greedy");
                plainSeconds += p.decodeSeconds();
                specSeconds += s.decodeSeconds();
                produced += s.tokens().length;
                forwards += s.speculation().mainForwards();
                for (int j = 0; j < d; j++) {
                    proposed[j] += s.speculation().proposed()[j];
                    accepted[j] += s.speculation().accepted()[j];
                }
            }
            StringBuilder acc = new StringBuilder();
            for (int j = 0; j < d; j++) acc.append(j == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", (double) accepted[j] / Math.max(1, proposed[j])));
            System.out.printf(Locale.ROOT, "| %d | %s | %.2f | %.1f | %.1f | %.2fx |%n", d, acc, (double) produced / forwards,
                    produced / plainSeconds, produced / specSeconds, plainSeconds / specSeconds);
        }
    }
}
