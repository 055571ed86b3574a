package dev.trident.lab;

import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.quant.WeightFormat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything the lab found: the ladder rows, the final rung served, the dense references, the equal-quality match
 * and the chains of factors from the matched dense model to the final row, in bytes read and in measured decode
 * time per token. finalRow is the last served row (Q8_0 + speculation); finalTimed the last row with a measured
 * speed (the same row once quantized decoding is measured, until then fp32 + speculation).
 */
public record LabResult(LabOptions options, long dataBytes, List<Row> ladder, List<Row> served, List<Row> dense,
                        EqualQuality.Match match, List<EqualQuality.Step> bytesChain, List<EqualQuality.Step> timeChain,
                        Row finalRow, Row finalTimed, List<TrainingRecord> records) {

    static String servedId(WeightFormat f) {
        return "served-" + f.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static String label(WeightFormat f) {
        return f == WeightFormat.F32 ? "fp32" : f == WeightFormat.FP8_BLOCK ? "FP8-block" : f.name();
    }

    /** The inverse cost ratio at equal quality in bytes read per token (matched dense / final row). */
    public double bytesRatio() {
        return match == null || finalRow == null ? Double.NaN : match.bytesPerToken() / finalRow.bytesPerToken();
    }

    /** The same in measured decode seconds per token (against finalTimed). */
    public double timeRatio() {
        return match == null || finalTimed == null ? Double.NaN : match.secondsPerToken() / finalTimed.secondsPerToken();
    }

    static LabResult assemble(LabOptions o, long dataBytes, List<Rung> rungs, List<Rung> denseRungs,
                              Map<String, TrainingRecord> trained, Map<String, String> failures,
                              Map<WeightFormat, Double> servedBpb, Map<String, DecodeBench.Measurement> decode, Path runs) {
        List<Row> ladder = new ArrayList<>();
        for (Rung r : rungs) ladder.add(row(r, Row.Kind.LADDER, trained, failures, decode, runs, o.cpuClock()));
        List<Row> dense = new ArrayList<>();
        for (Rung r : denseRungs) dense.add(row(r, Row.Kind.DENSE, trained, failures, decode, runs, o.cpuClock()));

        List<Row> served = new ArrayList<>();
        Rung last = rungs.getLast();
        TrainingRecord lastRec = trained.get(last.id());
        if (lastRec != null) {
            Model m = Model.load(runs.resolve(last.id()));
            for (WeightFormat f : Lab.SERVED) {
                String id = f == WeightFormat.F32 ? last.id() : servedId(f);
                served.add(servedRow(f, m, servedBpb.get(f), decode.get(id)));
            }
        }
        Row finalRow = served.isEmpty() ? null : served.getLast();
        Row finalTimed = null;
        for (Row r : served) if (r.ok() && Double.isFinite(r.decodeTokensPerSecond())) finalTimed = r;

        List<Row> denseAll = new ArrayList<>();
        if (ladder.getFirst().ok()) denseAll.add(ladder.getFirst());
        denseAll.addAll(dense);
        EqualQuality.Match match = finalRow == null || !finalRow.ok() ? null : EqualQuality.match(denseAll, finalRow.valBpb());
        List<EqualQuality.Step> bytesChain = List.of(), timeChain = List.of();
        if (match != null) {
            List<Row> chainRows = new ArrayList<>(ladder);
            chainRows.add(served.get(0));
            chainRows.add(finalRow);
            bytesChain = EqualQuality.chain(match.bytesPerToken(), chainRows, Row::bytesPerToken);
            List<Row> timed = new ArrayList<>(ladder);
            timed.add(served.get(0));
            if (finalTimed != served.get(0) && finalTimed != null) timed.add(finalTimed);
            timeChain = EqualQuality.chain(match.secondsPerToken(), timed, Row::secondsPerToken);
        }
        List<TrainingRecord> records = new ArrayList<>();
        for (Rung r : rungs) if (trained.containsKey(r.id())) records.add(trained.get(r.id()));
        for (Rung r : denseRungs) if (trained.containsKey(r.id())) records.add(trained.get(r.id()));
        return new LabResult(o, dataBytes, ladder, served, dense, match, bytesChain, timeChain, finalRow, finalTimed, records);
    }

    private static Row row(Rung r, Row.Kind kind, Map<String, TrainingRecord> trained, Map<String, String> failures,
                           Map<String, DecodeBench.Measurement> decode, Path runs, boolean cpuClock) {
        TrainingRecord rec = trained.get(r.id());
        if (rec == null) return Row.failed(r.id(), r.title(), kind, failures.getOrDefault(r.id(), "not run"));
        return plainRow(rec, Model.load(runs.resolve(r.id())), decode.get(r.id()), kind, cpuClock);
    }

    /**
     * A trained model decoding plainly with fp32 weights (its speculative figures too when it has MTP modules).
     * With a CPU-time budget its training throughput is tokens per CPU-second (its wall-clock rate depends on the load).
     */
    static Row plainRow(TrainingRecord rec, Model model, DecodeBench.Measurement meas, Row.Kind kind, boolean cpuClock) {
        ModelConfig c = model.config();
        double ctx = meas != null ? meas.meanContext() : c.maxSeqLen() / 2.0;
        WeightBytes wb = WeightBytes.of(model.transformer(), WeightFormat.F32);
        double nan = Double.NaN;
        return new Row(rec.id(), rec.title(), kind, "fp32", rec.valBpb(), rec.params(), rec.activeParams(),
                rec.trainFlopsPerToken(), cpuClock ? rec.tokens() / (rec.budgetMinutes() * 60) : rec.tokensPerSecond(), rec.trainFlops(), rec.steps(),
                c.forwardFlopsPerToken((int) Math.round(ctx)), wb.main(), c.kvCacheBytesPerToken() * ctx, ctx,
                meas != null ? meas.tokensPerSecond() : nan,
                meas != null ? meas.acceptance() : nan, meas != null ? meas.tokensPerForward() : nan,
                rec.peakHeapBytes(), wb.stored() + (double) c.kvCacheBytesPerToken() * c.maxSeqLen(),
                meas == null ? "decode not measured" : null, null);
    }

    /**
     * The final rung served with weights in f and D-deep self-speculative decoding. Per generated token: a round's
     * main forward verifies 1 + D tokens and reads the weights and KV cache once, the MTP modules run once over
     * the confirmed rows, and the round yields tokensPerForward tokens.
     */
    private static Row servedRow(WeightFormat f, Model m, Double bpb, DecodeBench.Measurement meas) {
        ModelConfig c = m.config();
        String title = "served: " + label(f) + " weights + MTP speculative decoding";
        String id = servedId(f);
        if (bpb == null) return Row.failed(id, title, Row.Kind.SERVED, "final rung not evaluated");
        int depth = c.mtpDepth();
        double nan = Double.NaN;
        WeightBytes wb = WeightBytes.of(m.transformer(), f);
        double ctx = meas != null ? meas.meanContext() : c.maxSeqLen() / 2.0;
        double tpf = meas != null ? meas.tokensPerForward() : nan;
        int ictx = (int) Math.round(ctx);
        double flops = c.forwardFlopsPerToken(ictx) * (1 + depth) / tpf + c.mtpForwardFlopsPerToken(ictx);
        double kvPerLayer = (double) c.kvCacheBytesPerToken() / c.layers();
        double kv = kvPerLayer * (c.layers() + depth) * ctx / tpf;
        boolean timed = meas != null && Serving.canDecode(f);
        String pending = meas == null ? "decode not measured" : timed ? null : Serving.pendingReason(f);
        return new Row(id, title, Row.Kind.SERVED, label(f), bpb, c.parameterCount(), c.activeParameterCount(),
                nan, nan, nan, 0, flops, (wb.main() + wb.mtpModules()) / tpf, kv, ctx,
                timed ? meas.specTokensPerSecond() : nan, meas != null ? meas.acceptance() : nan, tpf, nan,
                wb.stored() + kvPerLayer * (c.layers() + depth) * c.maxSeqLen(), pending, null);
    }
}
