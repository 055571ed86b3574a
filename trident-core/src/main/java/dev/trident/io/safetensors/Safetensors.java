package dev.trident.io.safetensors;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whole-file fp32 access to a safetensors file, for small files read and written at once (a Trident model directory).
 * Large and sharded checkpoints go through {@link SafetensorsFile} / {@link SafetensorsCheckpoint}, which map the file
 * and convert tensor by tensor.
 */
public final class Safetensors {
    /** A tensor's name, shape and fp32 values. */
    public record Entry(String name, int[] shape, float[] values) {}

    private Safetensors() {}

    /** Writes fp32 tensors atomically, in the given order, with optional string metadata. */
    public static void writeF32(Path file, List<Entry> entries, Map<String, String> metadata) {
        List<SafetensorsWriter.Entry> out = new ArrayList<>();
        for (Entry e : entries) out.add(SafetensorsWriter.floats(e.name(), e.shape(), e.values(), SafetensorsDType.F32));
        SafetensorsWriter.write(file, out, metadata);
    }

    /** Reads every tensor as fp32 (any dtype is converted), checking the header against the file. */
    public static Map<String, Entry> readF32(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, Entry> out = new LinkedHashMap<>();
            for (SafetensorsTensor t : f.tensors().values()) out.put(t.name(), new Entry(t.name(), t.intShape(), t.toFloats()));
            return out;
        }
    }
}
