package dev.trident.spark.cli;

import dev.trident.TridentException;
import dev.trident.infer.BatchGenerator;
import dev.trident.infer.GenerationResult;
import dev.trident.infer.Generator;
import dev.trident.kernels.WorkerPool;
import dev.trident.model.Model;
import dev.trident.spark.infer.GenerationSpec;
import dev.trident.spark.infer.SparkGenerator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * trident spark-bench: the same prompts through the single-process engine and through Spark in the same JVM,
 * interleaved, checking the outputs are identical and timing each. Three ways: "single" (one Generator, prompts in
 * turn, the kernels on a pool of --single-threads: what `trident generate` does), "single-par" (one Generator per
 * core, the prompts split between them), "single-batched" (one BatchGenerator per core, the prompts split between
 * them: the best one process does with these cores, and what each Spark task runs) and "spark" (SparkGenerator over
 * --partitions tasks).
 */
@Command(name = "spark-bench", mixinStandardHelpOptions = true,
        description = "Times batch generation on Spark against the single-process engine on the same prompts and checks the outputs are identical.")
final class SparkBenchCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SparkOptions sparkOptions;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory")
    Path model;
    @Option(names = "--prompts", required = true, paramLabel = "FILE", description = "Text file, one prompt per line (cycled to --count)")
    Path prompts;
    @Option(names = "--count", defaultValue = "10000", paramLabel = "N", description = "Prompts (default: 10000)")
    int count;
    @Option(names = "--max-tokens", defaultValue = "32", paramLabel = "N", description = "Tokens per prompt (default: 32)")
    int maxTokens;
    @Option(names = "--temperature", defaultValue = "0.8", paramLabel = "T", description = "Sampling temperature (default: 0.8)")
    double temperature;
    @Option(names = "--seed", defaultValue = "7", paramLabel = "N", description = "Base seed; row i samples with seed + i")
    long seed;
    @Option(names = "--partitions", defaultValue = "8", paramLabel = "N", description = "Spark tasks (default: 8)")
    int partitions;
    @Option(names = "--single-threads", defaultValue = "0", paramLabel = "N", description = "Kernel threads of the single-process run (default: all cores)")
    int singleThreads;
    @Option(names = "--repeats", defaultValue = "3", paramLabel = "R", description = "Timed rounds of each way, interleaved (default: 3)")
    int repeats;

    @Override
    public Integer call() throws Exception {
        List<String> lines;
        try {
            lines = Files.readAllLines(prompts).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new TridentException(prompts + ": cannot read (" + e.getMessage() + ")");
        }
        if (lines.isEmpty()) throw new TridentException(prompts + ": no prompts");
        String[] p = new String[count];
        for (int i = 0; i < count; i++) p[i] = lines.get(i % lines.size());
        Model m = Model.load(model);
        GenerationSpec gs = new GenerationSpec(model.toAbsolutePath().toString(), "prompt", "seed", maxTokens, temperature, 0, 1, seed, true, 1);
        int cores = Runtime.getRuntime().availableProcessors();
        int single = singleThreads > 0 ? singleThreads : cores;
        SparkSession spark = sparkOptions.session();
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("prompt", DataTypes.StringType).add("seed", DataTypes.LongType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) rows.add(RowFactory.create(i, p[i], seed + i));
        var input = spark.createDataFrame(rows, schema).repartition(partitions).cache();
        input.count();

        PrintWriter err = spec.commandLine().getErr(), out = spec.commandLine().getOut();
        double[] tSingle = new double[repeats], tPar = new double[repeats], tSpark = new double[repeats], tBatched = new double[repeats];
        long tokens = 0;
        int identical = 0, identicalBatched = count;
        for (int r = 0; r < repeats; r++) {
            WorkerPool.setGlobalThreads(single);
            long t0 = System.nanoTime();
            String[] expected = new String[count];
            int[] expectedTokens = new int[count];
            Generator g = new Generator(m);
            for (int i = 0; i < count; i++) {
                GenerationResult res = g.generate(p[i], gs.sampling(seed + i), null);
                expected[i] = res.text();
                expectedTokens[i] = res.tokens().length;
            }
            tSingle[r] = (System.nanoTime() - t0) / 1e9;

            t0 = System.nanoTime();
            List<Row> got = SparkGenerator.generate(input, gs).select("id", SparkGenerator.GENERATED, SparkGenerator.GENERATED_TOKENS).collectAsList();
            tSpark[r] = (System.nanoTime() - t0) / 1e9;
            identical = 0;
            tokens = 0;
            for (Row row : got) {
                int id = row.getInt(0);
                if (expected[id].equals(row.getString(1)) && expectedTokens[id] == row.getInt(2)) identical++;
                tokens += row.getInt(2);
            }

            WorkerPool.setGlobalThreads(1);
            t0 = System.nanoTime();
            runSplit(cores, count, (c, from, to) -> {
                Generator own = new Generator(m);
                for (int i = from; i < to; i++) own.generate(p[i], gs.sampling(seed + i), null);
            });
            tPar[r] = (System.nanoTime() - t0) / 1e9;

            t0 = System.nanoTime();
            int[] batchedSame = new int[cores];
            runSplit(cores, count, (c, from, to) -> {
                List<BatchGenerator.Request<Integer>> reqs = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) reqs.add(new BatchGenerator.Request<>(p[i], gs.sampling(seed + i), i));
                int same = 0;
                for (BatchGenerator.Outcome<Integer> o : new BatchGenerator(m).generateAll(reqs))
                    if (o.result().text().equals(expected[o.tag()]) && o.result().tokens().length == expectedTokens[o.tag()]) same++;
                batchedSame[c] = same;
            });
            tBatched[r] = (System.nanoTime() - t0) / 1e9;
            int sameBatched = Arrays.stream(batchedSame).sum();
            identicalBatched = Math.min(identicalBatched, sameBatched);
            err.printf(Locale.ROOT, "round %d: single %.1f s, spark %.1f s, single-par %.1f s, single-batched %.1f s, identical %d/%d (spark) %d/%d (batched)%n",
                    r + 1, tSingle[r], tSpark[r], tPar[r], tBatched[r], identical, count, sameBatched, count);
            err.flush();
        }
        double s = median(tSingle), sp = median(tSpark), par = median(tPar), bat = median(tBatched);
        out.printf(Locale.ROOT, "prompts=%d generated_tokens=%d cores=%d partitions=%d%n", count, tokens, cores, partitions);
        out.printf(Locale.ROOT, "single_s=%.2f single_par_s=%.2f single_batched_s=%.2f spark_s=%.2f (medians of %d)%n", s, par, bat, sp, repeats);
        out.printf(Locale.ROOT, "spark_vs_single=%.2fx spark_vs_single_par=%.2fx spark_vs_single_batched=%.2fx%n", s / sp, par / sp, bat / sp);
        double[] ratios = new double[repeats];
        for (int r = 0; r < repeats; r++) ratios[r] = tBatched[r] / tSpark[r];
        out.printf(Locale.ROOT, "spark_vs_single_batched_per_round=%s (median %.2fx)%n", Arrays.toString(Arrays.stream(ratios).map(x -> Math.round(x * 100) / 100.0).toArray()), median(ratios));
        out.printf(Locale.ROOT, "identical=%d/%d identical_batched=%d/%d%n", identical, count, identicalBatched, count);
        return identical == count && identicalBatched == count ? SparkMain.OK : SparkMain.INTERNAL;
    }

    /** [0, count) split into one contiguous range per core, each run on its own platform thread. */
    private static void runSplit(int cores, int count, RangeWork work) throws InterruptedException {
        Thread[] threads = new Thread[cores];
        for (int c = 0; c < cores; c++) {
            int from = count * c / cores, to = count * (c + 1) / cores;
            int core = c;
            threads[c] = Thread.ofPlatform().start(() -> work.run(core, from, to));
        }
        for (Thread t : threads) t.join();
    }

    private interface RangeWork {
        void run(int core, int from, int to);
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
