package dev.trident.model;

import dev.trident.TridentException;
import dev.trident.io.json.Json;
import dev.trident.kernels.RopeScaling;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * config.json's "rope_scaling" object (transformers' keys; transformers 5 calls it "rope_parameters") to and from a
 * {@link RopeScaling}. Types "default" (none), "linear", "llama3" and "yarn" are read; "dynamic" and "longrope", whose
 * frequencies depend on the running sequence length, are refused.
 */
public final class RopeScalingConfig {
    private RopeScalingConfig() {}

    /** The scaling a config describes (null for none), from rope_parameters if present, else rope_scaling. */
    public static RopeScaling parse(Map<String, Object> config, int maxPositions) {
        Object value = config.get("rope_parameters") instanceof Map<?, ?> p && (p.get("rope_type") != null || p.get("type") != null)
                ? p : config.get("rope_scaling");
        if (value == null) return null;
        if (!(value instanceof Map<?, ?>)) throw new TridentException("rope_scaling should be an object or null");
        Map<String, Object> m = Json.asObject(value, "rope_scaling");
        Object type = m.get("rope_type") != null ? m.get("rope_type") : m.get("type");
        if (type == null || "default".equals(type)) return null;
        double factor = m.get("factor") == null ? Double.NaN : Json.asDouble(m.get("factor"), "rope_scaling.factor");
        int original = m.get("original_max_position_embeddings") == null ? maxPositions
                : Json.asInt(m.get("original_max_position_embeddings"), "rope_scaling.original_max_position_embeddings", 1, 1 << 24);
        try {
            return switch (String.valueOf(type)) {
                case "linear" -> RopeScaling.linear(factor);
                case "llama3" -> RopeScaling.llama3(factor, number(m, "low_freq_factor", Double.NaN), number(m, "high_freq_factor", Double.NaN), original);
                case "yarn" -> {
                    if (Boolean.FALSE.equals(m.get("truncate"))) throw new TridentException("rope_scaling.truncate false is not supported");
                    if (Double.isNaN(factor)) factor = (double) maxPositions / original; // transformers' rule when absent
                    yield RopeScaling.yarn(factor, original, number(m, "beta_fast", 32), number(m, "beta_slow", 1),
                            number(m, "mscale", 0), number(m, "mscale_all_dim", 0), number(m, "attention_factor", 0));
                }
                default -> throw new TridentException("rope_scaling of type " + type + " is not supported (Trident computes default, "
                        + "linear, llama3 and yarn RoPE)");
            };
        } catch (IllegalArgumentException e) {
            throw new TridentException("rope_scaling: " + e.getMessage());
        }
    }

    private static double number(Map<String, Object> m, String key, double absent) {
        Object v = m.get(key);
        return v == null ? absent : Json.asDouble(v, "rope_scaling." + key);
    }

    /** The "rope_scaling" object for s (null for none). */
    public static Map<String, Object> json(RopeScaling s) {
        if (s == null) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        String type = switch (s.kind()) {
            case LINEAR -> "linear";
            case LLAMA3 -> "llama3";
            case YARN -> "yarn";
        };
        m.put("rope_type", type);
        m.put("type", type); // the older key, which DeepSeek's own configs use
        m.put("factor", s.factor());
        switch (s.kind()) {
            case LINEAR -> {}
            case LLAMA3 -> {
                m.put("low_freq_factor", s.lowFreqFactor());
                m.put("high_freq_factor", s.highFreqFactor());
                m.put("original_max_position_embeddings", (long) s.originalContext());
            }
            case YARN -> {
                m.put("original_max_position_embeddings", (long) s.originalContext());
                m.put("beta_fast", s.betaFast());
                m.put("beta_slow", s.betaSlow());
                if (s.mscale() > 0) m.put("mscale", s.mscale());
                if (s.mscaleAllDim() > 0) m.put("mscale_all_dim", s.mscaleAllDim());
                if (s.attentionFactor() > 0) m.put("attention_factor", s.attentionFactor());
            }
        }
        return m;
    }
}
