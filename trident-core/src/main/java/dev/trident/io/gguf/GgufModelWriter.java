package dev.trident.io.gguf;

import dev.trident.TridentException;
import dev.trident.autograd.Tensor;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.tokenizer.Tokenizer;
import dev.trident.nn.Parameters;
import dev.trident.quant.WeightFormat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Exports a Trident model as a GGUF file llama.cpp runs: dense models as {@code llama} ({@code qwen3} with
 * QK-norm), a mixture of experts with grouped-query attention as {@code glm4moe} ({@code qwen3moe} for exactly
 * Qwen3-MoE's shape), multi-head latent attention as {@code deepseek2} (see {@link GgufArchitecture#forExport});
 * with the tokenizer, an optional chat template and {@code general.*} metadata.
 *
 * <p>Weights go out in one {@link WeightFormat}: matrices in that format where their rows are a whole number of
 * its blocks, otherwise in the nearest format that fits (Q4_K: Q8_0 for rows of a multiple of 32, else F16;
 * Q8_0 / Q4_0: F16), as llama.cpp's quantizer falls back; norms, biases and routers stay F32, as llama.cpp keeps
 * them. FP8-block has no GGUF type and is refused. Tensors are converted and written one at a time, so only one
 * tensor's bytes are ever held beside the model.
 */
public final class GgufModelWriter {
    /**
     * What to write besides the weights: the weight format, {@code general.name}, a Jinja chat template (null:
     * none), the beginning-of-text id to record (-1: the end-of-text id) and whether llama.cpp should add it, and
     * the architecture (null: {@link GgufArchitecture#forExport}; {@code llama} also takes a Mixtral-style mixture
     * of experts: softmax gating renormalized over the chosen experts, no shared experts, no dense blocks).
     */
    public record Options(WeightFormat format, String name, String chatTemplate, int bosId, boolean addBos,
                          GgufArchitecture architecture) {
        public static Options of(WeightFormat format) {
            return new Options(format, "trident", null, -1, false, null);
        }

        public Options withName(String n) { return new Options(format, n, chatTemplate, bosId, addBos, architecture); }

        public Options withChatTemplate(String t) { return new Options(format, name, t, bosId, addBos, architecture); }

        public Options withBos(int id, boolean add) { return new Options(format, name, chatTemplate, id, add, architecture); }

        public Options withArchitecture(GgufArchitecture a) { return new Options(format, name, chatTemplate, bosId, addBos, a); }

        /**
         * Options that keep what a source GGUF says about its model beyond the weights: general.name, the chat
         * template and the beginning-of-text token (llama.cpp adds it by default for SentencePiece vocabularies).
         */
        public static Options from(GgufFile source, WeightFormat format) {
            Options o = of(format);
            if (source.has("general.name")) o = o.withName(source.getString("general.name"));
            if (source.has("tokenizer.chat_template")) o = o.withChatTemplate(source.getString("tokenizer.chat_template"));
            if (source.has("tokenizer.ggml.bos_token_id")) {
                long bos = source.getLong("tokenizer.ggml.bos_token_id");
                boolean spm = source.has("tokenizer.ggml.model") && source.getString("tokenizer.ggml.model").equals("llama");
                boolean add = source.has("tokenizer.ggml.add_bos_token") ? source.getBool("tokenizer.ggml.add_bos_token") : spm;
                if (bos >= 0 && bos < Integer.MAX_VALUE) o = o.withBos((int) bos, add);
            }
            return o;
        }
    }

    /** Progress: the tensor bytes to write, then after each tensor the bytes written so far. */
    @FunctionalInterface
    public interface Listener {
        /** Before the first tensor: how many tensor bytes will be written. */
        default void started(long totalBytes) {}

        void written(String tensor, long bytes);

        Listener NONE = (t, b) -> {};
    }

    /** What was written: the architecture, file size, tensors per type, and notes on what changed on the way. */
    public record Result(GgufArchitecture architecture, long bytes, Map<GgmlType, Integer> tensorsByType, List<String> notes) {}

    private GgufModelWriter() {}

    public static Result write(Model model, Path file, Options options) {
        return write(model, file, options, Listener.NONE);
    }

    /** Writes model to file (atomically); a one-line TridentException if it cannot be expressed or written. */
    public static Result write(Model model, Path file, Options options, Listener listener) {
        Parameters params = model.transformer().params;
        return write(model.config(), model.tokenizer(), name -> {
            Parameters.Parameter p = params.get(name);
            if (p == null) throw new IllegalStateException("no parameter " + name);
            return p.tensor();
        }, file, options, listener);
    }

    /**
     * The same for a model given by its config, tokenizer and a parameter lookup by Trident name, which is asked
     * for one parameter at a time as the tensors are written: a model larger than memory (e.g. random weights for
     * a speed benchmark) can be made up on the fly.
     */
    public static Result write(ModelConfig config, Tokenizer tokenizer, Function<String, Tensor> lookup, Path file, Options options,
                               Listener listener) {
        GgmlType main = GgufTensorData.type(options.format()); // FP8-block fails here, before anything is written
        ModelConfig c = config;
        GgufArchitecture arch = options.architecture() != null ? options.architecture() : GgufArchitecture.forExport(c);
        checkExpressible(c, lookup, arch);
        List<String> notes = new ArrayList<>();
        if (arch != GgufArchitecture.GLM4MOE && arch != GgufArchitecture.DEEPSEEK2 && c.mtpDepth() > 0) {
            notes.add("llama.cpp's " + arch.ggufName() + " architecture has no MTP layers; the " + c.mtpDepth() + " MTP module(s) were left out");
            c = c.withMtpDepth(0);
        }

        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", arch.ggufName());
        w.putString("general.type", "model");
        w.putString("general.name", options.name());
        w.putUInt32("general.file_type", fileType(options.format()));
        if (main.isQuantized()) w.putUInt32("general.quantization_version", 2);
        GgufHyperparameters.write(w, arch, c);
        GgufVocabulary.write(w, tokenizer, c.vocabSize(), options.bosId(), options.addBos());
        if (options.chatTemplate() != null) w.putString("tokenizer.chat_template", options.chatTemplate());

        Map<GgmlType, Integer> counts = new EnumMap<>(GgmlType.class);
        Map<GgmlType, Integer> fallbacks = new EnumMap<>(GgmlType.class);
        long[] done = {0};
        long total = 0;
        for (GgufTensorNames.Binding b : GgufTensorNames.of(arch, c, true).bindings()) {
            GgmlType type = typeFor(b, main);
            if (type != main && b.shape().length > 1 && !isRouter(b)) fallbacks.merge(type, 1, Integer::sum);
            counts.merge(type, 1, Integer::sum);
            long bytes = type.byteSize(b.rowLength(), b.rows());
            total += bytes;
            w.addTensor(b.tensor(), type, b.shape(), out -> {
                writeTensor(b, type, lookup, out);
                done[0] += bytes;
                listener.written(b.tensor(), done[0]);
            });
        }
        if (!fallbacks.isEmpty()) {
            int n = fallbacks.values().stream().mapToInt(Integer::intValue).sum();
            notes.add(n + " matri" + (n == 1 ? "x has rows" : "ces have rows") + " that are not a whole number of " + main
                    + " blocks (" + main.blockSize() + " values), stored as " + summary(fallbacks));
        }
        listener.started(total);
        w.write(file);
        return new Result(arch, w.fileSize(), counts, notes);
    }

    /** Refuses an architecture llama.cpp would run differently from Trident's model. */
    private static void checkExpressible(ModelConfig c, Function<String, Tensor> lookup, GgufArchitecture arch) {
        var m = c.moe();
        boolean plainExperts = m == null || (m.gating() == dev.trident.nn.MoeSpec.Gating.SOFTMAX && m.normalizeTopK()
                && m.sharedExperts() == 0 && c.denseLayers() == 0 && zeroRouterBias(c, lookup));
        String why = switch (arch) {
            case DEEPSEEK2 -> c.mla() == null ? "needs multi-head latent attention" : null;
            case GLM4MOE -> c.mla() != null ? "has no multi-head latent attention" : m == null ? "needs a mixture of experts"
                    : m.sharedExperts() == 0 && c.denseLayers() < c.layers() ? "needs at least one shared expert" : null;
            case LLAMA -> c.mla() != null ? "has no multi-head latent attention" : c.qkNorm() ? "has no QK-norm"
                    : !plainExperts ? "takes only Mixtral-style experts (softmax gating renormalized over the chosen ones, no shared experts, no dense blocks, no selection bias)" : null;
            case QWEN3 -> c.mla() != null || m != null || !c.qkNorm() ? "is a dense model with QK-norm" : null;
            case QWEN3MOE -> c.mla() != null || m == null || !c.qkNorm() || !plainExperts
                    ? "is a Qwen3-MoE: QK-norm and softmax experts renormalized over the chosen ones, no shared experts, no dense blocks, no selection bias" : null;
            default -> "is not written by Trident";
        };
        if (why != null) throw new TridentException("cannot export this model as " + arch.ggufName() + ": llama.cpp's " + arch.ggufName() + " " + why);
        // RoPE scaling llama.cpp would run differently is refused rather than written (GgufRopeScaling).
        String rope = GgufRopeScaling.inexpressible(arch, c);
        if (rope != null) throw new TridentException("cannot export this model as " + arch.ggufName() + ": " + rope);
    }

    private static boolean zeroRouterBias(ModelConfig c, Function<String, Tensor> lookup) {
        for (int i = 0; i < c.layers() + c.mtpDepth(); i++) {
            if (!c.isMoeLayer(Math.min(i, c.layers() - 1))) continue;
            Tensor b = lookup.apply("model.layers." + i + ".mlp.gate.e_score_correction_bias");
            for (int j = 0; j < b.size(); j++) if (b.data[j] != 0) return false;
        }
        return true;
    }

    /** llama.cpp's llama_ftype for a file mostly in format f. */
    private static int fileType(WeightFormat f) {
        return switch (f.name()) {
            case "F32" -> 0;
            case "F16" -> 1;
            case "Q4_0" -> 2;
            case "Q8_0" -> 7;
            case "Q4_K" -> 14; // MOSTLY_Q4_K_S: Q4_K throughout (no Q6_K mix)
            case "Q5_K" -> 16; // MOSTLY_Q5_K_S: Q5_K throughout
            case "Q6_K" -> 18; // MOSTLY_Q6_K
            case "BF16" -> 32;
            default -> throw new IllegalArgumentException(f.name());
        };
    }

    private static boolean isRouter(GgufTensorNames.Binding b) {
        return b.tensor().endsWith("ffn_gate_inp.weight");
    }

    /** The type a tensor is stored in: F32 for vectors and routers, else main if its rows fit, else a fallback. */
    static GgmlType typeFor(GgufTensorNames.Binding b, GgmlType main) {
        if (b.shape().length == 1 || isRouter(b)) return GgmlType.F32;
        long cols = b.rowLength();
        if (cols % main.blockSize() == 0) return main;
        GgmlType f = fallback(main, cols);
        return cols % f.blockSize() == 0 ? f : GgmlType.F16;
    }

    private static GgmlType fallback(GgmlType main, long cols) {
        return main == GgmlType.Q4_K && cols % GgmlType.Q8_0.blockSize() == 0 ? GgmlType.Q8_0 : GgmlType.F16;
    }

    /** Streams one tensor: each part gathered from the parameters, then encoded in row chunks. */
    private static void writeTensor(GgufTensorNames.Binding b, GgmlType type, Function<String, Tensor> lookup, OutputStream out)
            throws IOException {
        GgufLayout layout = b.layout();
        int cols = Math.toIntExact(b.rowLength());
        for (int part = 0; part < layout.parts(); part++) {
            float[] values = layout.gather(part, lookup);
            int rows = values.length / cols;
            if (type == GgmlType.F32) {
                TensorSource.ofFloats(values).writeTo(out);
                continue;
            }
            int chunkRows = Math.max(1, (1 << 22) / cols);
            for (int r0 = 0; r0 < rows; r0 += chunkRows) {
                int n = Math.min(chunkRows, rows - r0);
                out.write(encode(type, values, r0, n, cols));
            }
        }
    }

    /**
     * Rows [r0, r0 + n) of values encoded as type t, the rows split over the worker pool (rows are quantized
     * independently, so the bytes are the same as one thread's; Q4_K's search makes this worth it).
     */
    private static byte[] encode(GgmlType t, float[] values, int r0, int n, int cols) {
        int parts = Math.min(n, dev.trident.kernels.WorkerPool.global().threads());
        byte[][] encoded = new byte[parts][];
        dev.trident.kernels.WorkerPool.global().parallelFor(parts, (from, to, worker) -> {
            for (int p = from; p < to; p++) {
                int a = r0 + (int) ((long) n * p / parts), b = r0 + (int) ((long) n * (p + 1) / parts);
                encoded[p] = GgufTensorData.write(t, java.util.Arrays.copyOfRange(values, a * cols, b * cols), b - a, cols);
            }
        });
        if (parts == 1) return encoded[0];
        int total = 0;
        for (byte[] e : encoded) total += e.length;
        byte[] all = new byte[total];
        for (int p = 0, at = 0; p < parts; at += encoded[p].length, p++) System.arraycopy(encoded[p], 0, all, at, encoded[p].length);
        return all;
    }

    /** A short human summary of tensors per type, e.g. "Q4_K 14, F32 9". */
    public static String summary(Map<GgmlType, Integer> counts) {
        StringBuilder s = new StringBuilder();
        for (var e : counts.entrySet()) s.append(s.isEmpty() ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue());
        return s.toString().toUpperCase(Locale.ROOT);
    }
}
