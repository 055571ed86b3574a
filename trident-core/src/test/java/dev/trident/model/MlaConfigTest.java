package dev.trident.model;

import dev.trident.io.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MLA presets, their config.json (DeepSeek-V3 keys) and the KV-cache sizes the issue asks for. */
class MlaConfigTest {
    @Test
    void configJsonRoundTripsWithDeepSeekKeys(@TempDir Path dir) throws Exception {
        for (String name : new String[]{"tiny-mla", "small-mla", "small", "small-v3"}) {
            ModelConfig c = Presets.get(name).model();
            Path file = dir.resolve(name + ".json");
            Files.writeString(file, Json.writePretty(ModelFiles.configJson(c)));
            assertEquals(c, ModelFiles.parseConfig(file), name);
        }
        Map<String, Object> m = ModelFiles.configJson(Presets.get("small-mla").model());
        assertEquals(64L, m.get("kv_lora_rank"));
        assertEquals(128L, m.get("q_lora_rank"));
        assertEquals(16L, m.get("qk_rope_head_dim"));
        assertNull(ModelFiles.configJson(Presets.get("tiny-mla").model()).get("q_lora_rank"), "no query latent is null, as in DeepSeek-V2-Lite");
        // small-v3: all three DeepSeek-V3 parts in one config
        Map<String, Object> v3 = ModelFiles.configJson(Presets.get("small-v3").model());
        assertEquals(64L, v3.get("kv_lora_rank"));
        assertEquals(16L, v3.get("n_routed_experts"));
        assertEquals(1L, v3.get("num_nextn_predict_layers"));
    }

    @Test
    void mlaPresetsKeepWidthHeadsAndLayersAndCacheAQuarterOfMultiHeadAttention() {
        for (String[] pair : new String[][]{{"tiny", "tiny-mla"}, {"small", "small-mla"}}) {
            ModelConfig gqa = Presets.get(pair[0]).model(), mla = Presets.get(pair[1]).model();
            assertEquals(gqa.dim(), mla.dim());
            assertEquals(gqa.heads(), mla.heads());
            assertEquals(gqa.layers(), mla.layers());
            long mha = 2L * gqa.layers() * gqa.heads() * gqa.headDim() * Float.BYTES;
            assertTrue(mha >= 4 * mla.kvCacheBytesPerToken(), pair[1] + ": " + mla.kvCacheBytesPerToken() + " vs MHA " + mha);
            assertTrue(gqa.kvCacheBytesPerToken() < mha);
            // Within 15% of the GQA preset's parameters, so the comparison is fair.
            double ratio = (double) mla.parameterCount() / gqa.parameterCount();
            assertTrue(ratio > 0.85 && ratio < 1.15, pair[1] + " has " + ratio + "x the parameters of " + pair[0]);
        }
        assertEquals(6L * (64 + 16) * 4, Presets.get("small-mla").model().kvCacheBytesPerToken());
        assertEquals(6L * 2 * 4 * 32 * 4, Presets.get("small").model().kvCacheBytesPerToken());
    }

    @Test
    void mlaSizesMustMatchTheModel() {
        ModelConfig c = Presets.get("small").model();
        assertThrows(IllegalArgumentException.class, () -> c.withMla(new dev.trident.nn.MlaSpec(128, 8, 0, 64, 32, 16, 32)));
        assertThrows(IllegalArgumentException.class, () -> new dev.trident.nn.MlaSpec(256, 8, 0, 64, 32, 15, 32));
    }
}
