package dev.trident.infer;

import dev.trident.quant.BF16Format;
import dev.trident.quant.F16Format;
import dev.trident.quant.F32Format;
import dev.trident.quant.Fp8BlockFormat;
import dev.trident.quant.Q4_0Format;
import dev.trident.quant.Q4_KFormat;
import dev.trident.quant.Q8_0Format;
import dev.trident.quant.WeightFormat;

import java.util.Locale;
import java.util.Objects;

/**
 * Which weights of a model are quantized to what, in the spirit of llama.cpp's quantize tool:
 *
 * <ul>
 *   <li>every weight matrix of attention, the feed-forward networks, the experts and the MTP projections:
 *       {@link #format};</li>
 *   <li>norm gains, the MoE router (its centroids and selection bias) and any bias: always fp32 (they are tiny,
 *       and the router's top-K choice is sensitive to rounding);</li>
 *   <li>the output head: {@link #head}; the token embedding: {@link #embedding}. Decode multiplies by the head
 *       every token but reads only one embedding row, so the head is the one whose precision costs speed. When the
 *       two are tied (one matrix), the head's format is used for both. Defaults: for the 4-bit formats the head
 *       and embedding go to Q8_0 (llama.cpp keeps the output tensor at a higher precision, Q6_K, in its k-quant
 *       mixes; Q8_0 is the nearest we have); for FP8-block they stay BF16, as in DeepSeek-V3's released FP8
 *       weights; otherwise they take {@link #format}.</li>
 *   <li>a matrix whose row length the format cannot hold (Q4_K needs a multiple of 256, Q8_0 and Q4_0 of 32)
 *       falls back, as llama.cpp does: a 256-block format to Q8_0 when rows are a multiple of 32 (llama.cpp goes
 *       to Q5_0, which we do not have), anything else to F16. {@link #forMatrix} says what a given shape gets.</li>
 * </ul>
 */
public record QuantPolicy(WeightFormat format, WeightFormat embedding, WeightFormat head) {
    public QuantPolicy {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(embedding, "embedding");
        Objects.requireNonNull(head, "head");
    }

    /** Everything in fp32: the training model's own arrays, shared. */
    public static final QuantPolicy F32 = new QuantPolicy(WeightFormat.F32, WeightFormat.F32, WeightFormat.F32);

    /** The default policy for a format (see the class comment). */
    public static QuantPolicy of(WeightFormat format) {
        WeightFormat outer = switch (format) {
            case Q4_0Format f -> WeightFormat.Q8_0;
            case Q4_KFormat f -> WeightFormat.Q8_0;
            case Fp8BlockFormat f -> WeightFormat.BF16;
            default -> format;
        };
        return new QuantPolicy(format, outer, outer);
    }

    /** The same policy with the embedding and head in {@code f} (e.g. F32 to keep them exact). */
    public QuantPolicy withEmbeddingAndHead(WeightFormat f) {
        return new QuantPolicy(format, f, f);
    }

    /** Parses a format name as `--weights` takes it: f32, f16, bf16, q8_0, q6_k, q5_k, q4_0, q4_k, fp8 (= fp8_block). */
    public static WeightFormat parseFormat(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return n.equals("fp8") ? WeightFormat.FP8_BLOCK : WeightFormat.byName(n);
    }

    /** The format a rows x cols matrix meant for {@code wanted} is stored in: wanted, or its fallback. */
    public static WeightFormat forMatrix(WeightFormat wanted, int cols) {
        if (wanted instanceof F32Format || wanted instanceof Fp8BlockFormat || wanted instanceof F16Format || wanted instanceof BF16Format)
            return wanted;
        if (cols % wanted.blockSize() == 0) return wanted;
        if (cols % Q8_0Format.BLOCK == 0) return WeightFormat.Q8_0;
        return WeightFormat.F16;
    }

    /** A short label: "Q8_0", or "Q4_K (head Q8_0)". */
    public String label() {
        if (embedding.equals(format) && head.equals(format)) return format.name();
        if (embedding.equals(head)) return format.name() + " (embedding and head " + head.name() + ")";
        return format.name() + " (embedding " + embedding.name() + ", head " + head.name() + ")";
    }
}
