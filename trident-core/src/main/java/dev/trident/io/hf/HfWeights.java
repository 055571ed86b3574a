package dev.trident.io.hf;

import dev.trident.TridentException;
import dev.trident.io.safetensors.SafetensorsCheckpoint;
import dev.trident.io.safetensors.SafetensorsDType;
import dev.trident.io.safetensors.SafetensorsFile;
import dev.trident.io.safetensors.SafetensorsTensor;
import dev.trident.io.safetensors.SafetensorsWriter;
import dev.trident.kernels.RopePairing;
import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.nn.Parameters.Parameter;
import dev.trident.quant.Fp8BlockFormat;
import dev.trident.quant.QuantizedMatrix;
import dev.trident.quant.WeightFormat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Moves weights between a {@link Transformer} and checkpoint tensors. Trident's parameter names are Hugging Face's,
 * so each parameter reads the tensor of its own name; on the way the q/k rows RoPE rotates are permuted between the
 * file's and the model's pairing ({@link RopePermutation}), FP8 weights are dequantized with their
 * {@code weight_scale_inv} ({@link Fp8BlockScales}), and the checkpoint must account for every tensor it holds, so
 * a file of another architecture is not half-loaded silently.
 */
final class HfWeights {
    /** DeepSeek-V3's MTP layers carry copies of the shared embedding and head, which Trident does not store twice. */
    private static final Pattern MTP_COPY = Pattern.compile("model\\.layers\\.(\\d+)\\.(embed_tokens|shared_head\\.head)\\.weight");
    private static final String BIAS = ".mlp.gate.e_score_correction_bias";

    private HfWeights() {}

    /**
     * Copies every parameter of t from the checkpoint. block: the FP8 weight_block_size (null: one scale per
     * tensor). Parameters the checkpoint lacks are an error, except the routers' selection bias (zero when absent).
     */
    static void load(SafetensorsCheckpoint ckpt, Transformer t, RopePairing filePairing, int[] block, String source) {
        ModelConfig c = t.config;
        Set<String> used = new HashSet<>();
        for (Parameter p : t.params.all()) {
            String name = p.name();
            SafetensorsTensor x = ckpt.tensor(name);
            if (x == null) {
                if (name.endsWith(BIAS)) continue; // checkpoints without selection bias (Qwen, DeepSeek greedy)
                throw new TridentException(source + ": tensor " + name + " is missing; config.json describes it");
            }
            int[] shape = p.tensor().shape();
            if (!Arrays.equals(x.shape(), Arrays.stream(shape).asLongStream().toArray()))
                throw x.fail("has shape " + Arrays.toString(x.shape()) + " but config.json needs " + Arrays.toString(shape));
            float[] dst = p.tensor().data;
            if (x.dtype() == SafetensorsDType.F8_E4M3 || x.dtype() == SafetensorsDType.F8_E5M2) {
                SafetensorsTensor scale = ckpt.tensor(name + "_scale_inv");
                if (scale == null) throw x.fail("is " + x.dtype() + " but has no " + name + "_scale_inv");
                Fp8BlockScales.dequantize(x, scale, block, dst);
                used.add(scale.name());
            } else if (x.dtype().isFloat()) {
                x.readFloats(dst, 0);
            } else {
                throw x.fail("is " + x.dtype() + "; weights must be floating point");
            }
            RopePermutation perm = RopePermutation.of(name, c);
            if (perm != null) {
                float[] moved = perm.apply(dst, shape.length == 2 ? shape[1] : 1, filePairing, c.ropePairing());
                if (moved != dst) System.arraycopy(moved, 0, dst, 0, dst.length);
            }
            used.add(name);
        }
        List<String> unused = new ArrayList<>();
        for (String name : ckpt.tensors().keySet()) if (!used.contains(name) && !ignorable(name, c)) unused.add(name);
        if (!unused.isEmpty())
            throw new TridentException(source + ": has " + unused.size() + " tensor(s) the model of config.json does not use, e.g. "
                    + SafetensorsFile.quote(unused.getFirst()) + "; is config.json the checkpoint's own?");
    }

    /** Tensors a checkpoint may hold that Trident rebuilds or shares: RoPE tables, the MTP layers' embedding/head copies. */
    private static boolean ignorable(String name, ModelConfig c) {
        if (name.endsWith(".rotary_emb.inv_freq")) return true;
        var m = MTP_COPY.matcher(name);
        return m.matches() && Integer.parseInt(m.group(1)) >= c.layers();
    }

    /** Whether FP8 blocks store this parameter: the matrices inside blocks, except the routers (as DeepSeek-V3). */
    static boolean quantizable(String name, int[] shape) {
        return shape.length == 2 && name.startsWith("model.layers.") && (name.contains(".self_attn.") || name.contains(".mlp."))
                && !name.endsWith(".mlp.gate.weight");
    }

    /** The tensors of t for layout arch in format: F32/F16/BF16, or FP8_BLOCK (block matrices FP8, the rest BF16). */
    static List<SafetensorsWriter.Entry> entries(Transformer t, HfArchitecture arch, WeightFormat format) {
        ModelConfig c = t.config;
        RopePairing filePairing = HfConfig.filePairing(arch, c);
        SafetensorsDType base = switch (format.name()) {
            case "F32" -> SafetensorsDType.F32;
            case "F16" -> SafetensorsDType.F16;
            case "BF16", "FP8_BLOCK" -> SafetensorsDType.BF16;
            default -> throw new TridentException("safetensors checkpoints hold F32, F16, BF16 or FP8_BLOCK weights, not " + format.name()
                    + "; use GGUF for " + format.name());
        };
        List<SafetensorsWriter.Entry> out = new ArrayList<>();
        for (Parameter p : t.params.all()) {
            String name = p.name();
            int[] shape = p.tensor().shape();
            if (name.endsWith(BIAS) && arch == HfArchitecture.QWEN3_MOE) continue; // all zero (see HfArchitecture.forModel)
            float[] v = p.tensor().data;
            RopePermutation perm = RopePermutation.of(name, c);
            if (perm != null) v = perm.apply(v, shape.length == 2 ? shape[1] : 1, c.ropePairing(), filePairing);
            if (name.endsWith(BIAS)) {
                out.add(SafetensorsWriter.floats(name, shape, v, SafetensorsDType.F32)); // DeepSeek-V3 keeps it fp32
            } else if (format == WeightFormat.FP8_BLOCK && quantizable(name, shape)) {
                QuantizedMatrix q = WeightFormat.FP8_BLOCK.quantize(v, shape[0], shape[1]);
                long[] grid = {(shape[0] + Fp8BlockFormat.TILE - 1) / Fp8BlockFormat.TILE, Fp8BlockFormat.tilesAcross(shape[1])};
                out.add(SafetensorsWriter.raw(name, SafetensorsDType.F8_E4M3, new long[]{shape[0], shape[1]},
                        Fp8BlockFormat.rowMajorCodes(q)));
                out.add(SafetensorsWriter.raw(name + "_scale_inv", SafetensorsDType.F32, grid, q.scales()));
            } else {
                out.add(SafetensorsWriter.floats(name, shape, v, base));
            }
        }
        if (arch == HfArchitecture.DEEPSEEK_V3) {
            // Each MTP layer of DeepSeek-V3's checkpoint carries the (shared) embedding and output head.
            for (int k = 0; k < c.mtpDepth(); k++) {
                String layer = "model.layers." + (c.layers() + k) + ".";
                out.add(SafetensorsWriter.floats(layer + "embed_tokens.weight", t.embedding.shape(), t.embedding.data, base));
                out.add(SafetensorsWriter.floats(layer + "shared_head.head.weight", t.head.shape(), t.head.data, base));
            }
        }
        return out;
    }

    /**
     * The quantization_config of an FP8_BLOCK checkpoint: DeepSeek-V3's, plus (for layouts whose routers and MTP
     * projections are ordinary Linear modules in transformers) the modules left in BF16.
     */
    static Map<String, Object> quantizationConfig(ModelConfig c, HfArchitecture arch) {
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("activation_scheme", "dynamic");
        q.put("fmt", "e4m3");
        q.put("quant_method", "fp8");
        q.put("weight_block_size", List.of((long) Fp8BlockFormat.TILE, (long) Fp8BlockFormat.TILE));
        if (arch != HfArchitecture.DEEPSEEK_V3) {
            List<Object> keep = new ArrayList<>(List.of("lm_head"));
            for (int i = 0; i < c.layers() + c.mtpDepth(); i++) {
                if (i < c.layers() ? c.isMoeLayer(i) : c.isMoeLayer(c.layers() - 1)) keep.add("model.layers." + i + ".mlp.gate");
                if (i >= c.layers()) keep.add("model.layers." + i + ".eh_proj");
            }
            q.put("modules_to_not_convert", keep);
        }
        return q;
    }
}
