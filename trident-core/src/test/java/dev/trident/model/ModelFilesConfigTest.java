package dev.trident.model;

import dev.trident.TridentException;
import dev.trident.io.json.Json;
import dev.trident.kernels.RopePairing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config.json of a Trident model directory keeps the RoPE pairing and QK-norm, and refuses a Hugging Face config. */
class ModelFilesConfigTest {
    @Test
    void ropePairingAndQkNormRoundTrip(@TempDir Path dir) throws Exception {
        ModelConfig tiny = Presets.get("tiny").model(), moe = Presets.get("tiny-moe").model();
        ModelConfig[] configs = {tiny.withRopePairing(RopePairing.HALVES), tiny.withQkNorm(true),
                moe.withQkNorm(true).withRopePairing(RopePairing.HALVES).withMtpDepth(1),
                moe.withMoe(moe.moe().withGroups(4, 2), 1),
                Presets.get("tiny-mla").model().withRopePairing(RopePairing.HALVES)};
        for (ModelConfig c : configs) {
            Path file = dir.resolve("config.json");
            Files.writeString(file, Json.writePretty(ModelFiles.configJson(c)));
            assertEquals(c, ModelFiles.parseConfig(file));
        }
        Map<String, Object> m = ModelFiles.configJson(tiny.withQkNorm(true).withRopePairing(RopePairing.HALVES));
        assertEquals("halves", m.get("rope_pairing"));
        assertEquals(true, m.get("use_qk_norm"));
        assertEquals("adjacent", ModelFiles.configJson(tiny).get("rope_pairing"));
    }

    @Test
    void aConfigWithoutRopePairingIsNotATridentDirectory(@TempDir Path dir) throws Exception {
        Map<String, Object> m = ModelFiles.configJson(Presets.get("tiny").model());
        m.remove("rope_pairing");
        Path file = dir.resolve("config.json");
        Files.writeString(file, Json.writePretty(m));
        var e = assertThrows(TridentException.class, () -> ModelFiles.parseConfig(file));
        assertTrue(e.getMessage().startsWith(file + ": ") && e.getMessage().contains("Hugging Face"), e.getMessage());
        m.put("rope_pairing", "sideways");
        Files.writeString(file, Json.writePretty(m));
        e = assertThrows(TridentException.class, () -> ModelFiles.parseConfig(file));
        assertTrue(e.getMessage().contains("sideways"), e.getMessage());
    }
}
