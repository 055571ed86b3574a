package dev.trident.cli;

import dev.trident.TridentException;
import dev.trident.eval.EvalResult;
import dev.trident.eval.Evaluator;
import dev.trident.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** trident eval: validation loss and bits per byte of a model on the last 10% of a text file. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Measure a model on the last 10%% of a text file (the same split `trident train` holds out).",
                "Prints val_loss=<nats/token (nats/byte for a BLT)>, the FLOPs per byte and, as its last line, val_bpb=<bits/byte>."})
final class EvalCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ThreadsOption threads;

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "A model folder (from `trident train` or `trident convert`) or a .gguf file.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "The text file to validate on.")
    Path data;

    @Option(names = "--noise", paramLabel = "P",
            description = "Measure on a noised copy of the validation text: each character case-flipped, dropped or repeated with probability P (e.g. 0.05).")
    Double noise;

    @Option(names = "--noise-seed", paramLabel = "S", defaultValue = "1", description = "Seed of --noise (default: ${DEFAULT-VALUE}).")
    long noiseSeed;

    @Override
    public Integer call() {
        threads.apply();
        Checks.model(model);
        if (noise != null && !(noise >= 0 && noise <= 1))
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--noise must be between 0 and 1, got " + noise);
        byte[] validation = Evaluator.validationSplit(Checks.readData(data));
        if (validation.length == 0) {
            throw new TridentException("data file " + data + ": too short to hold out 10% for validation");
        }
        if (noise != null) validation = dev.trident.eval.TextNoise.apply(validation, noise, noiseSeed);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (dev.trident.blt.BltFiles.isBltModel(model)) return BltRun.eval(model, validation, data, out, err);

        Model m = Model.load(model); // before the bar, so a bad model directory is one line on stderr
        EvalResult r;
        // The evaluator reports no progress yet, so the bar shows elapsed time only. TODO(lead): a progress hook.
        try (Progress.Bar bar = Progress.bar("eval", -1, 0, err)) {
            bar.setExtraMessage(String.format(Locale.ROOT, "%s parameters, %s bytes",
                    Format.count(m.parameterCount()), Format.count(validation.length)));
            r = Evaluator.evaluate(m, validation);
        }
        err.printf(Locale.ROOT, "evaluated %,d tokens (%,d bytes) of %s%n", r.tokens(), r.bytes(), data);
        err.flush();
        // The FLOP account: forward FLOPs per token at the mean context of the evaluation windows, per byte.
        var c = m.config();
        double bytesPerToken = (double) r.bytes() / Math.max(1, r.tokens()), perToken = c.forwardFlopsPerToken(c.maxSeqLen() / 2);
        out.printf(Locale.ROOT, "val_loss=%.4f%n", r.natsPerToken());
        out.printf(Locale.ROOT, "bytes_per_token=%.3f%n", bytesPerToken);
        out.printf(Locale.ROOT, "flops_per_byte=%.4g (forward %.4g per token at a mean context of %d tokens)%n",
                perToken / bytesPerToken, perToken, c.maxSeqLen() / 2);
        out.printf(Locale.ROOT, "val_bpb=%.4f%n", r.bitsPerByte());
        out.flush();
        return ExitCodes.OK;
    }
}
