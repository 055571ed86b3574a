package dev.trident.lab;

import dev.trident.TridentException;
import dev.trident.eval.Evaluator;
import dev.trident.io.json.Json;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.quant.WeightFormat;
import dev.trident.train.TrainOptions;
import dev.trident.train.TrainResult;
import dev.trident.train.Trainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The efficiency lab: trains the {@link Ladder} on one text with the same wall-clock budget per rung, serves the
 * final rung with fp32 / Q8_0 / FP8-block weights and MTP speculative decoding, trains dense references until one
 * brackets the final quality ({@link DenseReferences}), measures every model's decode speed together
 * ({@link DecodeBench}), and writes report.md and results.csv ({@link LabReport}).
 *
 * <p>The output folder holds runs/ID (each model) and results/ID.json (each finished rung, written atomically as
 * it finishes). A rerun with the same settings reuses every finished rung and trains only what is missing; a rung
 * that fails is recorded (results/ID.failed.txt) and the lab goes on without it.
 */
public final class Lab {
    /** The served configurations of the final rung, in the report's order; the last one is the final row. */
    static final List<WeightFormat> SERVED = List.of(WeightFormat.F32, WeightFormat.FP8_BLOCK, WeightFormat.Q8_0);

    private final LabOptions o;
    private final LabListener listener;
    private final Path results, runs;
    private byte[] corpus;
    private int planned, started;

    private Lab(LabOptions options, LabListener listener) {
        this.o = options;
        this.listener = listener;
        this.results = options.out().resolve("results");
        this.runs = options.out().resolve("runs");
    }

    public static LabResult run(LabOptions options, LabListener listener) {
        return new Lab(options, listener).run();
    }

    private LabResult run() {
        corpus = readCorpus(o.data());
        try {
            Files.createDirectories(results);
            Files.createDirectories(runs);
        } catch (IOException e) {
            throw new TridentException(o.out() + ": cannot create the lab's folders (" + e.getMessage() + ")");
        }
        checkManifest();
        Ladder ladder = o.quick() ? Ladder.quick() : Ladder.full();
        List<Rung> rungs = ladder.rungs();
        planned = rungs.size();
        Map<String, TrainingRecord> trained = new LinkedHashMap<>();
        Map<String, String> failures = new LinkedHashMap<>();
        List<Rung> toTrain = rungs.stream().filter(r -> !Files.isRegularFile(results.resolve(r.id() + ".json"))).toList();
        if (!toTrain.isEmpty()) {
            listener.onPhase("warming up the JIT on the model of every rung to train (untimed)");
            Warmup.run(toTrain);
        }
        for (Rung r : rungs) train(r, trained, failures);

        // The final rung served: its quality with each format's weights (round-tripped, see ServedWeights).
        Rung last = rungs.getLast();
        Map<WeightFormat, Double> servedBpb = new LinkedHashMap<>();
        if (trained.containsKey(last.id())) {
            listener.onPhase("evaluating the final rung with fp8-block and q8_0 weights");
            Model finalModel = Model.load(runs.resolve(last.id()));
            for (WeightFormat f : SERVED) servedBpb.put(f, f == WeightFormat.F32 ? trained.get(last.id()).valBpb() : servedBpb(finalModel, f));
        }

        // Dense references until the final quality is bracketed (or the candidates run out).
        List<Rung> dense = new ArrayList<>();
        TrainingRecord base = trained.get(rungs.getFirst().id());
        Double target = servedBpb.getOrDefault(SERVED.getLast(), null);
        if (base != null && target != null) {
            List<Rung> candidates = DenseReferences.candidates(ladder.baseline(), target < base.valBpb());
            int budget = Math.min(o.denseMax(), candidates.size());
            Map<Rung, Double> tried = new LinkedHashMap<>();
            for (Rung cand : candidates) {
                if (dense.size() >= budget) break;
                if (EqualQuality.bracketed(denseRows(rungs.getFirst(), dense, trained), target)) break;
                if (target < base.valBpb() && DenseReferences.futile(cand, tried, base.valBpb())) {
                    listener.onPhase("skipping " + cand.title() + ": a narrower reference on this budget did not beat the baseline");
                    continue;
                }
                planned = rungs.size() + budget;
                dense.add(cand);
                train(cand, trained, failures);
                if (trained.containsKey(cand.id())) tried.put(cand, trained.get(cand.id()).valBpb());
            }
        }

        // Decode speed of everything, measured together.
        Map<String, DecodeBench.Measurement> decode = measureDecode(rungs, dense, trained, servedBpb);
        listener.onPhase("writing the report");
        LabResult result = LabResult.assemble(o, corpus.length, rungs, dense, trained, failures, servedBpb, decode, runs);
        LabReport.write(result, o.out());
        return result;
    }

    private void train(Rung r, Map<String, TrainingRecord> trained, Map<String, String> failures) {
        Path file = results.resolve(r.id() + ".json");
        started++;
        Path dir = runs.resolve(r.id());
        if (Files.isRegularFile(file)) {
            try {
                TrainingRecord rec = TrainingRecord.read(file);
                if (!Files.isDirectory(dir)) throw new TridentException(dir + ": missing");
                trained.put(r.id(), rec);
                listener.onRungReused(r, rec);
                return;
            } catch (TridentException e) { // unreadable (or its model is gone): train the rung again
                listener.onPhase(file + ": " + e.getMessage() + "; training " + r.id() + " again");
            }
        }
        double minutes = r.minutes(o.budgetMinutes());
        try {
            listener.onRungStart(started, planned, r, minutes);
            deleteTree(dir); // a rung that stopped half-way starts again: its budget is wall-clock, not resumable
            double loadStart = MachineLoad.loadAverage();
            MachineLoad.resetPeakHeap();
            TrainOptions options = TrainOptions.of(o.data(), r.preset().name(), dir).withMinutes(minutes).withSeed(o.seed())
                    .withMtp(r.mtpDepth()).withFp8(r.fp8()).withCpuClock(o.cpuClock());
            TrainResult res = Trainer.train(options, r.preset(), listener.training());
            long peak = MachineLoad.peakHeapBytes();
            ModelConfig c = Model.load(dir).config();
            int seq = r.preset().train().seqLen();
            double trainFlops = 3 * (c.forwardFlopsPerToken(seq / 2) + c.mtpForwardFlopsPerToken(seq / 2));
            long tokens = (long) res.steps() * r.preset().train().tokensPerStep();
            TrainingRecord rec = new TrainingRecord(r.id(), r.title(), r.kind().name().toLowerCase(java.util.Locale.ROOT), minutes,
                    res.seconds(), res.steps(), tokens, res.finalEval().valLoss(), res.finalEval().valBpb(), c.parameterCount(),
                    c.activeParameterCount(), trainFlops, res.tokensPerSecond(), peak, loadStart, MachineLoad.loadAverage(),
                    r.widthScale(), r.budgetScale());
            Json.write(file, rec.toJson());
            Files.deleteIfExists(results.resolve(r.id() + ".failed.txt"));
            trained.put(r.id(), rec);
            listener.onRungDone(r, rec);
        } catch (TridentException | IOException | IllegalArgumentException | IllegalStateException | ArithmeticException
                 | IndexOutOfBoundsException | OutOfMemoryError e) {
            String why = e.getClass().getSimpleName() + ": " + e.getMessage();
            failures.put(r.id(), why);
            try {
                Json.writeAtomically(results.resolve(r.id() + ".failed.txt"), (why + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (TridentException ignored) {
                // the failure is still in the report
            }
            listener.onRungFailed(r, why);
        }
    }

    private double servedBpb(Model model, WeightFormat f) {
        Path file = results.resolve("served-" + f.name().toLowerCase(java.util.Locale.ROOT) + ".json");
        if (Files.isRegularFile(file))
            return Json.asDouble(Json.asObject(Json.read(file, 1 << 16), file.toString()).get("val_bpb"), "val_bpb");
        double bpb = Evaluator.evaluate(ServedWeights.roundTrip(model, f), Evaluator.validationSplit(corpus)).bitsPerByte();
        Json.write(file, Json.obj("format", f.name(), "val_bpb", bpb));
        return bpb;
    }

    /** The dense rows known so far (baseline + references), with accounting but no decode figures yet. */
    private List<Row> denseRows(Rung baseline, List<Rung> dense, Map<String, TrainingRecord> trained) {
        List<Rung> all = new ArrayList<>(List.of(baseline));
        all.addAll(dense);
        List<Row> rows = new ArrayList<>();
        for (Rung r : all) {
            TrainingRecord rec = trained.get(r.id());
            if (rec != null) rows.add(LabResult.plainRow(rec, Model.load(runs.resolve(r.id())), null, Row.Kind.DENSE, o.cpuClock()));
        }
        return rows;
    }

    private Map<String, DecodeBench.Measurement> measureDecode(List<Rung> rungs, List<Rung> dense, Map<String, TrainingRecord> trained,
                                                               Map<WeightFormat, Double> servedBpb) {
        List<DecodeBench.Job> jobs = new ArrayList<>();
        List<Rung> all = new ArrayList<>(rungs);
        all.addAll(dense);
        ModelConfig any = null;
        for (Rung r : all) {
            if (!trained.containsKey(r.id())) continue;
            Model m = Model.load(runs.resolve(r.id()));
            any = m.config();
            jobs.add(new DecodeBench.Job(r.id(), Serving.engine(m, WeightFormat.F32), m.config().mtpDepth()));
        }
        Rung last = rungs.getLast();
        if (trained.containsKey(last.id())) {
            Model m = Model.load(runs.resolve(last.id()));
            for (WeightFormat f : SERVED) {
                if (f == WeightFormat.F32 || !servedBpb.containsKey(f)) continue; // fp32 serving is the last rung's own job
                Serving.Engine nativeEngine = Serving.engine(m, f);
                // Without a native engine, the round-tripped weights still give the acceptance (their speed is fp32's).
                Serving.Engine engine = nativeEngine != null ? nativeEngine : Serving.engine(ServedWeights.roundTrip(m, f), WeightFormat.F32);
                jobs.add(new DecodeBench.Job(LabResult.servedId(f), engine, m.config().mtpDepth()));
            }
        }
        if (jobs.isEmpty()) return Map.of();
        int seq = any.maxSeqLen();
        DecodeBench.Prompts prompts = DecodeBench.Prompts.fromValidation(Evaluator.validationSplit(corpus), o.prompts(),
                Math.max(16, seq / 2), Math.min(o.decodeTokens(), seq / 2));
        listener.onPhase("measuring single-stream decode speed of " + jobs.size() + " models together");
        listener.onDecodeStart(DecodeBench.generations(jobs, prompts));
        try {
            return DecodeBench.measure(jobs, prompts, listener::onDecodeProgress);
        } finally {
            listener.onDecodeEnd();
        }
    }

    /** The settings a lab folder was made with; a rerun must use the same ones to reuse its results. */
    private void checkManifest() {
        Path file = o.out().resolve("lab.json");
        Map<String, Object> now = Json.obj("data", o.data().toAbsolutePath().normalize().toString(), "data_bytes", (long) corpus.length,
                "budget_minutes", o.budgetMinutes(), "clock", o.cpuClock() ? "cpu" : "wall", "quick", o.quick(), "seed", o.seed());
        if (Files.isRegularFile(file)) {
            Map<String, Object> before = Json.asObject(Json.read(file, 1 << 16), file.toString());
            if (!Json.write(before).equals(Json.write(now)))
                throw new TridentException(o.out() + ": holds a lab run with other settings (" + Json.write(before)
                        + "); use another --out or the same --data, --budget, --clock and --quick");
        } else {
            Json.write(file, now);
        }
    }

    private static byte[] readCorpus(Path data) {
        try {
            if (!Files.isRegularFile(data)) throw new TridentException("data file " + data + ": does not exist or is not a file");
            byte[] b = Files.readAllBytes(data);
            if (b.length == 0) throw new TridentException("data file " + data + ": is empty");
            return b;
        } catch (IOException e) {
            throw new TridentException("data file " + data + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
