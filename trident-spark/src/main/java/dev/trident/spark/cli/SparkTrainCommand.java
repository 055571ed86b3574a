package dev.trident.spark.cli;

import dev.trident.TridentException;
import dev.trident.model.Presets;
import dev.trident.spark.diloco.DilocoListener;
import dev.trident.spark.diloco.DilocoOptions;
import dev.trident.spark.diloco.DilocoResult;
import dev.trident.spark.diloco.DilocoTrainer;
import dev.trident.spark.diloco.RoundMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** trident spark-train: DiLoCo data-parallel training on Spark. */
@Command(name = "spark-train", mixinStandardHelpOptions = true,
        description = {"Trains on Spark with DiLoCo: each round every worker takes H AdamW steps on its share of the data,",
                "then the driver averages their changes and applies them with Nesterov momentum. One exchange of",
                "the parameters per H steps instead of one per step. Writes a model directory like `trident train`."})
final class SparkTrainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SparkOptions sparkOptions;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Training text, at a path every executor can read (last 10% validates)")
    Path data;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output model directory (on the driver)")
    Path out;
    @Option(names = "--preset", defaultValue = "tiny", paramLabel = "NAME", description = "Model and training preset (default: tiny)")
    String preset;
    @Option(names = "--workers", defaultValue = "2", paramLabel = "K", description = "Model replicas, one Spark task each per round (default: 2)")
    int workers;
    @Option(names = {"--inner-steps", "-H"}, defaultValue = "50", paramLabel = "H", description = "AdamW steps per worker per round (default: 50)")
    int innerSteps;
    @Option(names = "--rounds", required = true, paramLabel = "T", description = "Outer rounds (each worker trains T x H steps in all)")
    int rounds;
    @Option(names = "--outer-lr", defaultValue = "0.7", paramLabel = "LR", description = "Outer Nesterov learning rate (default: 0.7, the paper's)")
    double outerLr;
    @Option(names = "--outer-momentum", defaultValue = "0.9", paramLabel = "MU", description = "Outer Nesterov momentum (default: 0.9, the paper's; on short runs from scratch 0.5 or 0 did better, docs/spark.md)")
    double outerMomentum;
    @Option(names = "--batch-size", defaultValue = "0", paramLabel = "B", description = "Sequences per inner step per worker (default: the preset's)")
    int batchSize;
    @Option(names = "--seq-len", defaultValue = "0", paramLabel = "T", description = "Tokens per sequence (default: the preset's)")
    int seqLen;
    @Option(names = "--lr", defaultValue = "0", paramLabel = "LR", description = "Inner AdamW peak learning rate (default: the preset's)")
    double lr;
    @Option(names = "--seed", defaultValue = "1337", paramLabel = "N", description = "Seed of the initial weights and the data order (default: 1337)")
    long seed;
    @Option(names = "--eval-every", defaultValue = "1", paramLabel = "R", description = "Validate every R rounds (default: 1)")
    int evalEvery;
    @Option(names = "--worker-state", paramLabel = "DIR", description = "Where workers keep their AdamW states between rounds; every executor must read and write it (default: OUT/diloco-workers)")
    Path workerState;
    @Option(names = "--reset-inner-optimizer", description = "Restart the workers' AdamW moments every round (not the paper's recipe; for comparison)")
    boolean resetInner;
    @Option(names = "--shard-block", defaultValue = "16384", paramLabel = "BYTES", description = "Deal the training text to the workers in blocks of this many bytes, round-robin (default: 16384; 0: one contiguous slice each)")
    int shardBlock;
    @Option(names = "--resume", description = "Continue from the last round checkpointed in --out (same settings)")
    boolean resume;

    @Override
    public Integer call() {
        Presets.get(preset);
        if (workers < 1 || innerSteps < 1 || rounds < 1) throw new TridentException("--workers, --inner-steps and --rounds must be at least 1");
        if (shardBlock < 0) throw new TridentException("--shard-block must be >= 0");
        if (outerLr <= 0 || outerMomentum < 0 || outerMomentum >= 1) throw new TridentException("--outer-lr must be > 0 and --outer-momentum in [0, 1)");
        DilocoOptions o = new DilocoOptions(data, preset, out, workers, innerSteps, rounds, seed, batchSize, seqLen, lr,
                outerLr, outerMomentum, evalEvery, resume, sparkOptions.threadsPerTask, !resetInner, workerState, shardBlock);
        PrintWriter err = spec.commandLine().getErr();
        DilocoResult r = DilocoTrainer.train(sparkOptions.session(), o, new DilocoListener() {
            long t0 = System.nanoTime();
            int first;

            @Override
            public void onPhase(String phase) {
                err.println("spark-train: " + phase);
            }

            @Override
            public void onStart(int firstRound, int total, long parameters, long tokensPerRound) {
                first = firstRound;
                t0 = System.nanoTime();
                err.printf(Locale.ROOT, "spark-train: %,d parameters, %d workers x %d steps per round, %,d tokens per round, rounds %d..%d%n",
                        parameters, workers, innerSteps, tokensPerRound, firstRound + 1, total);
            }

            @Override
            public void onRound(RoundMetrics m) {
                double secs = (System.nanoTime() - t0) / 1e9;
                int done = m.round() - first;
                double eta = secs / done * (m.rounds() - m.round());
                err.printf(Locale.ROOT, "round %d/%d  inner loss %.4f%s  %.0f tok/s  %.0f s  ETA %.0f s%n", m.round(), m.rounds(),
                        m.innerLoss(), Double.isNaN(m.valBpb()) ? "" : String.format(Locale.ROOT, "  val bpb %.4f", m.valBpb()),
                        done * (double) (m.tokens() / m.round()) / secs, secs, eta);
                err.flush();
            }
        });
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.printf(Locale.ROOT, "bytes_per_worker_step=%.0f%n", r.bytesPerWorkerStep(workers, innerSteps));
        stdout.printf(Locale.ROOT, "sync_dp_bytes_per_worker_step=%d%n", 2L * 4 * r.parameters().length);
        stdout.printf(Locale.ROOT, "tokens=%d%n", r.tokens());
        stdout.printf(Locale.ROOT, "val_loss=%.4f%n", r.valLoss());
        stdout.printf(Locale.ROOT, "val_bpb=%.4f%n", r.valBpb());
        return SparkMain.OK;
    }
}
