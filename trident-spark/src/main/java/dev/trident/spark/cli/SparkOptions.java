package dev.trident.spark.cli;

import dev.trident.spark.LocalSpark;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/** Options every Spark command takes: where Spark runs and how many kernel threads a task uses. */
final class SparkOptions {
    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (default: what spark-submit set, else local[*] on this machine, bound to 127.0.0.1, no web UI)")
    String master;

    @Option(names = "--threads-per-task", paramLabel = "N", defaultValue = "0",
            description = "Kernel threads inside each task (default 0: spark.task.cpus; Spark already runs a task per core)")
    int threadsPerTask;

    /** The session spark-submit configured, or a loopback local one when there is no master yet. */
    SparkSession session() {
        if (master != null && LocalSpark.isLocal(master)) return LocalSpark.builder(master).getOrCreate();
        if (master != null) return SparkSession.builder().appName("trident").master(master).getOrCreate();
        if (System.getProperty("spark.master") != null) return SparkSession.builder().appName("trident").getOrCreate();
        return LocalSpark.builder("local[*]").getOrCreate();
    }
}
