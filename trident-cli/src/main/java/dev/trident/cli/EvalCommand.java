package dev.trident.cli;

import dev.trident.TridentException;
import dev.trident.eval.EvalResult;
import dev.trident.eval.Evaluator;
import dev.trident.infer.ModelWeights;
import dev.trident.io.AtomicFile;
import dev.trident.model.Model;
import dev.trident.quant.WeightFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** trident eval: validation loss and bits per byte of a model on the last 10% of a text file, per weight format. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Measure a model on the last 10%% of a text file (the same split `trident train` holds out).",
                "Prints val_loss=<nats/token (nats/byte for a BLT)>, the FLOPs per byte and, as its last line, val_bpb=<bits/byte>.",
                "With --formats, runs the model through the inference runtime once per weight format, prints a table of "
                        + "validation BPB and its degradation against f32, writes it as CSV, and ends with val_bpb= of "
                        + "the first format listed."})
final class EvalCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ThreadsOption threads;
    @Mixin WeightsOption weights;

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "A model folder (from `trident train` or `trident convert`) or a .gguf file.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "The text file to validate on.")
    Path data;

    @Option(names = "--noise", paramLabel = "P",
            description = "Measure on a noised copy of the validation text: each character case-flipped, dropped or repeated with probability P (e.g. 0.05).")
    Double noise;

    @Option(names = "--noise-seed", paramLabel = "S", defaultValue = "1", description = "Seed of --noise (default: ${DEFAULT-VALUE}).")
    long noiseSeed;

    @Option(names = "--formats", paramLabel = "LIST", split = ",",
            description = "Weight formats to compare, e.g. f32,bf16,q8_0,fp8,q4_k,q4_0 (f32 is added as the reference if missing).")
    List<String> formats;

    @Option(names = "--csv", paramLabel = "FILE",
            description = "With --formats: where the table goes as CSV (default: eval-formats.csv in the model directory).")
    Path csv;

    @Override
    public Integer call() {
        threads.apply();
        if (formats != null && weights.weights != null)
            throw new ParameterException(spec.commandLine(), "--formats and --weights do not go together; list the formats in --formats");
        if (csv != null && formats == null) throw new ParameterException(spec.commandLine(), "--csv needs --formats");
        List<WeightFormat> list = new ArrayList<>();
        if (formats != null) for (String f : formats) list.add(weights.parse("--formats", f));
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
        if (formats != null) return table(m, validation, list, out, err);
        EvalResult r;
        if (weights.weights == null && weights.headFormat == null) {
            // The evaluator reports no progress on this path, so the bar shows elapsed time only.
            try (Progress.Bar bar = Progress.bar("eval", -1, 0, err)) {
                bar.setExtraMessage(String.format(Locale.ROOT, "%s parameters, %s bytes",
                        Format.count(m.parameterCount()), Format.count(validation.length)));
                r = Evaluator.evaluate(m, validation);
            }
        } else {
            r = throughDecoder(m, weights.load(m, err), weights.format().name(), validation, err);
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

    /** One evaluation through the decoder over w, with a progress bar over the context windows. */
    private static EvalResult throughDecoder(Model m, ModelWeights w, String label, byte[] validation, PrintWriter err) {
        try (Progress.Bar bar = Progress.bar("eval " + label.toLowerCase(Locale.ROOT), -1, 0, err)) {
            return Evaluator.evaluate(m, w, validation, (done, total) -> {
                bar.maxHint(total);
                bar.stepTo(done);
            });
        }
    }

    private int table(Model m, byte[] validation, List<WeightFormat> requested, PrintWriter out, PrintWriter err) {
        LinkedHashSet<WeightFormat> all = new LinkedHashSet<>();
        all.add(WeightFormat.F32); // the reference every degradation is measured against
        all.addAll(requested);
        List<Row> rows = new ArrayList<>();
        for (WeightFormat f : all) {
            ModelWeights w = weights.load(m, f, err);
            EvalResult r = throughDecoder(m, w, f.name(), validation, err);
            long weightCount = w.weightsByFormat().values().stream().mapToLong(Long::longValue).sum();
            double share = 100.0 * w.weightsByFormat().getOrDefault(f.name(), 0L) / Math.max(1, weightCount);
            rows.add(new Row(f, weights.policy(f).label(), WeightsOption.bitsPerWeight(w), share, w.byteSize(), r));
        }
        double ref = rows.getFirst().result().bitsPerByte();
        StringBuilder csvText = new StringBuilder("format,policy,bits_per_weight,pct_weights_in_format,weight_bytes,val_loss,val_bpb,degradation_pct\n");
        out.printf(Locale.ROOT, "| %-9s | %-36s | %7s | %9s | %8s | %8s | %8s | %9s |%n", "format", "policy", "bits/w", "in format", "MB", "val_loss", "val_bpb", "vs f32");
        out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%s|%s|%n", "-".repeat(11), "-".repeat(38), "-".repeat(9), "-".repeat(11), "-".repeat(10), "-".repeat(10), "-".repeat(10), "-".repeat(11));
        for (Row row : rows) {
            double pct = 100 * (row.result().bitsPerByte() - ref) / ref;
            out.printf(Locale.ROOT, "| %-9s | %-36s | %7.2f | %8.1f%% | %8.2f | %8.4f | %8.4f | %+8.3f%% |%n", row.format().name(), row.policy(),
                    row.bits(), row.share(), row.bytes() / 1e6, row.result().natsPerToken(), row.result().bitsPerByte(), pct);
            csvText.append(String.format(Locale.ROOT, "%s,\"%s\",%.4f,%.2f,%d,%.6f,%.6f,%.4f%n", row.format().name(), row.policy(), row.bits(),
                    row.share(), row.bytes(), row.result().natsPerToken(), row.result().bitsPerByte(), pct));
        }
        out.println("(bits/w: storage per weight over all matrices, fallbacks and head included; in format: share of the "
                + "weights actually stored in the named format, the rest fall back where rows do not fit its blocks)");
        Path target = csv != null ? csv : model.resolve("eval-formats.csv");
        AtomicFile.write(target, csvText.toString().getBytes(StandardCharsets.UTF_8));
        err.printf(Locale.ROOT, "evaluated %,d tokens (%,d bytes) of %s per format; table written to %s%n",
                rows.getFirst().result().tokens(), rows.getFirst().result().bytes(), data, target);
        err.flush();
        WeightFormat first = requested.getFirst();
        EvalResult firstResult = rows.stream().filter(r -> r.format().equals(first)).findFirst().orElseThrow().result();
        out.printf(Locale.ROOT, "val_bpb=%.4f%n", firstResult.bitsPerByte());
        out.flush();
        return ExitCodes.OK;
    }

    private record Row(WeightFormat format, String policy, double bits, double share, long bytes, EvalResult result) {}
}
