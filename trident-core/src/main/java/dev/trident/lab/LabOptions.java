package dev.trident.lab;

import java.nio.file.Path;

/**
 * A lab run: the text (its last 10% is the validation split of every model), where everything goes, the wall-clock
 * training budget of each rung in minutes, quick (the tiny presets, for a smoke run), at most denseMax dense
 * references, decode prompts and tokens per prompt, the seed, the worker threads (for the report) and the command
 * line that started it (for the report). cpuClock counts each rung's budget in CPU time of the process rather than
 * wall-clock time: on a machine shared with other work the rungs, trained one after another, then get the same
 * compute whatever the load did meanwhile.
 */
public record LabOptions(Path data, Path out, double budgetMinutes, boolean quick, int denseMax, int prompts,
                         int decodeTokens, long seed, int threads, String command, boolean cpuClock) {

    public LabOptions {
        if (!(budgetMinutes > 0)) throw new IllegalArgumentException("budget must be positive");
        if (denseMax < 0 || prompts < 1 || decodeTokens < 1) throw new IllegalArgumentException("bad lab sizes");
    }

    /** Defaults: 10 minutes a rung, up to 3 dense references, 8 prompts x 64 tokens; quick: 0.1 minute, 2, 2 x 32. */
    public static LabOptions of(Path data, Path out, Double budgetMinutes, boolean quick, int threads, String command) {
        double budget = budgetMinutes != null ? budgetMinutes : quick ? 0.1 : 10;
        return new LabOptions(data, out, budget, quick, quick ? 2 : 3, quick ? 2 : 8, quick ? 32 : 64, 1337, threads, command, false);
    }

    public LabOptions withDenseMax(int n) {
        return new LabOptions(data, out, budgetMinutes, quick, n, prompts, decodeTokens, seed, threads, command, cpuClock);
    }

    public LabOptions withCpuClock(boolean on) {
        return new LabOptions(data, out, budgetMinutes, quick, denseMax, prompts, decodeTokens, seed, threads, command, on);
    }
}
