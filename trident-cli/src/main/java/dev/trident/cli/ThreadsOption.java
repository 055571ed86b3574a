package dev.trident.cli;

import dev.trident.kernels.WorkerPool;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** --threads, shared by every command that computes. */
final class ThreadsOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--threads", paramLabel = "N",
            description = "Worker threads for the kernels (default: one per core).")
    Integer threads;

    /** Resizes the global worker pool if --threads was given. */
    void apply() {
        if (threads == null) return;
        if (threads < 1) throw new ParameterException(spec.commandLine(), "--threads must be >= 1, got " + threads);
        WorkerPool.setGlobalThreads(threads);
    }
}
