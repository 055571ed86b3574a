package dev.trident.lab;

import dev.trident.io.AtomicFile;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * report.md (tables ready to paste into the docs) and results.csv (one line per model) of a lab run. Cells hold
 * plain numbers in the unit their column names; "—" where a figure does not apply, "pending" where it is not
 * measured yet (the reason is under the table), "failed" for a rung that did not finish.
 */
public final class LabReport {
    public static final String REPORT = "report.md", CSV = "results.csv";
    static final String NA = "—", PENDING = "pending", FAILED = "failed";

    private LabReport() {}

    static void write(LabResult r, Path out) {
        AtomicFile.write(out.resolve(CSV), csv(r).getBytes(StandardCharsets.UTF_8));
        AtomicFile.write(out.resolve(REPORT), markdown(r).getBytes(StandardCharsets.UTF_8));
    }

    public static String markdown(LabResult r) {
        LabOptions o = r.options();
        StringBuilder s = new StringBuilder("# Trident efficiency lab\n\n");
        s.append("```sh\n").append(o.command()).append("\n```\n\n");
        s.append(String.format(Locale.ROOT, "- data: `%s`, %,d bytes; the last 10%% is every model's validation text, the rest its training text%n",
                o.data(), r.dataBytes()));
        s.append(String.format(Locale.ROOT, "- budget: %s min of training per rung (%s, the same for every rung)%s%n",
                num(o.budgetMinutes(), 2), o.cpuClock() ? "CPU time of the process, so load from other work does not change it" : "wall clock",
                o.quick() ? "; --quick (tiny presets: a smoke run, not a result)" : ""));
        s.append(String.format(Locale.ROOT, "- machine: %d cores, %s %s, Java %s; %d worker threads; load averages per model under \"Run conditions\"%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.arch"),
                Runtime.version(), o.threads()));
        s.append(String.format(Locale.ROOT, "- decode: greedy, single stream, %d validation prompts, up to %d new tokens each, all models measured together prompt by prompt%n%n",
                o.prompts(), o.decodeTokens()));

        s.append("## The ladder\n\nEach rung adds one technique to the one above and trains for the same budget on the same split"
                + (o.cpuClock() ? " (train tokens/s is per CPU-second: tokens / budget)" : "") + ".\n\n");
        s.append("| rung | val BPB | params (M) | active params (M) | train MFLOP/token | train tokens/s | steps | infer MFLOP/token "
                + "| weights read (MB/token) | KV read (KB/token) | decode tokens/s | draft acceptance | tokens/forward | peak heap (MB) |\n");
        s.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        int i = 1;
        for (Row row : r.ladder()) {
            s.append("| ").append(i++).append(". ").append(row.title());
            if (!row.ok()) { s.append(" |").append((" " + FAILED + " |").repeat(13)).append('\n'); continue; }
            cells(s, row.valBpb(), 4, row.params() / 1e6, 2, row.activeParams() / 1e6, 2, row.trainFlopsPerToken() / 1e6, 2,
                    row.trainTokensPerSecond(), 0, steps(row), 0, row.inferFlopsPerToken() / 1e6, 2,
                    row.weightBytesPerToken() / 1e6, 2, row.kvBytesPerToken() / 1e3, 1);
            measured(s, row.decodeTokensPerSecond(), row.pending(), 1);
            cells(s, row.acceptance(), 3, row.tokensPerForward(), 2, row.peakHeapBytes() / 1e6, 0);
            s.append(" |\n");
        }

        s.append("\n## The final rung served\n\nThe last rung's model with its matrices stored as fp32, FP8-block or Q8_0 and decoded with its own "
                + "MTP module drafting one token per round (greedy: the output is exactly plain greedy decoding). Costs are per "
                + "generated token: a round reads the weights and cache once and yields `tokens/forward` tokens.\n\n");
        s.append("| serving | val BPB | infer MFLOP/token | weights read (MB/token) | KV read (KB/token) | bytes read (MB/token) "
                + "| decode tokens/s | draft acceptance | tokens/forward | memory: weights + full KV (MB) |\n");
        s.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row row : r.served()) {
            s.append("| ").append(row.title());
            if (!row.ok()) { s.append(" |").append((" " + FAILED + " |").repeat(9)).append('\n'); continue; }
            cells(s, row.valBpb(), 4, row.inferFlopsPerToken() / 1e6, 2, row.weightBytesPerToken() / 1e6, 2,
                    row.kvBytesPerToken() / 1e3, 1, row.bytesPerToken() / 1e6, 2);
            measured(s, row.decodeTokensPerSecond(), row.pending(), 1);
            cells(s, row.acceptance(), 3, row.tokensPerForward(), 2, row.servingBytes() / 1e6, 1);
            s.append(" |\n");
        }
        List<String> pending = r.served().stream().filter(x -> x.ok() && x.pending() != null).map(x -> "- " + x.title() + ": " + x.pending()
                + "; its BPB, acceptance and bytes are measured on the round-tripped weights").distinct().toList();
        if (!pending.isEmpty()) s.append("\nPending:\n\n").append(String.join("\n", pending)).append('\n');

        s.append("\n## Dense references\n\nThe baseline widened (same depth, head width, GQA and FFN ratios) or trained longer, "
                + "until one brackets the final row's BPB.\n\n");
        s.append("| model | val BPB | params (M) | train budget (min) | train tokens/s | steps | train PFLOP | bytes read (MB/token) | decode tokens/s |\n");
        s.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Row row : denseTable(r)) {
            s.append("| ").append(row.title());
            if (!row.ok()) { s.append(" |").append((" " + FAILED + " |").repeat(8)).append('\n'); continue; }
            double minutes = r.records().stream().filter(t -> t.id().equals(row.id())).mapToDouble(TrainingRecord::budgetMinutes).findFirst().orElse(Double.NaN);
            cells(s, row.valBpb(), 4, row.params() / 1e6, 2, minutes, 2, row.trainTokensPerSecond(), 0, steps(row), 0,
                    row.trainFlops() / 1e15, 4, row.bytesPerToken() / 1e6, 2);
            measured(s, row.decodeTokensPerSecond(), row.pending(), 1);
            s.append(" |\n");
        }

        s.append("\n## Cost per token at equal quality\n\n");
        if (r.match() == null || r.finalRow() == null) {
            s.append("Not computed: the baseline or the final rung did not finish.\n");
        } else {
            s.append("Target: the final row (").append(r.finalRow().title()).append(String.format(Locale.ROOT, "), val BPB %.4f. ", r.finalRow().valBpb()));
            s.append(cap(r.match().describe())).append(".\n\n");
            s.append(String.format(Locale.ROOT, "- **bytes of weights + KV cache read per generated token: %.2f MB (matched dense) / %.3f MB (final) = %sx lower**%n",
                    r.match().bytesPerToken() / 1e6, r.finalRow().bytesPerToken() / 1e6, num(r.bytesRatio(), 2)));
            if (r.finalTimed() != null)
                s.append(String.format(Locale.ROOT, "- **measured decode time per token: %.3f ms (matched dense) / %.3f ms (%s) = %sx lower**%n",
                        r.match().secondsPerToken() * 1e3, r.finalTimed().secondsPerToken() * 1e3, r.finalTimed().title(), num(r.timeRatio(), 2)));
            s.append("\nEach step's factor and its share of the whole ratio (shares are log(factor) / log(ratio): they add up to 100%; "
                    + "a factor below 1 is a step that cost more).\n\n");
            chain(s, "bytes read (MB/token)", r.bytesChain(), 1e6);
            if (!r.timeChain().isEmpty()) {
                s.append('\n');
                chain(s, "decode time (ms/token)", r.timeChain(), 1e-3);
            }
        }

        s.append("\n## Run conditions\n\n| model | training (s) | load average at start | at end |\n|---|---|---|---|\n");
        for (TrainingRecord t : r.records())
            s.append(String.format(Locale.ROOT, "| %s | %.0f | %s | %s |%n", t.title(), t.seconds(), num(t.loadStart(), 2), num(t.loadEnd(), 2)));
        s.append("\nDefinitions: BPB = validation cross-entropy in bits per byte of the held-out text. Train FLOPs/token = 3 x forward "
                + "(weights, attention at half the context, the MTP modules). Inference FLOPs and KV bytes are at the measured mean "
                + "context of the decode prompts; weights read per token count only the routed experts chosen (K of N_r) and "
                + "the output head, MLA's attention FLOPs in its training form. Peak heap = the most heap in use right after "
                + "any garbage collection while the rung trained (live data, plus old-generation garbage a young collection leaves: "
                + "an upper bound of the live heap). Memory for serving = every weight as stored + a KV cache "
                + "of the full context.\n");
        return s.toString();
    }

    /** The dense table: the baseline, then the references. */
    private static List<Row> denseTable(LabResult r) {
        var rows = new java.util.ArrayList<Row>();
        Row base = r.ladder().getFirst();
        rows.add(new Row(base.id(), base.title() + " (= rung 1)", Row.Kind.DENSE, base.weights(), base.valBpb(), base.params(),
                base.activeParams(), base.trainFlopsPerToken(), base.trainTokensPerSecond(), base.trainFlops(), base.steps(),
                base.inferFlopsPerToken(), base.weightBytesPerToken(), base.kvBytesPerToken(), base.meanContext(),
                base.decodeTokensPerSecond(), base.acceptance(), base.tokensPerForward(), base.peakHeapBytes(),
                base.servingBytes(), base.pending(), base.failed()));
        rows.addAll(r.dense());
        return rows;
    }

    private static void chain(StringBuilder s, String unit, List<EqualQuality.Step> steps, double scale) {
        s.append("| step | ").append(unit).append(" after | factor | share |\n|---|---|---|---|\n");
        for (EqualQuality.Step st : steps)
            s.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", st.label(), num(st.to() / scale, 4), num(st.factor(), 3),
                    Double.isFinite(st.share()) ? String.format(Locale.ROOT, "%.0f%%", 100 * st.share()) : NA));
    }

    /** Alternating value, decimals pairs as table cells; NaN is "does not apply". */
    private static void cells(StringBuilder s, Object... valueDecimals) {
        for (int k = 0; k < valueDecimals.length; k += 2) {
            double v = (Double) valueDecimals[k];
            s.append(" | ").append(num(v, (Integer) valueDecimals[k + 1]));
        }
    }

    private static void measured(StringBuilder s, double v, String pending, int decimals) {
        s.append(" | ").append(Double.isFinite(v) ? num(v, decimals) : pending != null ? PENDING : NA);
    }

    /** Optimizer steps, NaN for a row that was not trained (served). */
    private static double steps(Row r) {
        return r.steps() == 0 ? Double.NaN : r.steps();
    }

    /** v with the given decimals, or more for a small value, so it keeps three significant digits (never "0.00"). */
    static String num(double v, int decimals) {
        if (!Double.isFinite(v)) return NA;
        if (v != 0 && Math.abs(v) < 1) decimals = Math.min(12, Math.max(decimals, (int) Math.ceil(-Math.log10(Math.abs(v))) + 2));
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String cap(String t) {
        return t.isEmpty() ? t : Character.toUpperCase(t.charAt(0)) + t.substring(1);
    }

    public static final List<String> CSV_COLUMNS = List.of("id", "kind", "title", "weights", "status", "val_bpb", "params",
            "active_params", "train_flops_per_token", "train_tokens_per_s", "train_flops", "steps", "infer_flops_per_token",
            "weight_bytes_per_token", "kv_bytes_per_token", "bytes_per_token", "mean_context", "decode_tokens_per_s",
            "draft_acceptance", "tokens_per_forward", "peak_heap_bytes", "serving_bytes", "note");

    /** One line per model; empty cells where a figure does not apply or is pending (the note says which). */
    public static String csv(LabResult r) {
        StringBuilder s = new StringBuilder(String.join(",", CSV_COLUMNS)).append('\n');
        List<Row> all = new java.util.ArrayList<>(r.ladder());
        all.addAll(r.served());
        all.addAll(r.dense());
        for (Row row : all) {
            String status = !row.ok() ? "failed" : row.pending() != null ? "partial" : "done";
            s.append(String.join(",", row.id(), row.kind().name().toLowerCase(Locale.ROOT), clean(row.title()), row.weights(), status));
            ToDoubleFunction<Row>[] f = columns();
            for (ToDoubleFunction<Row> g : f) {
                double v = row.ok() ? g.applyAsDouble(row) : Double.NaN;
                s.append(',').append(Double.isFinite(v) ? Double.toString(v) : "");
            }
            s.append(',').append(clean(row.ok() ? (row.pending() == null ? "" : row.pending()) : row.failed())).append('\n');
        }
        return s.toString();
    }

    @SuppressWarnings("unchecked")
    private static ToDoubleFunction<Row>[] columns() {
        return new ToDoubleFunction[]{
                (ToDoubleFunction<Row>) Row::valBpb, (ToDoubleFunction<Row>) x -> x.params(), (ToDoubleFunction<Row>) x -> x.activeParams(),
                (ToDoubleFunction<Row>) Row::trainFlopsPerToken, (ToDoubleFunction<Row>) Row::trainTokensPerSecond,
                (ToDoubleFunction<Row>) Row::trainFlops, (ToDoubleFunction<Row>) LabReport::steps,
                (ToDoubleFunction<Row>) Row::inferFlopsPerToken, (ToDoubleFunction<Row>) Row::weightBytesPerToken,
                (ToDoubleFunction<Row>) Row::kvBytesPerToken, (ToDoubleFunction<Row>) Row::bytesPerToken,
                (ToDoubleFunction<Row>) Row::meanContext, (ToDoubleFunction<Row>) Row::decodeTokensPerSecond,
                (ToDoubleFunction<Row>) Row::acceptance, (ToDoubleFunction<Row>) Row::tokensPerForward,
                (ToDoubleFunction<Row>) Row::peakHeapBytes, (ToDoubleFunction<Row>) Row::servingBytes};
    }

    /** A CSV-safe cell: no commas, quotes or line breaks. */
    private static String clean(String t) {
        return t.replace(',', ';').replace('"', '\'').replace('\n', ' ');
    }
}
