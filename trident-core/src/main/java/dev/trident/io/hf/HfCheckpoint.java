package dev.trident.io.hf;

import dev.trident.TridentException;
import dev.trident.io.AtomicFile;
import dev.trident.io.json.Json;
import dev.trident.io.safetensors.SafetensorsCheckpoint;
import dev.trident.io.safetensors.SafetensorsTensor;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.model.ModelFiles;
import dev.trident.model.Transformer;
import dev.trident.quant.WeightFormat;
import dev.trident.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face checkpoints in and out: a folder of config.json, tokenizer.json and safetensors weights (one file or
 * shards with model.safetensors.index.json) in the Llama, Qwen3(-MoE) or DeepSeek-V3 layout, or Trident's own model
 * directory. See docs/hf.md for what maps to what.
 *
 * <p>Loading reads config.json (refusing what Trident does not compute), checks that the weights can hold the model
 * it describes before allocating it, then reads every parameter from its tensor: converted to fp32, FP8 blocks
 * dequantized with their weight_scale_inv, Llama's q/k rows permuted from rotate_half to adjacent pairs. Saving picks
 * the layout that represents the model exactly ({@link HfArchitecture#forModel}) and writes F32, F16, BF16 or
 * DeepSeek-V3's FP8 blocks.
 */
public final class HfCheckpoint {
    private HfCheckpoint() {}

    /** Whether dir looks like a checkpoint this class loads: config.json next to safetensors weights. */
    public static boolean looksLikeCheckpoint(Path dir) {
        return Files.isRegularFile(dir.resolve(ModelFiles.CONFIG)) && SafetensorsCheckpoint.present(dir);
    }

    /** Loads a checkpoint folder with the context length its config.json gives. */
    public static Model load(Path dir) {
        return load(dir, 0);
    }

    /**
     * Loads a checkpoint folder; maxContext > 0 caps the context length (max_position_embeddings of 128K tokens would
     * make an inference cache of many gigabytes). TridentException naming the file for anything wrong.
     */
    public static Model load(Path dir, int maxContext) {
        Path tokFile = dir.resolve(ModelFiles.TOKENIZER);
        if (Files.isDirectory(dir) && !Files.isRegularFile(tokFile))
            throw new TridentException(tokFile + ": missing; " + dir + " is not a complete checkpoint folder");
        Tokenizer tokenizer = Tokenizer.load(tokFile); // the cheap file first: a bad one fails before the weights are read
        Transformer t = loadTransformer(dir, maxContext);
        if (tokenizer.vocabSize() > t.config.vocabSize())
            throw new TridentException(tokFile + ": has " + tokenizer.vocabSize() + " tokens but config.json says vocab_size " + t.config.vocabSize());
        return new Model(t, tokenizer);
    }

    /**
     * The weights alone (config.json and the safetensors, no tokenizer): for converting checkpoints whose
     * tokenizer.json Trident's tokenizer does not read.
     */
    public static Transformer loadTransformer(Path dir, int maxContext) {
        if (!Files.isDirectory(dir)) throw new TridentException(dir + ": no such checkpoint folder");
        Path configFile = dir.resolve(ModelFiles.CONFIG);
        if (!Files.isRegularFile(configFile)) throw new TridentException(configFile + ": missing; " + dir + " is not a complete checkpoint folder");
        Map<String, Object> json = HfConfig.read(configFile);
        HfArchitecture arch = HfArchitecture.detect(json);
        if (arch == null)
            throw new TridentException(configFile + ": architecture " + json.get("architectures") + " is not one Trident loads ("
                    + HfArchitecture.known() + ", or a Trident model directory)");
        ModelConfig config = HfConfig.parse(configFile, json, arch);
        int[] block = fp8Block(configFile, json);
        try (SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(dir)) {
            // A checkpoint stripped of its MTP layers still loads, without them.
            if (config.mtpDepth() > 0 && !hasLayer(weights, config.layers())) config = config.withMtpDepth(0);
            if (maxContext > 0 && maxContext < config.maxSeqLen()) config = config.withMaxSeqLen(maxContext);
            checkSize(dir, config, weights);
            Transformer t;
            try {
                t = Transformer.unset(config);
            } catch (IllegalArgumentException e) {
                throw new TridentException(configFile + ": inconsistent model sizes (" + e.getMessage() + ")", e);
            }
            HfWeights.load(weights, t, HfConfig.filePairing(arch, config), block, dir.toString());
            return t;
        }
    }

    /** weight_block_size of an "fp8" quantization_config (null: per-tensor); other quantization methods are refused. */
    private static int[] fp8Block(Path file, Map<String, Object> json) {
        if (!(json.get("quantization_config") instanceof Map<?, ?> q)) return new int[]{128, 128};
        Object method = q.get("quant_method");
        if (!"fp8".equals(method))
            throw new TridentException(file + ": quantization_config quant_method " + method + " is not supported; Trident reads fp8 "
                    + "(DeepSeek-V3's block-scaled E4M3) and unquantized checkpoints");
        if (q.get("weight_block_size") == null) return null;
        try {
            List<Object> b = Json.asArray(q.get("weight_block_size"), "weight_block_size");
            if (b.size() != 2) throw new TridentException("weight_block_size should have two entries");
            return new int[]{Json.asInt(b.get(0), "weight_block_size[0]", 1, 1 << 20), Json.asInt(b.get(1), "weight_block_size[1]", 1, 1 << 20)};
        } catch (TridentException e) {
            throw new TridentException(file + ": quantization_config " + e.getMessage(), e);
        }
    }

    private static boolean hasLayer(SafetensorsCheckpoint w, int layer) {
        String prefix = "model.layers." + layer + ".";
        for (String name : w.tensors().keySet()) if (name.startsWith(prefix)) return true;
        return false;
    }

    /**
     * Refuses, before allocating, a config.json whose model the weights cannot nearly hold (more than twice the values
     * the files have, plus a million: small gaps are left to the tensor-by-tensor check, which names the tensor) or
     * that would not fit in the Java heap as fp32. So a hostile config.json costs at most ~8 bytes per stored value.
     */
    private static void checkSize(Path dir, ModelConfig c, SafetensorsCheckpoint w) {
        long values = 0;
        for (SafetensorsTensor t : w.tensors().values()) values += t.count();
        long params = c.parameterCount() - (c.moe() == null ? 0 : (long) c.moe().routedExperts() * (c.moeLayers() + c.mtpDepth()));
        if (params > 2 * values + (1 << 20))
            throw new TridentException(dir + ": config.json describes " + params + " parameters but the weights hold only " + values + " values");
        long need = 4 * c.parameterCount(), have = Runtime.getRuntime().maxMemory();
        if (need > have)
            throw new TridentException(dir + ": the model needs " + gb(need) + " of fp32 weights but the Java heap is " + gb(have)
                    + "; raise it with JAVA_OPTS=-Xmx...");
    }

    private static String gb(long bytes) {
        return String.format("%.1f GB", bytes / 1e9);
    }

    /** Saves a model in the layout that represents it, weights in format, as one file or 5 GB shards. */
    public static HfArchitecture save(Model model, Path dir, WeightFormat format) {
        return save(model, dir, format, SafetensorsCheckpoint.DEFAULT_MAX_SHARD_BYTES);
    }

    /**
     * Saves config.json, the weights (F32, F16, BF16 or FP8_BLOCK; shards of at most maxShardBytes), tokenizer.json and
     * tokenizer_config.json into dir, each file atomically. Returns the layout chosen.
     */
    public static HfArchitecture save(Model model, Path dir, WeightFormat format, long maxShardBytes) {
        Transformer t = model.transformer();
        HfArchitecture arch = HfArchitecture.forModel(t);
        var entries = HfWeights.entries(t, arch, format); // checks the format first
        Map<String, Object> config = HfConfig.write(t.config, arch, format);
        SafetensorsCheckpoint.write(dir, entries, Map.of("format", "pt", "producer", "trident"), maxShardBytes);
        model.tokenizer().save(dir.resolve(ModelFiles.TOKENIZER));
        Map<String, Object> tokConfig = new LinkedHashMap<>();
        tokConfig.put("tokenizer_class", "PreTrainedTokenizerFast");
        tokConfig.put("model_max_length", (long) t.config.maxSeqLen());
        int eos = model.tokenizer().eosId();
        if (eos >= 0) tokConfig.put("eos_token", model.tokenizer().tokenText(eos));
        AtomicFile.write(dir.resolve("tokenizer_config.json"), (Json.writePretty(tokConfig) + "\n").getBytes(StandardCharsets.UTF_8));
        // config.json last: a folder with a config.json is a complete checkpoint.
        AtomicFile.write(dir.resolve(ModelFiles.CONFIG), (Json.writePretty(config) + "\n").getBytes(StandardCharsets.UTF_8));
        return arch;
    }
}
