package dev.trident.cli;

import dev.trident.model.Presets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** The `trident` command: train, evaluate and run small DeepSeek-style language models on a CPU. */
@Command(name = "trident", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Train, evaluate and run small DeepSeek-style language models on a CPU, in pure Java.",
        footer = {"", "Start with `trident demo`. Every command has --help. Bad input exits 2 with one line on stderr."},
        subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, GenerateCommand.class, ServeCommand.class, BenchCommand.class, CompareCommand.class,
                TokenizerCommand.class, ConvertCommand.class, QuantizeCommand.class, InspectCommand.class, LabCommand.class, PatchCommand.class,
                HelpCommand.class})
public final class Main implements Callable<Integer> {
    @Spec CommandSpec spec;

    /** `trident` alone: show what there is to do. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.BAD_INPUT;
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true"); // loss.png is drawn without a display
        dev.trident.kernels.Simd.checkOrWarn(); // first, so a missing Vector API is one clear line, not a crash
        // UTF-8 regardless of the locale: generated text and scripts reading it both expect it.
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out),
                StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err),
                StandardCharsets.UTF_8), true);
        int code = run(args, out, err, "1".equals(System.getenv("TRIDENT_DEBUG")));
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command line in-process: what main does, minus System.exit. Tests call this. */
    public static int run(String[] args, PrintWriter out, PrintWriter err, boolean debug) {
        Errors errors = new Errors(debug);
        try {
            return commandLine(out, err, errors).execute(args);
        } catch (Throwable t) { // what picocli lets through, e.g. OutOfMemoryError
            return errors.handle(t, err);
        }
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err, Errors errors) {
        CommandLine cl = new CommandLine(new Main())
                .setOut(out)
                .setErr(err)
                .setParameterExceptionHandler(errors)
                .setExecutionExceptionHandler(errors)
                .setUsageHelpAutoWidth(true);
        CommandSpec train = cl.getSubcommands().get("train").getCommandSpec();
        train.usageMessage().footer(presetFooter());
        return cl;
    }

    /** The presets for `trident train --help`; help must work even if the core cannot list them. */
    static String[] presetFooter() {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("Presets:");
        try {
            List<String> names = Presets.names();
            int width = names.stream().mapToInt(String::length).max().orElse(0);
            for (String name : names) {
                String line = "  " + name + " ".repeat(width - name.length() + 2) + Presets.describe(name);
                lines.add(line.replace("%", "%%")); // picocli formats help text

            }
            for (String name : dev.trident.blt.BltPresets.names())
                lines.add(("  " + name + " ".repeat(Math.max(2, width - name.length() + 2)) + dev.trident.blt.BltPresets.get(name).description()).replace("%", "%%"));
        } catch (RuntimeException e) {
            lines.add("  (not available: " + Errors.oneLine(e.getMessage()).replace("%", "%%") + ")");
        }
        return lines.toArray(String[]::new);
    }
}
