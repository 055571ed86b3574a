package dev.trident.spark.diloco;

import dev.trident.model.Model;
import dev.trident.spark.TestSpark;
import dev.trident.eval.Evaluator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DiLoCo in local[2]: two workers, a few inner steps, a few rounds of the tiny preset on 120 kB of Shakespeare. The
 * run must learn, and a task that fails mid-round (retried by Spark) or a driver stopped after a checkpoint and
 * resumed must end with exactly the parameters of an undisturbed run.
 */
class DilocoTrainerTest {
    @TempDir
    static Path dir;
    static Path data;
    static DilocoResult undisturbed;

    static DilocoOptions options(String out) {
        return DilocoOptions.of(data, "tiny", dir.resolve(out), 2, 6, 3).withBatch(4, 32).withSeed(11).withEvalEvery(2);
    }

    @BeforeAll
    static void setUp() throws IOException {
        data = dir.resolve("shakespeare.txt");
        Files.write(data, TestSpark.shakespeare(120_000));
        long t0 = System.nanoTime();
        undisturbed = DilocoTrainer.train(TestSpark.session(), options("undisturbed"), new DilocoListener() {
            @Override
            public void onPhase(String phase) {
                System.err.printf("%.2f s %s%n", (System.nanoTime() - t0) / 1e9, phase);
            }

            @Override
            public void onRound(RoundMetrics m) {
                System.err.printf("%.2f s %s%n", (System.nanoTime() - t0) / 1e9, m);
            }
        });
    }

    @AfterEach
    void clearHooks() {
        FaultInjection.clear();
    }

    @Test
    void learnsAndWritesALoadableModel() {
        assertEquals(3, undisturbed.history().size());
        assertTrue(Double.isFinite(undisturbed.history().get(1).valBpb()), "round 2 is validated (evalEvery 2)");
        Model m = Model.load(undisturbed.out());
        byte[] corpus = TestSpark.shakespeare(120_000);
        double bpb = Evaluator.evaluate(m, Evaluator.validationSplit(corpus)).bitsPerByte();
        assertEquals(undisturbed.valBpb(), bpb, 1e-3, "the saved model is the trained one");
        Model untrained = new Model(new dev.trident.model.Transformer(m.config(), 11), m.tokenizer());
        double before = Evaluator.evaluate(untrained, Evaluator.validationSplit(corpus)).bitsPerByte();
        assertTrue(undisturbed.valBpb() < before - 0.2, "val bpb " + before + " -> " + undisturbed.valBpb());
        assertTrue(undisturbed.history().get(2).innerLoss() < undisturbed.history().get(0).innerLoss());
        // Each worker sends its change back once per round: about 4 bytes per parameter.
        long p = undisturbed.parameters().length;
        for (RoundMetrics r : undisturbed.history()) {
            assertTrue(r.resultBytes() >= 2 * 4 * p && r.resultBytes() < 2 * 4 * p + 4096, r.toString());
            assertTrue(r.broadcastBytesPerWorker() >= 4 * p && r.broadcastBytesPerWorker() < 4 * p + 1024, r.toString());
        }
    }

    @Test
    void workersKeepTheirInnerOptimizerAcrossRounds() throws IOException {
        // Only the last round's states stay (one per worker); a later round reads them, so restarting the moments
        // every round is a different run.
        try (var files = Files.list(undisturbed.out().resolve(InnerStates.DIR))) {
            assertEquals(java.util.List.of("worker-0.after-3.bin", "worker-1.after-3.bin"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        DilocoResult reset = DilocoTrainer.train(TestSpark.session(), options("reset").withKeepInnerState(false), DilocoListener.NONE);
        assertFalse(java.util.Arrays.equals(undisturbed.parameters(), reset.parameters()), "the inner moments carry over");
        assertFalse(Files.exists(reset.out().resolve(InnerStates.DIR)), "nothing kept when the moments restart");
    }

    @Test
    void aTaskRetriedBySparkLeavesTheSameParameters() {
        int before = FaultInjection.injected();
        FaultInjection.failFirstAttemptOf(1, 1);
        DilocoResult retried = DilocoTrainer.train(TestSpark.session(), options("retried"), DilocoListener.NONE);
        assertEquals(before + 1, FaultInjection.injected(), "the hook failed one task attempt");
        assertArrayEquals(undisturbed.parameters(), retried.parameters());
        assertEquals(undisturbed.valBpb(), retried.valBpb());
    }

    @Test
    void aResumedRunLeavesTheSameParameters() {
        FaultInjection.abortAfterRound(0);
        assertThrows(IllegalStateException.class, () -> DilocoTrainer.train(TestSpark.session(), options("resumed"), DilocoListener.NONE));
        FaultInjection.clear();
        DilocoResult resumed = DilocoTrainer.train(TestSpark.session(), options("resumed").withResume(true), DilocoListener.NONE);
        assertArrayEquals(undisturbed.parameters(), resumed.parameters());
        assertEquals(3, resumed.history().size(), "the metrics keep the rounds before the stop");
    }
}
