package dev.trident.io.safetensors;

import dev.trident.TridentException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sharded checkpoints: split on save, found through the index on load, and a bad index is a one-line error. */
class SafetensorsCheckpointTest {
    @TempDir
    Path dir;

    private static List<SafetensorsWriter.Entry> entries(int n) {
        List<SafetensorsWriter.Entry> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] v = new float[10 + i];
            for (int j = 0; j < v.length; j++) v[j] = i + j / 100f;
            out.add(SafetensorsWriter.floats("t" + i, new int[]{v.length}, v, SafetensorsDType.F32));
        }
        return out;
    }

    @Test
    void splitsIntoShardsAndReadsThemBack() throws IOException {
        List<Path> files = SafetensorsCheckpoint.write(dir, entries(7), Map.of("format", "pt"), 120);
        // 40..64 bytes each, at most 120 per shard: 3 tensors in the first ... ; index last
        assertEquals(SafetensorsCheckpoint.INDEX, files.getLast().getFileName().toString());
        assertTrue(files.size() > 3, files.toString());
        assertTrue(files.getFirst().getFileName().toString().matches("model-00001-of-0000\\d\\.safetensors"));
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertEquals(7, c.tensors().size());
            for (int i = 0; i < 7; i++) {
                float[] v = c.tensor("t" + i).toFloats();
                assertEquals(10 + i, v.length);
                assertEquals(i + 0.05f, v[5], 0f);
            }
        }
        // Saving again small enough for one file replaces the shards and the index.
        SafetensorsCheckpoint.write(dir, entries(2), Map.of(), 1 << 20);
        try (var ls = Files.list(dir)) {
            assertEquals(List.of(SafetensorsCheckpoint.SINGLE), ls.map(p -> p.getFileName().toString()).filter(s -> !s.endsWith(".tmp")).toList());
        }
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertEquals(2, c.tensors().size());
            assertArrayEquals(entriesValues(1), c.tensor("t1").toFloats());
        }
    }

    private static float[] entriesValues(int i) {
        float[] v = new float[10 + i];
        for (int j = 0; j < v.length; j++) v[j] = i + j / 100f;
        return v;
    }

    @Test
    void aBadIndexIsAOneLineError() throws IOException {
        SafetensorsCheckpoint.write(dir, entries(4), Map.of(), 100);
        Path index = dir.resolve(SafetensorsCheckpoint.INDEX);
        String good = Files.readString(index);
        String first = "model-00001-of-";
        assertTrue(good.contains(first));
        check(index, good.replaceFirst("model-00001-of-0000\\d\\.safetensors", "../../etc/passwd.safetensors"), "does not name a .safetensors file in the same folder");
        check(index, good.replaceFirst("model-00001-of-0000\\d\\.safetensors", "nowhere.safetensors"), "lists shard 'nowhere.safetensors', which is missing");
        check(index, good.replace("\"t0\"", "\"t9\""), "says tensor 't9' is in");
        check(index, "{\"metadata\":{}}", "has no \"weight_map\"");
        check(index, "{", "invalid JSON");
        Files.writeString(index, good);
        SafetensorsCheckpoint.open(dir).close();
        Files.delete(index);
        try (var ls = Files.list(dir)) {
            ls.forEach(p -> p.toFile().delete());
        }
        var e = assertThrows(TridentException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("has neither model.safetensors nor"), e.getMessage());
        assertFalse(SafetensorsCheckpoint.present(dir));
    }

    private void check(Path index, String text, String part) throws IOException {
        Files.writeString(index, text);
        var e = assertThrows(TridentException.class, () -> SafetensorsCheckpoint.open(dir).close());
        assertTrue(e.getMessage().startsWith(index.toString()) && e.getMessage().contains(part) && e.getMessage().indexOf('\n') < 0, e.getMessage());
    }
}
