package dev.trident.lab;

import dev.trident.io.json.Json;

import java.nio.file.Path;
import java.util.Map;

/**
 * What training one rung produced, saved as results/ID.json the moment the rung finishes (atomically), so a lab
 * that stops later keeps it and a rerun skips the rung. loadStart / loadEnd are the machine's 1-minute load average
 * around the training (NaN where the OS does not say).
 */
public record TrainingRecord(String id, String title, String kind, double budgetMinutes, double seconds, long steps,
                             long tokens, double valLoss, double valBpb, long params, long activeParams,
                             double trainFlopsPerToken, double tokensPerSecond, long peakHeapBytes,
                             double loadStart, double loadEnd, double widthScale, double budgetScale) {

    /** Training compute: tokens x training FLOPs per token. */
    public double trainFlops() {
        return tokens * trainFlopsPerToken;
    }

    public Map<String, Object> toJson() {
        return Json.obj("id", id, "title", title, "kind", kind, "budget_minutes", budgetMinutes, "seconds", seconds,
                "steps", steps, "tokens", tokens, "val_loss", valLoss, "val_bpb", valBpb, "params", params,
                "active_params", activeParams, "train_flops_per_token", trainFlopsPerToken,
                "tokens_per_second", tokensPerSecond, "peak_heap_bytes", peakHeapBytes,
                "load_start", finite(loadStart), "load_end", finite(loadEnd), "width_scale", widthScale, "budget_scale", budgetScale);
    }

    public static TrainingRecord read(Path file) {
        Map<String, Object> o = Json.asObject(Json.read(file, 1 << 20), file.toString());
        return new TrainingRecord(str(o, "id"), str(o, "title"), str(o, "kind"), num(o, "budget_minutes"), num(o, "seconds"),
                (long) num(o, "steps"), (long) num(o, "tokens"), num(o, "val_loss"), num(o, "val_bpb"), (long) num(o, "params"),
                (long) num(o, "active_params"), num(o, "train_flops_per_token"), num(o, "tokens_per_second"),
                (long) num(o, "peak_heap_bytes"), opt(o, "load_start"), opt(o, "load_end"), num(o, "width_scale"), num(o, "budget_scale"));
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static String str(Map<String, Object> o, String k) {
        return Json.asString(Json.member(o, k, "result"), k);
    }

    private static double num(Map<String, Object> o, String k) {
        return Json.asDouble(Json.member(o, k, "result"), k);
    }

    private static double opt(Map<String, Object> o, String k) {
        return o.get(k) == null ? Double.NaN : Json.asDouble(o.get(k), k);
    }
}
