package dev.trident.blt;

import dev.trident.TridentException;
import dev.trident.blt.entropy.EntropyModel;
import dev.trident.blt.patch.PatcherSpec;
import dev.trident.blt.patch.PatchingMode;
import dev.trident.io.AtomicFile;
import dev.trident.io.json.Json;
import dev.trident.io.safetensors.Safetensors;
import dev.trident.model.ModelFiles;
import dev.trident.nn.Parameters.Parameter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BLT model directory: blt.json (every size, the patcher with its calibrated threshold), model.safetensors (the
 * weights by name) and entropy/, the entropy model's own model directory (absent for space or static patching).
 */
public final class BltFiles {
    public static final String CONFIG = "blt.json";
    public static final String ENTROPY_DIR = "entropy";

    private BltFiles() {}

    /** Whether dir holds a BLT model (rather than a BPE one). */
    public static boolean isBltModel(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG));
    }

    /** A loaded BLT: the model, and the entropy model its patcher needs (null for space or static patching). */
    public record Loaded(BltModel model, EntropyModel entropy, Map<String, Object> info) {}

    public static Map<String, Object> configJson(BltConfig c, Map<String, Object> info) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architecture", "ByteLatentTransformer");
        m.put("vocab_size", (long) c.vocabSize());
        m.put("seq_len", (long) c.seqLen());
        m.put("local_dim", (long) c.localDim());
        m.put("local_heads", (long) c.localHeads());
        m.put("local_kv_heads", (long) c.localKvHeads());
        m.put("local_hidden", (long) c.localHidden());
        m.put("local_window", (long) c.localWindow());
        m.put("encoder_layers", (long) c.encoderLayers());
        m.put("decoder_layers", (long) c.decoderLayers());
        m.put("global_dim", (long) c.globalDim());
        m.put("global_layers", (long) c.globalLayers());
        m.put("global_heads", (long) c.globalHeads());
        m.put("global_kv_heads", (long) c.globalKvHeads());
        m.put("global_hidden", (long) c.globalHidden());
        m.put("cross_heads", (long) c.crossHeads());
        m.put("decoder_cross_window", (long) c.decoderCrossWindow());
        m.put("hash_min_n", (long) c.hash().minN());
        m.put("hash_max_n", (long) c.hash().maxN());
        m.put("hash_rows", (long) c.hash().rows());
        m.put("hash_functions", (long) c.hash().functions());
        m.put("rope_theta", c.ropeTheta());
        m.put("rms_norm_eps", (double) c.normEps());
        PatcherSpec p = c.patcher();
        m.put("patching", Json.obj("mode", p.mode().cliName(), "threshold", p.threshold(),
                "target_patch_size", p.targetPatchSize(), "max_patch_length", (long) p.maxPatchLength(),
                "reset_at_newline", p.resetAtNewline()));
        m.put("entropy_model", p.mode().usesEntropy() ? ENTROPY_DIR : null);
        if (info != null) m.put("info", info);
        return m;
    }

    public static BltConfig parseConfig(Path file) {
        Map<String, Object> m;
        try {
            m = Json.asObject(Json.read(file, 1 << 20), "blt.json");
        } catch (TridentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new TridentException(file + ": not a valid BLT config (" + e.getMessage() + ")", e);
        }
        try {
            Map<String, Object> p = Json.asObject(Json.member(m, "patching", "blt.json"), "patching");
            PatcherSpec patcher = new PatcherSpec(PatchingMode.parse(Json.asString(p.get("mode"), "patching.mode")),
                    Json.asDouble(p.get("threshold"), "patching.threshold"),
                    Json.asDouble(p.get("target_patch_size"), "patching.target_patch_size"),
                    Json.asInt(p.get("max_patch_length"), "patching.max_patch_length", 0, 1 << 20),
                    Json.asBoolean(p.get("reset_at_newline"), "patching.reset_at_newline"));
            int big = 1 << 16;
            return new BltConfig(i(m, "seq_len", 2, 1 << 20), i(m, "local_dim", 1, big), i(m, "local_heads", 1, 1024),
                    i(m, "local_kv_heads", 1, 1024), i(m, "local_hidden", 1, 1 << 20), i(m, "local_window", 0, 1 << 20),
                    i(m, "encoder_layers", 1, 1024), i(m, "decoder_layers", 1, 1024), i(m, "global_dim", 1, big),
                    i(m, "global_layers", 1, 1024), i(m, "global_heads", 1, 1024), i(m, "global_kv_heads", 1, 1024),
                    i(m, "global_hidden", 1, 1 << 20), i(m, "cross_heads", 1, 1024), i(m, "decoder_cross_window", 1, 1 << 20),
                    new HashSpec(i(m, "hash_min_n", 2, 16), i(m, "hash_max_n", 2, 16), i(m, "hash_rows", 1, 1 << 24),
                            i(m, "hash_functions", 1, 4)),
                    Json.asDouble(m.get("rope_theta"), "rope_theta"), (float) Json.asDouble(m.get("rms_norm_eps"), "rms_norm_eps"),
                    patcher);
        } catch (TridentException e) {
            throw new TridentException(file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new TridentException(file + ": inconsistent BLT sizes (" + e.getMessage() + ")", e);
        }
    }

    private static int i(Map<String, Object> m, String key, int min, int max) {
        return Json.asInt(Json.member(m, key, "blt.json"), key, min, max);
    }

    /** Writes blt.json and model.safetensors, each atomically. */
    public static void save(Path dir, BltModel model, Map<String, Object> info) {
        AtomicFile.write(dir.resolve(CONFIG), Json.writePretty(configJson(model.config, info)).getBytes(StandardCharsets.UTF_8));
        List<Safetensors.Entry> entries = new ArrayList<>();
        for (Parameter p : model.params.all()) entries.add(new Safetensors.Entry(p.name(), p.tensor().shape(), p.tensor().data));
        Safetensors.writeF32(dir.resolve(ModelFiles.WEIGHTS), entries, Map.of("format", "pt", "producer", "trident", "architecture", "blt"));
    }

    /** Loads a BLT model directory; TridentException naming the file if anything is missing or wrong. */
    public static Loaded load(Path dir) {
        Path cfg = dir.resolve(CONFIG), weights = dir.resolve(ModelFiles.WEIGHTS);
        for (Path p : new Path[]{cfg, weights})
            if (!Files.isRegularFile(p)) throw new TridentException(p + ": missing; " + dir + " is not a complete BLT model directory");
        BltConfig c = parseConfig(cfg);
        BltModel model = new BltModel(c, 0);
        Map<String, Safetensors.Entry> tensors = Safetensors.readF32(weights);
        for (Parameter p : model.params.all()) {
            Safetensors.Entry e = tensors.get(p.name());
            if (e == null) throw new TridentException(weights + ": tensor " + p.name() + " is missing; the file does not match blt.json");
            if (!java.util.Arrays.equals(e.shape(), p.tensor().shape()))
                throw new TridentException(weights + ": tensor " + p.name() + " has shape " + java.util.Arrays.toString(e.shape())
                        + " but blt.json needs " + java.util.Arrays.toString(p.tensor().shape()));
            System.arraycopy(e.values(), 0, p.tensor().data, 0, p.tensor().size());
        }
        EntropyModel entropy = c.patcher().mode().usesEntropy() ? EntropyModel.load(dir.resolve(ENTROPY_DIR)) : null;
        return new Loaded(model, entropy, readInfo(cfg));
    }

    /** The "info" object of blt.json: what training measured (patch sizes, FLOPs, validation BPB). */
    public static Map<String, Object> readInfo(Path cfg) {
        Object info = Json.asObject(Json.read(cfg, 1 << 20), "blt.json").get("info");
        return info instanceof Map<?, ?> ? Json.asObject(info, "info") : Map.of();
    }

    /** Copies an entropy model directory's files (config, weights, tokenizer) into dir/entropy. */
    public static void copyEntropyModel(Path from, Path modelDir) {
        Path to = modelDir.resolve(ENTROPY_DIR);
        try {
            Files.createDirectories(to);
            for (String f : new String[]{ModelFiles.CONFIG, ModelFiles.WEIGHTS, ModelFiles.TOKENIZER}) {
                Path src = from.resolve(f);
                if (!Files.isRegularFile(src)) throw new TridentException(src + ": missing; " + from + " is not a complete entropy model directory");
                Path tmp = to.resolve(f + ".tmp");
                Files.copy(src, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, to.resolve(f), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new TridentException(to + ": cannot copy the entropy model (" + e.getMessage() + ")", e);
        }
    }
}
