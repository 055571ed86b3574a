package dev.trident.io.hf;

import dev.trident.io.json.Json;
import dev.trident.io.safetensors.SafetensorsDType;
import dev.trident.io.safetensors.SafetensorsWriter;
import dev.trident.tokenizer.ByteLevelAlphabet;
import dev.trident.tokenizer.Tokenizer;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Builds checkpoint folders tensor by tensor, as another tool would write them, for the loader tests. */
final class HfTestFiles {
    /** Tensors in order: name -> shape, and the values each stands for (what a reader must get back). */
    final Map<String, int[]> shapes = new LinkedHashMap<>();
    final Map<String, float[]> values = new LinkedHashMap<>();
    /** How each tensor is stored: F32, BF16 or F8_E4M3 (with a scale grid of block[0] x block[1] blocks). */
    final Map<String, SafetensorsDType> stored = new LinkedHashMap<>();
    private final Map<String, byte[]> fp8Codes = new LinkedHashMap<>();
    private final Map<String, float[]> fp8Scales = new LinkedHashMap<>();
    private final Random rng;
    int[] block = {128, 128};

    HfTestFiles(long seed) {
        this.rng = new Random(seed);
    }

    /** A matrix or vector of N(mean, std) values stored as dtype (BF16 values are rounded so they are exact). */
    void put(String name, double mean, double std, SafetensorsDType dtype, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (mean + std * rng.nextGaussian());
        if (dtype == SafetensorsDType.BF16)
            for (int i = 0; i < n; i++) v[i] = dev.trident.quant.BFloat16.decode(dev.trident.quant.BFloat16.encode(v[i]));
        shapes.put(name, shape);
        values.put(name, v);
        stored.put(name, dtype);
    }

    /**
     * A matrix stored as FP8 E4M3 codes with a weight_scale_inv grid: random codes and random block scales; the
     * values are decoded here, with the block arithmetic written out: w[r][c] = e4m3(q[r][c]) * S[r / br][c / bc].
     */
    void putFp8(String name, int rows, int cols) {
        byte[] q = new byte[rows * cols];
        for (int i = 0; i < q.length; i++) q[i] = dev.trident.quant.Fp8E4M3.encode((float) (rng.nextGaussian() * 64));
        int gr = (rows + block[0] - 1) / block[0], gc = (cols + block[1] - 1) / block[1];
        float[] s = new float[gr * gc];
        for (int i = 0; i < s.length; i++) s[i] = (float) (0.002 + 0.004 * rng.nextDouble());
        float[] v = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) v[r * cols + c] = dev.trident.quant.Fp8E4M3.decode(q[r * cols + c]) * s[(r / block[0]) * gc + c / block[1]];
        shapes.put(name, new int[]{rows, cols});
        values.put(name, v);
        stored.put(name, SafetensorsDType.F8_E4M3);
        fp8Codes.put(name, q);
        fp8Scales.put(name, s);
    }

    /** The same values under another name (DeepSeek's MTP copies of the embedding and head). */
    void copy(String from, String to) {
        shapes.put(to, shapes.get(from));
        values.put(to, values.get(from));
        stored.put(to, stored.get(from) == SafetensorsDType.F8_E4M3 ? SafetensorsDType.F32 : stored.get(from));
    }

    /** Writes model.safetensors (or shards), config.json and a byte-level tokenizer.json into dir. */
    void write(Path dir, Map<String, Object> config, long maxShard) {
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (var e : shapes.entrySet()) {
            String name = e.getKey();
            int[] shape = e.getValue();
            SafetensorsDType dtype = stored.get(name);
            if (dtype == SafetensorsDType.F8_E4M3) {
                entries.add(SafetensorsWriter.raw(name, dtype, new long[]{shape[0], shape[1]}, MemorySegment.ofArray(fp8Codes.get(name))));
                int gr = (shape[0] + block[0] - 1) / block[0], gc = (shape[1] + block[1] - 1) / block[1];
                entries.add(SafetensorsWriter.raw(name + "_scale_inv", SafetensorsDType.F32, new long[]{gr, gc}, MemorySegment.ofArray(fp8Scales.get(name))));
            } else {
                entries.add(SafetensorsWriter.floats(name, shape, values.get(name), dtype));
            }
        }
        dev.trident.io.safetensors.SafetensorsCheckpoint.write(dir, entries, Map.of("format", "pt"), maxShard);
        Json.write(dir.resolve("config.json"), config);
        tokenizer().save(dir.resolve("tokenizer.json"));
    }

    /** 256 byte tokens and no merges: enough to load; the tests feed token ids directly. */
    static Tokenizer tokenizer() {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) tokens.add(String.valueOf(ByteLevelAlphabet.charOf(b)));
        return Tokenizer.of(tokens, List.of(), java.util.Set.of());
    }
}
