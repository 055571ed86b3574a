package dev.trident.cli;

import dev.trident.kernels.WorkerPool;
import dev.trident.lab.Lab;
import dev.trident.lab.LabOptions;
import dev.trident.lab.LabReport;
import dev.trident.lab.LabResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** trident lab: what each DeepSeek technique saves per token at equal quality, measured in one command. */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = {"The efficiency lab: train a dense baseline and DeepSeek's techniques added one by one "
                + "(DeepSeekMoE, MLA, MTP, FP8 training) for the same wall-clock budget each, serve the last with "
                + "fp32 / FP8-block / Q8_0 weights and MTP speculative decoding, train dense references until one "
                + "matches its quality, and report the cost per token of each.",
                "Writes report.md, results.csv, bpb-vs-compute.png and cost-vs-bpb.png to --out; per-rung results "
                        + "land in --out/results as each rung finishes, and a rerun reuses them."})
final class LabCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ThreadsOption threads;

    @Option(names = "--data", paramLabel = "FILE", defaultValue = "data/tinyshakespeare.txt",
            description = "Text to train on (UTF-8); its last 10%% is the validation text (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--budget", paramLabel = "MINUTES",
            description = "Wall-clock training minutes per rung (default: 10; with --quick 0.1).")
    Double budget;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the lab's models and report go (default: runs/lab, with --quick runs/lab-quick).")
    Path out;

    @Option(names = "--quick", description = "The tiny presets and a tiny budget: the whole lab in a few minutes (a smoke run, not a result).")
    boolean quick;

    @Option(names = "--clock", paramLabel = "wall|cpu", defaultValue = "wall",
            description = "What --budget counts: wall-clock time, or CPU time of the process (fair on a machine shared with other work; default: ${DEFAULT-VALUE}).")
    String clock;

    @Option(names = "--dense-max", paramLabel = "N",
            description = "At most N dense reference models for the equal-quality match (default: 3; with --quick 2).")
    Integer denseMax;

    @Override
    public Integer call() throws IOException {
        threads.apply();
        Checks.positive(spec, "--budget", budget);
        Checks.nonNegative(spec, "--dense-max", denseMax);
        if (!clock.equals("wall") && !clock.equals("cpu"))
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--clock must be wall or cpu, got " + clock);
        Checks.dataFile(data);
        Path dir = out != null ? out : Path.of(quick ? "runs/lab-quick" : "runs/lab");
        Checks.outDir(dir);
        String command = "trident " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        LabOptions o = LabOptions.of(data, dir, budget, quick, WorkerPool.global().threads(), command);
        if (denseMax != null) o = o.withDenseMax(denseMax);
        o = o.withCpuClock(clock.equals("cpu"));
        PrintWriter stdout = spec.commandLine().getOut(), stderr = spec.commandLine().getErr();
        LabResult result;
        try (LabProgress progress = new LabProgress(stderr)) {
            result = Lab.run(o, progress);
        }
        LabPlots.write(result, dir);
        stdout.printf(Locale.ROOT, "report %s%n", dir.resolve(LabReport.REPORT));
        stdout.printf(Locale.ROOT, "csv %s%n", dir.resolve(LabReport.CSV));
        stdout.printf(Locale.ROOT, "plots %s %s%n", dir.resolve(LabPlots.COMPUTE), dir.resolve(LabPlots.COST));
        if (result.ladder().getFirst().ok()) stdout.printf(Locale.ROOT, "baseline_bpb=%.4f%n", result.ladder().getFirst().valBpb());
        if (result.finalRow() != null && result.finalRow().ok()) stdout.printf(Locale.ROOT, "final_bpb=%.4f%n", result.finalRow().valBpb());
        if (Double.isFinite(result.bytesRatio())) stdout.printf(Locale.ROOT, "bytes_per_token_ratio=%.2f%n", result.bytesRatio());
        if (Double.isFinite(result.timeRatio())) stdout.printf(Locale.ROOT, "decode_time_ratio=%.2f%n", result.timeRatio());
        stdout.flush();
        return ExitCodes.OK;
    }
}
