package dev.trident.infer;

import dev.trident.TridentException;
import dev.trident.engine.TestModels;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Continuous batching for batch jobs: every outcome is exactly (same tokens, same text, same stop) what
 * {@link Generator} gives for that prompt and seed alone, whatever the prompts around it, in request order; prompts
 * the engine refuses give Generator's message; null prompts pass through.
 */
class BatchGeneratorTest {
    private static final String WORDS = "what light through yonder window breaks it is the east and Juliet sun ROMEO Hello how are you quick brown fox";

    @Test
    void everyOutcomeIsWhatGeneratorGivesAlone() {
        check(TestModels.model(3, 96));
        ModelConfig moeMla = new ModelConfig(TestModels.tokenizer().vocabSize(), 32, 2, 4, 2, 8, 64, 96, 10000, 1e-5f, true)
                .withMla(new MlaSpec(32, 4, 12, 10, 6, 4, 7))
                .withMoe(new MoeSpec(32, 4, 2, 1, 16, 1.0, MoeSpec.Gating.SIGMOID, true, 1e-3, 0), 1);
        check(TestModels.model(moeMla, 4));
    }

    private static void check(Model model) {
        Random rng = new Random(5);
        String[] words = WORDS.split(" ");
        List<BatchGenerator.Request<Integer>> requests = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            // Mostly short prompts (they share passes), some of 9..64 and beyond 64 tokens (pre-filled alone, in
            // chunks), one too long for the context, one empty, one null; lengths 0..40 (some hit the context).
            int len = switch (i % 10) {
                case 3 -> 12 + rng.nextInt(10);
                case 7 -> i == 27 ? 200 : 40 + rng.nextInt(20);
                default -> 1 + rng.nextInt(4);
            };
            StringBuilder p = new StringBuilder();
            for (int w = 0; w < len; w++) p.append(w == 0 ? "" : " ").append(words[rng.nextInt(words.length)]);
            String prompt = i == 13 ? null : i == 14 ? "" : p.toString();
            int maxTokens = i == 21 ? 0 : rng.nextInt(41);
            SamplingOptions o = new SamplingOptions(maxTokens, i % 4 == 0 ? 0 : 0.9, i % 3 == 0 ? 20 : 0, i % 5 == 0 ? 0.9 : 1, 100 + i, i % 6 != 5);
            requests.add(new BatchGenerator.Request<>(prompt, o, i));
        }
        BatchGenerator batch = new BatchGenerator(model);
        List<BatchGenerator.Outcome<Integer>> got = batch.generateAll(requests);
        assertEquals(requests.size(), got.size());
        Generator alone = new Generator(model);
        int generated = 0;
        for (int i = 0; i < requests.size(); i++) {
            BatchGenerator.Request<Integer> r = requests.get(i);
            BatchGenerator.Outcome<Integer> o = got.get(i);
            assertEquals(i, o.tag(), "in request order");
            if (r.prompt() == null) {
                assertNull(o.result());
                assertNull(o.error());
                continue;
            }
            GenerationResult want;
            try {
                want = alone.generate(r.prompt(), r.options(), null);
            } catch (TridentException e) {
                assertEquals(e.getMessage(), o.error(), "request " + i);
                assertNull(o.result());
                continue;
            }
            assertNull(o.error(), "request " + i);
            assertArrayEquals(want.tokens(), o.result().tokens(), "request " + i);
            assertEquals(want.text(), o.result().text(), "request " + i);
            assertEquals(want.stopReason(), o.result().stopReason(), "request " + i);
            assertEquals(want.promptTokens(), o.result().promptTokens(), "request " + i);
            generated += want.tokens().length;
        }
        assertTrue(generated > 500, "the check covers real decoding: " + generated + " tokens");
        assertTrue(batch.forwards() < generated / 2, "sequences shared passes: " + batch.forwards() + " passes for " + generated + " tokens");
    }

    @Test
    void requestsAreReadLazily() {
        Model model = TestModels.model(3, 96);
        int[] pulled = {0};
        java.util.Iterator<BatchGenerator.Request<Integer>> source = new java.util.Iterator<>() {
            @Override
            public boolean hasNext() {
                return pulled[0] < 1000;
            }

            @Override
            public BatchGenerator.Request<Integer> next() {
                return new BatchGenerator.Request<>("ROMEO", SamplingOptions.greedy(3), pulled[0]++);
            }
        };
        var outcomes = new BatchGenerator(model).generate(source);
        assertEquals(0, outcomes.next().tag());
        assertTrue(pulled[0] <= BatchGenerator.WIDTH, "pulled " + pulled[0] + " requests for the first outcome");
    }
}
