package dev.trident.spark.cli;

import dev.trident.TridentException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * The Spark commands of Trident, in their own jar so that the `trident` CLI never loads Spark:
 * {@code spark-submit --class dev.trident.spark.cli.SparkMain trident-spark.jar spark-generate ...}, or
 * {@code ./trident spark-generate ...} on one machine (the launcher runs this class with Spark's jars).
 */
@Command(name = "trident", mixinStandardHelpOptions = true, version = "trident-spark 0.1.0",
        description = "Trident on Apache Spark: batch generation and scoring over datasets, DiLoCo data-parallel training.",
        footer = {"", "Run under spark-submit on a cluster, or with ./trident spark-... on one machine (local[*])."},
        subcommands = {SparkGenerateCommand.class, SparkScoreCommand.class, SparkTrainCommand.class, SparkBenchCommand.class, HelpCommand.class})
public final class SparkMain implements Callable<Integer> {
    static final int OK = 0, BAD_INPUT = 2, INTERNAL = 1;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return BAD_INPUT;
    }

    public static void main(String[] args) {
        dev.trident.kernels.Simd.checkOrWarn();
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        int code = run(args, out, err, "1".equals(System.getenv("TRIDENT_DEBUG")));
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** One command line in-process (tests call this). */
    public static int run(String[] args, PrintWriter out, PrintWriter err, boolean debug) {
        CommandLine cl = new CommandLine(new SparkMain()).setOut(out).setErr(err).setUsageHelpAutoWidth(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("trident: " + oneLine(ex.getMessage()) + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> handle(ex, err, debug));
        try {
            return cl.execute(args);
        } catch (Throwable t) {
            return handle(t, err, debug);
        }
    }

    /**
     * Bad input, here or on an executor (Spark wraps an executor's exception in its own, often only as text), is
     * one line and exit 2; anything else is an internal error, exit 1.
     */
    static int handle(Throwable t, PrintWriter err, boolean debug) {
        String bad = badInput(t);
        if (debug) t.printStackTrace(err);
        if (bad != null) {
            err.println("trident: " + bad);
            return BAD_INPUT;
        }
        err.println("trident: internal error: " + oneLine(t.toString()) + (debug ? "" : " (set TRIDENT_DEBUG=1 for the stack trace)"));
        return INTERNAL;
    }

    private static String badInput(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TridentException) return oneLine(c.getMessage());
            if (c instanceof IllegalArgumentException && c.getStackTrace().length > 0
                    && c.getStackTrace()[0].getClassName().startsWith("dev.trident")) return oneLine(c.getMessage());
            if (c.getClass().getName().equals("org.apache.spark.sql.AnalysisException")) return oneLine(c.getMessage());
            String m = c.getMessage();
            String marker = TridentException.class.getName() + ": ";
            if (m != null && m.contains(marker)) return oneLine(m.substring(m.indexOf(marker) + marker.length()));
        }
        return null;
    }

    static String oneLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
