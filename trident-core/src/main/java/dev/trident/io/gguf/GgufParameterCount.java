package dev.trident.io.gguf;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many weights a GGUF model has, and how many a token uses, counted from its tensors alone, so it works for
 * any architecture: every tensor counts toward the total; a token uses all of them except the routed experts it
 * is not sent to (stacked {@code *_exps} tensors count expert_used_count / expert_count of their elements) and the
 * nextn (MTP) blocks, which only draft. The same rule as {@code ModelConfig.activeParameterCount}.
 *
 * @param total        every element of every tensor
 * @param active       the elements used to produce one token
 * @param experts      routed experts per MoE layer (0 for a dense model)
 * @param expertsUsed  routed experts chosen per token
 * @param nextnBlocks  MTP blocks (excluded from active)
 */
public record GgufParameterCount(long total, long active, int experts, int expertsUsed, int nextnBlocks) {
    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\..*");

    public static GgufParameterCount of(GgufFile g) {
        String arch = g.has("general.architecture") ? g.architecture() : "";
        long blocks = intKey(g, arch + ".block_count", Long.MAX_VALUE);
        int nextn = (int) intKey(g, arch + ".nextn_predict_layers", 0);
        int experts = (int) intKey(g, arch + ".expert_count", 0);
        int used = (int) intKey(g, arch + ".expert_used_count", experts);
        long firstNextn = blocks == Long.MAX_VALUE ? Long.MAX_VALUE : blocks - nextn;
        long total = 0;
        double active = 0;
        for (GgufTensor t : g.tensors()) {
            long n = t.elementCount();
            total += n;
            Matcher m = BLOCK.matcher(t.name());
            if (m.matches() && m.group(1).length() < 10 && Long.parseLong(m.group(1)) >= firstNextn) continue;
            if (t.name().contains("_exps.") && experts > 0) active += (double) n * used / experts;
            else active += n;
        }
        return new GgufParameterCount(total, Math.round(active), experts, used, nextn);
    }

    private static long intKey(GgufFile g, String key, long orElse) {
        if (!g.has(key)) return orElse;
        GgufValue v = g.require(key);
        return v.type().isInteger() ? Math.max(0, Math.min(Integer.MAX_VALUE, v.asLong())) : orElse;
    }
}
