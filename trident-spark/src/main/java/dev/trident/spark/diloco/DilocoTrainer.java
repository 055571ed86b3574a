package dev.trident.spark.diloco;

import dev.trident.TridentException;
import dev.trident.eval.Evaluator;
import dev.trident.io.AtomicFile;
import dev.trident.io.json.Json;
import dev.trident.model.ModelConfig;
import dev.trident.model.ModelFiles;
import dev.trident.model.Presets;
import dev.trident.model.Transformer;
import dev.trident.nn.Parameters.Parameter;
import dev.trident.tokenizer.BpeTrainer;
import dev.trident.tokenizer.Tokenizer;
import dev.trident.train.TrainConfig;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * DiLoCo on Spark, the driver's side. Each round t: broadcast theta^(t-1); every worker i (one Spark task) runs H
 * AdamW steps from it on its shard ({@link InnerTraining}) and returns Delta_i; treeAggregate sums the changes
 * exactly ({@link DeltaSum}); the outer optimizer ({@link OuterNesterov}) moves theta by the mean change. Then a
 * checkpoint (atomic) and, every evalEvery rounds, a validation. Per worker and inner step the network carries
 * 2 x 4P / H bytes (P parameters), against 2 x 4P for synchronous data parallelism.
 *
 * <p>Deterministic: a round is a function of theta^(t-1), the momentum and the seeds, so a task Spark retries, a
 * different task order, or a resume from the last checkpoint all give bit-identical parameters.
 */
public final class DilocoTrainer {
    private DilocoTrainer() {}

    public static DilocoResult train(SparkSession spark, DilocoOptions o, DilocoListener listener) {
        Presets.Preset preset = Presets.get(o.preset());
        Path data = o.data().toAbsolutePath().normalize();
        byte[] corpus = readCorpus(data);
        Path out = o.out();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new TridentException(out + ": cannot create output folder (" + e.getMessage() + ")");
        }
        Path statePath = out.resolve(DilocoCheckpoint.FILE), tokPath = out.resolve(ModelFiles.TOKENIZER);
        boolean resuming = o.resume() && Files.isRegularFile(statePath);
        byte[] trainBytes = Evaluator.trainingSplit(corpus), valBytes = Evaluator.validationSplit(corpus);
        Tokenizer tokenizer;
        if (resuming) {
            tokenizer = Tokenizer.load(tokPath);
        } else {
            listener.onPhase("training tokenizer");
            tokenizer = BpeTrainer.train(trainBytes, preset.train().vocabSize(), List.of("<|endoftext|>"));
            tokenizer.save(tokPath);
        }
        byte[] tokenizerJson = readAll(tokPath);
        listener.onPhase("tokenizing validation text");
        int[] val = tokenizer.encode(valBytes);

        WorkerSpec spec = new WorkerSpec(data.toString(), trainBytes.length, preset.name(), tokenizer.vocabSize(),
                o.batchSize(), o.seqLen(), o.learningRate(), o.workers(), o.innerSteps(), o.rounds(), o.seed(),
                tokenizerJson, o.threadsPerTask(), o.keepInnerState() ? innerStateDir(o).toString() : null, o.shardBlock());
        ModelConfig mc = spec.modelConfig();
        TrainConfig tc = spec.trainConfig();
        Transformer model = new Transformer(mc, o.seed());
        List<Parameter> params = model.params.all();
        float[] theta = FlatParameters.of(params);
        OuterNesterov outer = new OuterNesterov(theta.length, o.outerLr(), o.outerMomentum());
        Map<String, Object> run = describe(o, data, preset.name());
        int first = 0;
        if (resuming) {
            DilocoCheckpoint.Loaded loaded = DilocoCheckpoint.load(statePath, theta, outer.momentum());
            checkSameRun(statePath, loaded.run(), run);
            first = loaded.roundsDone();
        }
        if (o.keepInnerState()) InnerStates.prune(innerStateDir(o), first, resuming);
        long tokensPerRound = (long) o.workers() * o.innerSteps() * tc.tokensPerStep();
        listener.onStart(first, o.rounds(), theta.length, tokensPerRound);

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Integer> workers = IntStream.range(0, o.workers()).boxed().toList();
        List<RoundMetrics> history = new ArrayList<>(readHistory(out, first));
        long broadcastBytes = SerializedSize.of(theta);
        long t0 = System.nanoTime();
        for (int r = first; r < o.rounds(); r++) {
            spark.sparkContext().setJobDescription(String.format(Locale.ROOT, "DiLoCo round %d/%d: %d workers x %d steps", r + 1, o.rounds(), o.workers(), o.innerSteps()));
            Broadcast<float[]> current = jsc.broadcast(theta);
            DeltaSum sum = round(jsc, workers, spec, current, r);
            current.destroy();
            if (sum.count() != o.workers()) throw new IllegalStateException(sum.count() + " of " + o.workers() + " workers reported");
            outer.step(theta, sum.mean());
            FlatParameters.copyInto(theta, params);

            boolean last = r + 1 == o.rounds();
            double valBpb = Double.NaN;
            if (!last && (r + 1) % Math.max(1, o.evalEvery()) == 0)
                valBpb = validate(model, val, tc.seqLen(), Math.min(val.length, tc.evalTokens()), valBytes.length)[1];
            double innerLoss = sum.losses().values().stream().mapToDouble(Double::doubleValue).sum() / o.workers();
            RoundMetrics m = new RoundMetrics(r + 1, o.rounds(), innerLoss, valBpb, (r + 1) * tokensPerRound,
                    (System.nanoTime() - t0) / 1e9, broadcastBytes, sum.sentBytes());
            history.add(m);
            checkpoint(out, r + 1, run, theta, outer, model, history);
            if (o.keepInnerState()) InnerStates.prune(innerStateDir(o), r + 1, true);
            listener.onRound(m);
            FaultInjection.afterCheckpoint(r);
        }
        spark.sparkContext().setJobDescription(null);
        listener.onPhase("final validation");
        double[] v = validate(model, val, tc.seqLen(), val.length, valBytes.length);
        Map<String, Object> summary = new LinkedHashMap<>(run);
        summary.put("val_loss", v[0]);
        summary.put("val_bpb", v[1]);
        AtomicFile.write(out.resolve("diloco-summary.json"), Json.writePretty(summary).getBytes(StandardCharsets.UTF_8));
        return new DilocoResult(out, o.rounds(), v[0], v[1], o.rounds() * tokensPerRound,
                (System.nanoTime() - t0) / 1e9, theta.clone(), List.copyOf(history));
    }

    /** Where the workers keep their AdamW states between rounds: --worker-state, or diloco-workers in the output. */
    static Path innerStateDir(DilocoOptions o) {
        return (o.workerStateDir() != null ? o.workerStateDir() : o.out().resolve(InnerStates.DIR)).toAbsolutePath().normalize();
    }

    /** One round on the cluster: a task per worker, their changes summed by treeAggregate. */
    private static DeltaSum round(JavaSparkContext jsc, List<Integer> workers, WorkerSpec spec, Broadcast<float[]> theta, int round) {
        return jsc.parallelize(workers, workers.size())
                .map(w -> InnerTraining.run(spec, theta.value(), round, w))
                .treeAggregate(DeltaSum.empty(), DeltaSum::add, DeltaSum::merge, 2);
    }

    /** Validation on the first n tokens, as `trident train` measures it: {nats per token, bits per byte}. */
    static double[] validate(Transformer model, int[] val, int ctx, int n, long valBytes) {
        double nats = Evaluator.totalNats(model, val, ctx, n);
        double bytes = (double) valBytes * (n - 1) / Math.max(1, val.length - 1);
        return new double[]{nats / Math.max(1, n - 1), nats / (Math.log(2) * bytes)};
    }

    private static void checkpoint(Path out, int roundsDone, Map<String, Object> run, float[] theta, OuterNesterov outer,
                                   Transformer model, List<RoundMetrics> history) {
        DilocoCheckpoint.save(out.resolve(DilocoCheckpoint.FILE), roundsDone, run, theta, outer.momentum());
        ModelFiles.saveWeights(out, model);
        StringBuilder csv = new StringBuilder("round,inner_loss,val_bpb,tokens,seconds,broadcast_bytes_per_worker,result_bytes\n");
        for (RoundMetrics m : history)
            csv.append(String.format(Locale.ROOT, "%d,%.6f,%s,%d,%.3f,%d,%d%n", m.round(), m.innerLoss(),
                    Double.isNaN(m.valBpb()) ? "" : String.format(Locale.ROOT, "%.6f", m.valBpb()), m.tokens(), m.seconds(),
                    m.broadcastBytesPerWorker(), m.resultBytes()));
        AtomicFile.write(out.resolve("diloco-metrics.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The rounds already in diloco-metrics.csv of a resumed run (so the file keeps the whole run). */
    private static List<RoundMetrics> readHistory(Path out, int rounds) {
        List<RoundMetrics> h = new ArrayList<>();
        Path csv = out.resolve("diloco-metrics.csv");
        if (rounds == 0 || !Files.isRegularFile(csv)) return h;
        try {
            List<String> lines = Files.readAllLines(csv);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split(",", -1);
                if (f.length != 7 || h.size() >= rounds) continue;
                h.add(new RoundMetrics(Integer.parseInt(f[0]), 0, Double.parseDouble(f[1]),
                        f[2].isEmpty() ? Double.NaN : Double.parseDouble(f[2]), Long.parseLong(f[3]),
                        Double.parseDouble(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6])));
            }
        } catch (IOException | RuntimeException e) {
            return new ArrayList<>(); // the metrics are a report; the checkpoint is what resumes
        }
        return h;
    }

    private static Map<String, Object> describe(DilocoOptions o, Path data, String preset) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("algorithm", "diloco");
        run.put("preset", preset);
        run.put("data", data.toString());
        run.put("workers", (long) o.workers());
        run.put("inner_steps", (long) o.innerSteps());
        run.put("rounds", (long) o.rounds());
        run.put("seed", o.seed());
        run.put("batch_size", (long) o.batchSize());
        run.put("seq_len", (long) o.seqLen());
        run.put("lr", o.learningRate());
        run.put("outer_lr", o.outerLr());
        run.put("outer_momentum", o.outerMomentum());
        run.put("keep_inner_state", o.keepInnerState());
        run.put("shard_block", (long) o.shardBlock());
        return run;
    }

    /** A resume must continue the same run: every setting that shapes the rounds has to match. */
    private static void checkSameRun(Path file, Map<String, Object> saved, Map<String, Object> now) {
        for (Map.Entry<String, Object> e : now.entrySet()) {
            Object s = saved.get(e.getKey());
            if (!String.valueOf(s).equals(String.valueOf(e.getValue())))
                throw new TridentException(file + ": was written by a run with " + e.getKey() + " = " + s + ", not " + e.getValue()
                        + "; resume with the same settings or use a fresh --out folder");
        }
    }

    private static byte[] readCorpus(Path data) {
        if (!Files.exists(data)) throw new TridentException("data file " + data + ": does not exist");
        if (!Files.isRegularFile(data)) throw new TridentException("data file " + data + ": is not a regular file");
        try {
            long size = Files.size(data);
            if (size == 0) throw new TridentException("data file " + data + ": is empty");
            if (size > Integer.MAX_VALUE - 16) throw new TridentException("data file " + data + ": is larger than 2 GB; split it");
            return Files.readAllBytes(data);
        } catch (IOException e) {
            throw new TridentException("data file " + data + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static byte[] readAll(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new TridentException(p + ": cannot read (" + e.getMessage() + ")", e);
        }
    }
}
