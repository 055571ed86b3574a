package dev.trident.train;

import dev.trident.TridentException;
import dev.trident.eval.Evaluator;
import dev.trident.infer.Generator;
import dev.trident.infer.SamplingOptions;
import dev.trident.model.Model;
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

class TrainerTest {
    static Path corpus(Path dir) throws IOException {
        Path shipped = Path.of("../data/tinyshakespeare.txt");
        byte[] all = Files.readAllBytes(shipped);
        Path p = dir.resolve("corpus.txt");
        Files.write(p, java.util.Arrays.copyOf(all, 200_000));
        return p;
    }

    @Test
    void tinyPresetLearnsAndTheSavedModelReproducesItsValidationLoss(@TempDir Path dir) throws IOException {
        Path data = corpus(dir);
        TrainResult r = Trainer.train(TrainOptions.of(data, "tiny", dir.resolve("out")).withSteps(150).withEvalEvery(50), TrainListener.NONE);
        double first = r.history().getFirst().loss();
        assertTrue(first > 5.5, "initial loss should be near ln(512) = 6.2, was " + first);
        assertTrue(r.finalEval().valLoss() < first - 1.0, "validation loss " + r.finalEval().valLoss() + " vs initial " + first);

        Model model = Model.load(dir.resolve("out"));
        byte[] val = Evaluator.validationSplit(Files.readAllBytes(data));
        var e = Evaluator.evaluate(model, val);
        assertEquals(r.finalEval().valBpb(), e.bitsPerByte(), 1e-3, "reloaded model evaluates the same");
        // Through the inference runtime: fp32 gives the training forward's figure, Q8_0 within a fraction of it.
        var viaDecoder = Evaluator.evaluate(model, dev.trident.infer.ModelWeights.of(model.transformer()), val, null);
        assertEquals(e.bitsPerByte(), viaDecoder.bitsPerByte(), 1e-4 * e.bitsPerByte(), "decoder prefill evaluates like the training forward");
        var q8 = Evaluator.evaluate(model, dev.trident.infer.ModelWeights.quantize(model.transformer(),
                dev.trident.infer.QuantPolicy.of(dev.trident.quant.WeightFormat.Q8_0)), val, null);
        assertEquals(e.bitsPerByte(), q8.bitsPerByte(), 0.01 * e.bitsPerByte(), "Q8_0 weights cost under 1% here");

        var g = new Generator(model).generate("ROMEO:", new SamplingOptions(20, 0.8, 0, 0.95, 42, false), null);
        assertEquals(20, g.tokens().length);
        var g2 = new Generator(model).generate("ROMEO:", new SamplingOptions(20, 0.8, 0, 0.95, 42, false), null);
        assertEquals(g.text(), g2.text(), "same seed, same text");
    }

    @Test
    void resumeContinuesBitExactly(@TempDir Path dir) throws IOException {
        resumeMatchesTheUninterruptedRun(dir, AdamW.Moments.FP32);
    }

    @Test
    void resumeWithBf16MomentsContinuesBitExactlyWithoutRepeatingTheFlag(@TempDir Path dir) throws IOException {
        // The resumed run is not told about bf16: it must take it from the checkpoint, or its losses would differ.
        resumeMatchesTheUninterruptedRun(dir, AdamW.Moments.BF16);
    }

    private static void resumeMatchesTheUninterruptedRun(Path dir, AdamW.Moments moments) throws IOException {
        Path data = corpus(dir);
        TrainOptions base = TrainOptions.of(data, "tiny", dir.resolve("a")).withSteps(24).withEvalEvery(1000).withCheckpointEvery(8)
                .withAdamMoments(moments);
        List<Double> straight = new ArrayList<>();
        Trainer.train(base, new TrainListener() {
            @Override public void onStep(StepMetrics m) { straight.add(m.loss()); }
        });

        // The same run in another folder, "killed" at step 13, so its last checkpoint is the one at step 8.
        TrainOptions interrupted = new TrainOptions(data, "tiny", dir.resolve("b"), 24, null, base.seed(), true, 0, 0, 0, 1000, 8);
        List<Double> resumed = new ArrayList<>();
        class Crash extends RuntimeException {}
        assertThrows(Crash.class, () -> Trainer.train(new TrainOptions(data, "tiny", dir.resolve("b"), 24, null, base.seed(), false, 0, 0, 0, 1000, 8)
                        .withAdamMoments(moments),
                new TrainListener() {
                    @Override public void onStep(StepMetrics m) { if (m.step() == 13) throw new Crash(); }
                }));
        Trainer.train(interrupted, new TrainListener() {
            @Override public void onStart(TrainPlan plan) { assertEquals(8, plan.startStep()); }
            @Override public void onStep(StepMetrics m) { resumed.add(m.loss()); }
        });
        double[] expected = straight.subList(8, 24).stream().mapToDouble(Double::doubleValue).toArray();
        double[] actual = resumed.stream().mapToDouble(Double::doubleValue).toArray();
        assertArrayEquals(expected, actual, 0.0, "resumed losses must equal the uninterrupted run's (" + moments + " moments)");
    }

    @Test
    void aCpuTimeBudgetEndsTheRunOnceThisProcessHasSpentIt(@TempDir Path dir) throws IOException {
        Path data = corpus(dir);
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        List<Double> cpuAtStep = new ArrayList<>();
        long[] cpu0 = {0};
        TrainResult r = Trainer.train(TrainOptions.of(data, "tiny", dir.resolve("cpu")).withMinutes(0.05).withCpuClock(true)
                .withEvalEvery(100000), new TrainListener() {
            @Override public void onStart(TrainPlan plan) { cpu0[0] = os.getProcessCpuTime(); }
            @Override public void onStep(StepMetrics m) { cpuAtStep.add((os.getProcessCpuTime() - cpu0[0]) / 1e9); }
        });
        // The budget is 3 s of CPU (the JIT's threads count too): the run went on while less had been spent and
        // stopped once it was.
        assertTrue(r.steps() >= 1 && r.steps() == cpuAtStep.size(), cpuAtStep.toString());
        assertTrue(cpuAtStep.getLast() >= 3 - 0.1, cpuAtStep.toString());
        if (cpuAtStep.size() > 1) assertTrue(cpuAtStep.get(cpuAtStep.size() - 2) < 3 + 0.1, cpuAtStep.toString());
    }

    @Test
    void badInputsGiveOneLineErrorsNamingTheFile(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope.txt");
        var e1 = assertThrows(TridentException.class, () -> Trainer.train(TrainOptions.of(missing, "tiny", dir.resolve("o")), TrainListener.NONE));
        assertTrue(e1.getMessage().contains("nope.txt") && e1.getMessage().contains("does not exist"), e1.getMessage());
        Path empty = Files.createFile(dir.resolve("empty.txt"));
        var e2 = assertThrows(TridentException.class, () -> Trainer.train(TrainOptions.of(empty, "tiny", dir.resolve("o")), TrainListener.NONE));
        assertTrue(e2.getMessage().contains("empty.txt") && e2.getMessage().contains("empty"), e2.getMessage());
        var e3 = assertThrows(TridentException.class, () -> Trainer.train(TrainOptions.of(corpus(dir), "huge", dir.resolve("o")), TrainListener.NONE));
        assertTrue(e3.getMessage().contains("huge") && e3.getMessage().contains("tiny"), e3.getMessage());
        for (var e : List.of(e1, e2, e3)) assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void damagedCheckpointsAreRefusedWithTheirFileName(@TempDir Path dir) throws IOException {
        Path data = corpus(dir);
        Path out = dir.resolve("m");
        Trainer.train(TrainOptions.of(data, "tiny", out).withSteps(3).withEvalEvery(1000), TrainListener.NONE);
        // Truncated weights.
        Path weights = out.resolve("model.safetensors");
        byte[] w = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(w, w.length / 2));
        var e = assertThrows(TridentException.class, () -> Model.load(out));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        // A flipped byte in the trainer state fails its checksum on resume.
        Path state = out.resolve(TrainerState.FILE);
        byte[] s = Files.readAllBytes(state);
        s[s.length / 2] ^= 0x40;
        Files.write(state, s);
        var e2 = assertThrows(TridentException.class, () -> Trainer.train(TrainOptions.of(data, "tiny", out).withSteps(6).withResume(true), TrainListener.NONE));
        assertTrue(e2.getMessage().contains(TrainerState.FILE) && e2.getMessage().contains("checksum"), e2.getMessage());
        // Garbage instead of a tokenizer.
        Files.writeString(out.resolve("tokenizer.json"), "{\"hello\": 1}");
        var e3 = assertThrows(TridentException.class, () -> Model.load(out));
        assertTrue(e3.getMessage().contains("tokenizer.json"), e3.getMessage());
    }

    @Test
    void resumeRebuildsTheSameModelWithoutRepeatingTheFlags(@TempDir Path dir) throws IOException {
        Path data = corpus(dir);
        Path out = dir.resolve("mtp");
        Trainer.train(TrainOptions.of(data, "tiny", out).withSteps(4).withEvalEvery(1000).withMtp(1).withFp8(true), TrainListener.NONE);
        List<Double> mtp = new ArrayList<>();
        Trainer.train(TrainOptions.of(data, "tiny", out).withSteps(6).withEvalEvery(1000).withResume(true), new TrainListener() {
            @Override public void onStart(TrainPlan plan) { assertEquals(4, plan.startStep()); }
            @Override public void onStep(StepMetrics m) { mtp.add(m.mtpLoss()); }
        });
        assertEquals(2, mtp.size());
        assertTrue(mtp.stream().allMatch(Double::isFinite), "the resumed run still trains its MTP module: " + mtp);
    }

    @Test
    void aMoePresetsExpertDropoutAppliesUnlessTheOptionsSetTheirOwn(@TempDir Path dir) throws IOException {
        Path data = corpus(dir);
        var base = dev.trident.model.Presets.get("tiny-moe");
        var preset = new dev.trident.model.Presets.Preset(base.name(), base.description(), base.model(), base.train().withExpertDropout(0.3));
        Path byPreset = dir.resolve("preset"), byOptions = dir.resolve("options");
        Trainer.train(TrainOptions.of(data, "tiny-moe", byPreset).withSteps(2).withEvalEvery(1000), preset, TrainListener.NONE);
        var run = TrainerState.readRun(byPreset.resolve(TrainerState.FILE));
        assertEquals(0.3, (double) run.get("expert_dropout"), 1e-12);
        assertEquals(Boolean.TRUE, run.get("expert_dropout_on_repeats"), "a preset's expert dropout waits for the text to repeat");
        var moe = base.model().moe();
        Trainer.train(TrainOptions.of(data, "tiny-moe", byOptions).withSteps(2).withEvalEvery(1000)
                .withMoeTraining(new TrainOptions.MoeTraining(moe.biasUpdateRate(), moe.balanceAlpha(), 0)), preset, TrainListener.NONE);
        assertEquals(0.0, (double) TrainerState.readRun(byOptions.resolve(TrainerState.FILE)).get("expert_dropout"), 1e-12);
    }

    @Test
    void expertDropoutOnRepeatsWaitsForTheSecondEpoch(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("small.txt");
        Files.write(data, java.util.Arrays.copyOf(Files.readAllBytes(Path.of("../data/tinyshakespeare.txt")), 12_000));
        var moe = dev.trident.model.Presets.get("tiny-moe").model().moe();
        long[] epochSteps = new long[1];
        int[] runs = {0};
        java.util.function.Function<TrainOptions.MoeTraining, List<Double>> losses = m -> {
            List<Double> l = new ArrayList<>();
            Trainer.train(TrainOptions.of(data, "tiny-moe", dir.resolve("run" + runs[0]++)).withSteps(16)
                    .withEvalEvery(1000).withMoeTraining(m), new TrainListener() {
                @Override public void onStart(TrainPlan plan) { epochSteps[0] = (plan.trainTokens() + plan.tokensPerStep() - 1) / plan.tokensPerStep(); }
                @Override public void onStep(StepMetrics s) { l.add(s.loss()); }
            });
            return l;
        };
        List<Double> none = losses.apply(new TrainOptions.MoeTraining(moe.biasUpdateRate(), moe.balanceAlpha(), 0));
        List<Double> always = losses.apply(new TrainOptions.MoeTraining(moe.biasUpdateRate(), moe.balanceAlpha(), 0.5));
        List<Double> onRepeats = losses.apply(new TrainOptions.MoeTraining(moe.biasUpdateRate(), moe.balanceAlpha(), 0.5, true));
        int e = (int) epochSteps[0];
        assertTrue(e > 2 && e < 14, "the test text should take a few steps per epoch, took " + e);
        assertTrue(!none.get(0).equals(always.get(0)), "expert dropout from the first step changes the first loss");
        assertEquals(none.subList(0, e), onRepeats.subList(0, e), "no expert dropout during the first epoch");
        assertTrue(!none.get(e).equals(onRepeats.get(e)), "expert dropout once the text repeats (step " + (e + 1) + ")");
    }
}
