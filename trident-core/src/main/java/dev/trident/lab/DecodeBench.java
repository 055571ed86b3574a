package dev.trident.lab;

import dev.trident.TridentException;
import dev.trident.infer.GenerationResult;
import dev.trident.infer.SamplingOptions;
import dev.trident.infer.SpeedBenchmark;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Single-stream greedy decode speed of several models, measured together: after a warm-up of each, the prompts are
 * taken one by one and every model decodes each in turn (plain, then speculative where it has MTP modules), so a
 * change in machine load hits all of them alike. Prompts are cut from the validation text.
 */
public final class DecodeBench {
    private DecodeBench() {}

    /** One model to measure: its engine and the speculative depth (0 = plain only). */
    public record Job(String id, Serving.Engine engine, int specDepth) {}

    /**
     * What one model did over all prompts. tokensPerSecond: plain decode; meanContext: mean number of cached
     * positions attention read per generated token; the speculative figures are NaN without MTP.
     */
    public record Measurement(double tokensPerSecond, double meanContext, double specTokensPerSecond,
                              double acceptance, double tokensPerForward, long tokens) {}

    /** count prompts of promptBytes bytes, evenly spaced through the validation text, each followed by maxTokens. */
    public record Prompts(List<String> texts, int maxTokens) {
        public static Prompts fromValidation(byte[] validation, int count, int promptBytes, int maxTokens) {
            if (validation.length < promptBytes) throw new TridentException("validation text of " + validation.length + " bytes is too short for decode prompts");
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int at = (int) ((long) (validation.length - promptBytes) * i / Math.max(1, count));
                texts.add(new String(Arrays.copyOfRange(validation, at, at + promptBytes), StandardCharsets.UTF_8));
            }
            return new Prompts(texts, maxTokens);
        }
    }

    /** Measures every job; progress receives the number of generations done (of prompts x jobs x kinds). */
    public static Map<String, Measurement> measure(List<Job> jobs, Prompts prompts, IntConsumer progress) {
        SamplingOptions greedy = new SamplingOptions(prompts.maxTokens(), 0, 0, 1, 0, false);
        SamplingOptions warm = new SamplingOptions(Math.min(8, prompts.maxTokens()), 0, 0, 1, 0, false);
        long warmStart = System.nanoTime();
        do { // warm-up, as long as trident bench's: the JIT compiles every path before anything is timed
            for (Job j : jobs) {
                j.engine().plain(prompts.texts().getFirst(), warm);
                if (j.specDepth() > 0) j.engine().speculative(prompts.texts().getFirst(), warm, j.specDepth());
            }
        } while (System.nanoTime() - warmStart < SpeedBenchmark.WARM_UP_NANOS);
        int n = jobs.size();
        double[] plainSeconds = new double[n], specSeconds = new double[n], contextSum = new double[n];
        long[] plainTokens = new long[n], specTokens = new long[n], proposed = new long[n], accepted = new long[n], forwards = new long[n];
        int done = 0;
        for (String prompt : prompts.texts()) {
            for (int i = 0; i < n; i++) {
                Job j = jobs.get(i);
                GenerationResult p = j.engine().plain(prompt, greedy);
                plainSeconds[i] += p.decodeSeconds();
                plainTokens[i] += p.tokens().length;
                // Generated token t (0-based) attends over promptTokens + t cached positions.
                contextSum[i] += p.tokens().length * (p.promptTokens() + (p.tokens().length - 1) / 2.0);
                progress.accept(++done);
                if (j.specDepth() > 0) {
                    GenerationResult s = j.engine().speculative(prompt, greedy, j.specDepth());
                    specSeconds[i] += s.decodeSeconds();
                    specTokens[i] += s.tokens().length;
                    forwards[i] += s.speculation().mainForwards();
                    proposed[i] += Arrays.stream(s.speculation().proposed()).sum();
                    accepted[i] += Arrays.stream(s.speculation().accepted()).sum();
                    progress.accept(++done);
                }
            }
        }
        Map<String, Measurement> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            boolean spec = jobs.get(i).specDepth() > 0;
            out.put(jobs.get(i).id(), new Measurement(plainTokens[i] / plainSeconds[i], contextSum[i] / plainTokens[i],
                    spec ? specTokens[i] / specSeconds[i] : Double.NaN,
                    spec ? (double) accepted[i] / Math.max(1, proposed[i]) : Double.NaN,
                    spec ? (double) specTokens[i] / forwards[i] : Double.NaN, plainTokens[i]));
        }
        return out;
    }

    /** Generations {@link #measure} runs after its warm-up (for a progress bar). */
    public static int generations(List<Job> jobs, Prompts prompts) {
        int perPrompt = 0;
        for (Job j : jobs) perPrompt += j.specDepth() > 0 ? 2 : 1;
        return perPrompt * prompts.texts().size();
    }
}
