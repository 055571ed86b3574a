package dev.trident.spark.cli;

import dev.trident.spark.infer.ScoreSpec;
import dev.trident.spark.infer.SparkScorer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.Locale;
import java.util.concurrent.Callable;

/** trident spark-score: bits per byte of every document of a table. */
@Command(name = "spark-score", mixinStandardHelpOptions = true,
        description = {"Scores every document of a table on Spark: bits per byte by the model, as `trident eval` measures it.",
                "Adds the columns tokens, bytes, nats_per_token, bpb; prints the corpus bpb last."})
final class SparkScoreCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SparkOptions sparkOptions;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (from trident train), at a path every executor can read")
    String model;
    @Option(names = "--input", required = true, paramLabel = "PATH", description = "Documents: parquet, json lines, csv, or text (one document per line)")
    String input;
    @Option(names = "--input-format", paramLabel = "FMT", description = "parquet, json, csv or text (default: from the extension)")
    String inputFormat;
    @Option(names = "--output", paramLabel = "DIR", description = "Where to write the scored table (default: only print the corpus figure)")
    String output;
    @Option(names = "--output-format", paramLabel = "FMT", defaultValue = "json", description = "json (default), parquet or csv")
    String outputFormat;
    @Option(names = "--overwrite", description = "Replace --output if it exists")
    boolean overwrite;
    @Option(names = "--text-column", defaultValue = "text", paramLabel = "NAME", description = "Column holding the document (default: text)")
    String textColumn;
    @Option(names = "--partitions", defaultValue = "0", paramLabel = "N", description = "Repartition the documents into N tasks first (default: as read)")
    int partitions;

    @Override
    public Integer call() {
        SparkGenerateCommand.checkModel(model);
        SparkSession spark = sparkOptions.session();
        TaskProgress progress = new TaskProgress(spec.commandLine().getErr(), "spark-score");
        spark.sparkContext().addSparkListener(progress);
        try {
            Dataset<Row> docs = DataFiles.read(spark, input, inputFormat, textColumn);
            if (partitions > 0) docs = docs.repartition(partitions);
            Dataset<Row> scored = SparkScorer.score(docs, new ScoreSpec(model, textColumn, sparkOptions.threadsPerTask));
            if (output != null) {
                DataFiles.write(scored, output, outputFormat, overwrite);
                scored = DataFiles.read(spark, output, outputFormat, textColumn);
                spec.commandLine().getOut().println("output=" + output);
            }
            double bpb = SparkScorer.corpusBitsPerByte(scored);
            spec.commandLine().getOut().println("documents=" + scored.count());
            spec.commandLine().getOut().println(String.format(Locale.ROOT, "bpb=%.4f", bpb));
            return SparkMain.OK;
        } finally {
            spark.sparkContext().removeSparkListener(progress);
        }
    }
}
