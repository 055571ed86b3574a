package dev.trident.blt;

import dev.trident.eval.Evaluator;
import dev.trident.blt.patch.Patcher;
import dev.trident.train.StepMetrics;
import dev.trident.train.TrainListener;
import dev.trident.train.TrainPlan;
import dev.trident.train.TrainResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The BLT pipeline on a slice of the built-in corpus with the tiny presets. */
class BltTrainerTest {
    static Path corpus(Path dir, int bytes) throws IOException {
        byte[] all = Files.readAllBytes(Path.of("../data/tinyshakespeare.txt"));
        return Files.write(dir.resolve("corpus.txt"), java.util.Arrays.copyOf(all, bytes));
    }

    @Test
    void tinyPipelineLearnsAndTheSavedModelReproducesItsValidation(@TempDir Path dir) throws IOException {
        Path data = corpus(dir, 100_000), out = dir.resolve("out");
        TrainResult r = BltTrainer.train(BltTrainOptions.of(data, "tiny-blt", out).withSteps(60).withEntropySteps(60)
                .withEvalEvery(30).withPatchSize(4.0), TrainListener.NONE);
        double first = r.history().getFirst().loss();
        assertTrue(first > 5.0, "initial loss should be near ln(257) = 5.55, was " + first);
        assertTrue(r.finalEval().valLoss() < first - 1.5, "validation " + r.finalEval().valLoss() + " vs initial " + first);

        BltFiles.Loaded m = BltFiles.load(out);
        assertEquals(m.model().config, BltFiles.parseConfig(out.resolve(BltFiles.CONFIG)));
        double patch = ((Number) m.info().get("mean_patch_size_train")).doubleValue();
        assertEquals(4.0, patch, 0.2, "calibrated mean patch size");
        byte[] val = Evaluator.validationSplit(Files.readAllBytes(data));
        BltConfig c = m.model().config;
        float[] h = m.entropy().entropies(val, c.patcher().resetAtNewline(), null);
        var e = BltEvaluator.evaluate(m.model(), new BltData(val, h, new Patcher(c.patcher()), c.seqLen()), Integer.MAX_VALUE, null);
        assertEquals(r.finalEval().valBpb(), e.bitsPerByte(), 1e-4, "reloaded model evaluates the same");
        assertEquals(val.length, e.bytes(), "every validation byte predicted once");
    }

    /** 12 steps with a given entropy model (the pipeline's own entropy training is covered above). */
    private static BltTrainOptions shortRun(Path data, Path out, Path entropy) {
        return BltTrainOptions.of(data, "tiny-blt", out).withSteps(12).withEntropyModel(entropy).withEvalEvery(1000).withCheckpointEvery(4);
    }

    /** A run killed after its checkpoint at step 4 and resumed gives the uninterrupted run's losses, bit for bit. */
    @Test
    void resumeContinuesBitExactly(@TempDir Path dir) throws IOException {
        Path data = corpus(dir, 40_000), entropy = dir.resolve("entropy");
        dev.trident.train.Trainer.train(dev.trident.train.TrainOptions.of(data, "tiny-entropy", entropy).withSteps(5), TrainListener.NONE);
        List<Double> straight = new ArrayList<>();
        BltTrainer.train(shortRun(data, dir.resolve("a"), entropy), new TrainListener() {
            boolean blt;
            @Override public void onStart(TrainPlan plan) { blt = plan.preset().equals("tiny-blt"); }
            @Override public void onStep(StepMetrics m) { if (blt) straight.add(m.loss()); }
        });
        class Crash extends RuntimeException {}
        Path b = dir.resolve("b");
        assertThrows(Crash.class, () -> BltTrainer.train(shortRun(data, b, entropy), new TrainListener() {
            boolean blt;
            @Override public void onStart(TrainPlan plan) { blt = plan.preset().equals("tiny-blt"); }
            @Override public void onStep(StepMetrics m) { if (blt && m.step() == 7) throw new Crash(); }
        }));
        List<Double> resumed = new ArrayList<>();
        BltTrainer.train(shortRun(data, b, entropy).withResume(true), new TrainListener() {
            @Override public void onStart(TrainPlan plan) { assertEquals(4, plan.startStep()); }
            @Override public void onStep(StepMetrics m) { resumed.add(m.loss()); }
        });
        double[] expected = straight.subList(4, 12).stream().mapToDouble(Double::doubleValue).toArray();
        assertArrayEquals(expected, resumed.stream().mapToDouble(Double::doubleValue).toArray(), 0.0,
                "resumed losses must equal the uninterrupted run's");
    }
}
