package dev.trident.io.hf;

import dev.trident.TridentException;
import dev.trident.io.json.Json;
import dev.trident.io.safetensors.SafetensorsDType;
import dev.trident.io.safetensors.SafetensorsFile;
import dev.trident.io.safetensors.SafetensorsTensor;
import dev.trident.io.safetensors.SafetensorsWriter;
import dev.trident.model.Model;
import dev.trident.quant.WeightFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a checkpoint folder can get wrong, each a one-line error naming the file, before anything large is allocated. */
class HfCheckpointErrorsTest {
    @TempDir
    Path dir;
    private Map<String, Object> config;

    @BeforeEach
    void saveALlama() {
        HfCheckpoint.save(HfRoundTripTest.model(HfRoundTripTestConfigs.BASE, 1), dir, WeightFormat.F32);
        config = new LinkedHashMap<>(Json.asObject(Json.read(dir.resolve("config.json"), 1 << 20), "config"));
    }

    private void config(Consumer<Map<String, Object>> edit, String part) {
        Map<String, Object> c = new LinkedHashMap<>(config);
        edit.accept(c);
        Json.write(dir.resolve("config.json"), c);
        expect(part);
    }

    private void expect(String part) {
        var e = assertThrows(TridentException.class, () -> HfCheckpoint.load(dir));
        String m = e.getMessage();
        assertTrue(m.startsWith(dir.toString()) && m.contains(part) && m.indexOf('\n') < 0, m);
    }

    @Test
    void configProblems() {
        config(c -> {
            c.put("architectures", List.of("GPT2LMHeadModel"));
            c.put("model_type", "gpt2");
        }, "architecture [GPT2LMHeadModel] is not one Trident loads");
        config(c -> c.put("rope_scaling", Map.of("rope_type", "dynamic", "factor", 8.0)), "rope_scaling of type dynamic is not supported");
        config(c -> c.put("rope_parameters", Map.of("rope_type", "longrope", "rope_theta", 1e4)), "rope_scaling of type longrope is not supported");
        config(c -> c.put("rope_scaling", Map.of("rope_type", "llama3", "factor", 8.0)), "rope_scaling: llama3 rope scaling needs 0 < low_freq_factor < high_freq_factor");
        config(c -> c.put("attention_bias", true), "attention_bias is true");
        config(c -> c.put("hidden_act", "gelu"), "hidden_act gelu is not supported");
        config(c -> c.put("quantization_config", Map.of("quant_method", "gptq")), "quant_method gptq is not supported");
        config(c -> c.put("num_attention_heads", 3L), "inconsistent model sizes");
        config(c -> c.remove("hidden_size"), "has no \"hidden_size\"");
        config(c -> c.put("hidden_size", 4096L), "describes");
        config(c -> c.put("intermediate_size", 39L), "tensor 'model.layers.0.mlp.gate_proj.weight' has shape [40, 32] but config.json needs [39, 32]");
        config(c -> c.put("num_hidden_layers", 1L), "tensor(s) the model of config.json does not use");
        config(c -> {
            c.put("architectures", List.of("Qwen3MoeForCausalLM"));
            c.put("num_experts", 4L);
            c.put("num_experts_per_tok", 2L);
            c.put("moe_intermediate_size", 8L);
            c.put("mlp_only_layers", List.of(1L));
        }, "make layer 1 dense after a MoE layer");
    }

    @Test
    void weightProblems() throws IOException {
        rewrite(t -> !t.name().equals("model.norm.weight"), null);
        expect("tensor model.norm.weight is missing");
        rewrite(t -> true, "model.layers.0.mlp.up_proj.weight"); // stored as FP8 codes without a scale
        expect("is F8_E4M3 but has no model.layers.0.mlp.up_proj.weight_scale_inv");
        Files.delete(dir.resolve("model.safetensors"));
        expect("has neither model.safetensors nor model.safetensors.index.json");
        Files.delete(dir.resolve("tokenizer.json"));
        expect("tokenizer.json: missing");
    }

    /** Rewrites model.safetensors keeping the tensors keep accepts; fp8 names one stored as bare FP8 codes. */
    private void rewrite(Predicate<SafetensorsTensor> keep, String fp8) {
        Path file = dir.resolve("model.safetensors");
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, SafetensorsTensor> kept = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (SafetensorsTensor t : f.tensors().values()) if (keep.test(t)) {
                kept.put(t.name(), t);
                values.put(t.name(), t.toFloats());
            }
            for (SafetensorsTensor t : kept.values()) {
                if (t.name().equals(fp8))
                    entries.add(SafetensorsWriter.raw(t.name(), SafetensorsDType.F8_E4M3, t.shape(), MemorySegment.ofArray(new byte[(int) t.count()])));
                else entries.add(SafetensorsWriter.floats(t.name(), t.intShape(), values.get(t.name()), SafetensorsDType.F32));
            }
        }
        SafetensorsWriter.write(file, entries, null);
    }

    @Test
    void qwenMoeWithoutSelectionBiasLoads() {
        // Sanity for the error tests: the saved folder itself loads.
        Model m = HfCheckpoint.load(dir);
        assertTrue(m.parameterCount() > 0);
    }
}
