package dev.trident.spark.cli;

import dev.trident.TridentException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.util.Locale;

/**
 * Reading and writing the commands' tables, by format: parquet, json (JSON lines), csv (with a header), or text
 * (one row per line, in a column named by the command). The format comes from --format or the path's extension.
 */
final class DataFiles {
    private DataFiles() {}

    static String formatOf(String path, String format) {
        if (format != null) return check(format.toLowerCase(Locale.ROOT));
        String p = path.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
        if (p.endsWith(".parquet")) return "parquet";
        if (p.endsWith(".json") || p.endsWith(".jsonl")) return "json";
        if (p.endsWith(".csv")) return "csv";
        if (p.endsWith(".txt")) return "text";
        throw new TridentException(path + ": cannot tell the format from the name; pass --input-format parquet|json|csv|text");
    }

    private static String check(String f) {
        return switch (f) {
            case "parquet", "json", "csv", "text" -> f;
            default -> throw new TridentException("format '" + f + "' is not one of parquet, json, csv, text");
        };
    }

    /** The table at path; a text file becomes one column named textColumn. */
    static Dataset<Row> read(SparkSession spark, String path, String format, String textColumn) {
        String f = formatOf(path, format);
        return switch (f) {
            case "text" -> spark.read().text(path).withColumnRenamed("value", textColumn);
            case "csv" -> spark.read().option("header", "true").option("multiLine", "true").option("escape", "\"").csv(path);
            default -> spark.read().format(f).load(path);
        };
    }

    static void write(Dataset<Row> table, String path, String format, boolean overwrite) {
        String f = format == null ? "json" : check(format.toLowerCase(Locale.ROOT));
        if (f.equals("text")) throw new TridentException("text output would drop columns; use --output-format json, parquet or csv");
        var w = table.write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists);
        if (f.equals("csv")) w = w.option("header", "true").option("escape", "\"");
        try {
            w.format(f).save(path);
        } catch (Exception e) { // Spark's AnalysisException is a checked exception thrown unchecked from Scala
            if (String.valueOf(e.getMessage()).contains("PATH_ALREADY_EXISTS"))
                throw new TridentException(path + ": already exists; pass --overwrite or choose another --output");
            if (e instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e);
        }
    }
}
