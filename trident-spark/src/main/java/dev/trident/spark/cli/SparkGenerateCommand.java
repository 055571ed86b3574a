package dev.trident.spark.cli;

import dev.trident.TridentException;
import dev.trident.model.ModelFiles;
import dev.trident.spark.infer.GenerationSpec;
import dev.trident.spark.infer.SparkGenerator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** trident spark-generate: a generation for every prompt of a table. */
@Command(name = "spark-generate", mixinStandardHelpOptions = true,
        description = {"Generates text for every prompt of a table on Spark; the same seed gives the same text as `trident generate`.",
                "Adds the columns generated, prompt_tokens, generated_tokens, stop_reason."})
final class SparkGenerateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SparkOptions sparkOptions;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (from trident train), at a path every executor can read")
    String model;
    @Option(names = "--input", required = true, paramLabel = "PATH", description = "Prompts: parquet, json lines, csv, or text (one prompt per line)")
    String input;
    @Option(names = "--input-format", paramLabel = "FMT", description = "parquet, json, csv or text (default: from the extension)")
    String inputFormat;
    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Where to write the table (a directory of part files)")
    String output;
    @Option(names = "--output-format", paramLabel = "FMT", defaultValue = "json", description = "json (default), parquet or csv")
    String outputFormat;
    @Option(names = "--overwrite", description = "Replace --output if it exists")
    boolean overwrite;
    @Option(names = "--prompt-column", defaultValue = "prompt", paramLabel = "NAME", description = "Column holding the prompt (default: prompt)")
    String promptColumn;
    @Option(names = "--seed-column", paramLabel = "NAME", description = "Column holding a per-row seed (default: --seed for every row)")
    String seedColumn;
    @Option(names = "--partitions", defaultValue = "0", paramLabel = "N", description = "Repartition the prompts into N tasks first (default: as read)")
    int partitions;
    @Option(names = "--max-tokens", defaultValue = "128", paramLabel = "N", description = "Tokens to generate per prompt (default: 128)")
    int maxTokens;
    @Option(names = "--temperature", defaultValue = "0.8", paramLabel = "T", description = "Sampling temperature; 0 = greedy (default: 0.8)")
    double temperature;
    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "Keep the K likeliest tokens; 0 = off")
    int topK;
    @Option(names = "--top-p", defaultValue = "1", paramLabel = "P", description = "Nucleus sampling; 1 = off")
    double topP;
    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Sampling seed (default: 0)")
    long seed;
    @Option(names = "--no-stop-at-eos", negatable = false, description = "Keep generating past the end-of-text token")
    boolean noStop;

    @Override
    public Integer call() {
        if (maxTokens < 1) throw new TridentException("--max-tokens must be at least 1");
        if (temperature < 0) throw new TridentException("--temperature must be >= 0");
        checkModel(model);
        GenerationSpec gs = new GenerationSpec(model, promptColumn, seedColumn, maxTokens, temperature, topK, topP, seed,
                !noStop, sparkOptions.threadsPerTask);
        SparkSession spark = sparkOptions.session();
        TaskProgress progress = new TaskProgress(spec.commandLine().getErr(), "spark-generate");
        spark.sparkContext().addSparkListener(progress);
        try {
            Dataset<Row> prompts = DataFiles.read(spark, input, inputFormat, promptColumn);
            if (partitions > 0) prompts = prompts.repartition(partitions);
            Dataset<Row> out = SparkGenerator.generate(prompts, gs);
            long t0 = System.nanoTime();
            DataFiles.write(out, output, outputFormat, overwrite);
            Dataset<Row> written = DataFiles.read(spark, output, outputFormat, promptColumn);
            long rows = written.count();
            long errors = written.filter(written.col(SparkGenerator.STOP_REASON).startsWith("error")).count();
            spec.commandLine().getErr().printf("spark-generate: %d rows in %.1f s (%d refused by the engine, see stop_reason)%n",
                    rows, (System.nanoTime() - t0) / 1e9, errors);
            spec.commandLine().getOut().println("rows=" + rows);
            spec.commandLine().getOut().println("output=" + output);
            return SparkMain.OK;
        } finally {
            spark.sparkContext().removeSparkListener(progress);
        }
    }

    /** On the driver, when it can see the model: a clear error before any task starts. */
    static void checkModel(String dir) {
        Path p = Path.of(dir);
        if (Files.exists(p) && !ModelFiles.looksLikeModelDir(p))
            throw new TridentException(dir + ": not a model directory (no " + ModelFiles.CONFIG + " and " + ModelFiles.WEIGHTS + "); pass the --out folder of 'trident train'");
    }
}
