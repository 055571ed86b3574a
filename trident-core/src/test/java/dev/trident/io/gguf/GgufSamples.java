package dev.trident.io.gguf;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small GGUF files for tests: every metadata type, a few tensor types, a default and a custom alignment. */
final class GgufSamples {
    private GgufSamples() {}

    /** Every value type, nested arrays, unicode, empty strings and arrays, and tensors of several ggml types. */
    static GgufWriter everything(long seed, int alignment, Map<String, byte[]> expected) {
        Random rnd = new Random(seed);
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        if (alignment != GgufReader.DEFAULT_ALIGNMENT) w.putUInt32("general.alignment", alignment);
        w.put("t.u8", new GgufValue.UInt8(200));
        w.put("t.i8", new GgufValue.Int8((byte) -5));
        w.put("t.u16", new GgufValue.UInt16(65535));
        w.put("t.i16", new GgufValue.Int16((short) -300));
        w.put("t.u32", new GgufValue.UInt32(0xFFFF_FFFFL));
        w.put("t.i32", new GgufValue.Int32(-7));
        w.put("t.u64", new GgufValue.UInt64(-1L));
        w.put("t.i64", new GgufValue.Int64(Long.MIN_VALUE));
        w.put("t.f32", new GgufValue.Float32(1.5e-5f));
        w.put("t.f64", new GgufValue.Float64(Math.PI));
        w.put("t.bool", new GgufValue.Bool(true));
        w.put("t.str", new GgufValue.Str("héllo ✓ 🙂"));
        w.put("t.empty", new GgufValue.Str(""));
        w.putUInt32("llama.block_count", 2);
        w.putStrings("tokenizer.ggml.tokens", List.of("a", "b", "ab", "Ġthe", ""));
        w.putInt32s("tokenizer.ggml.token_type", new int[] {1, 1, 1, 3, 6});
        w.putFloat32s("t.scores", new float[] {0f, -1f, Float.NaN, Float.NEGATIVE_INFINITY});
        w.put("t.bools", new GgufValue.Array(GgufValueType.BOOL, List.of(new GgufValue.Bool(false), new GgufValue.Bool(true))));
        w.put("t.noarray", new GgufValue.Array(GgufValueType.INT64, List.of()));
        w.put("t.nested", new GgufValue.Array(GgufValueType.ARRAY, List.of(
                GgufValue.strings(List.of("x", "yz")), GgufValue.strings(List.of()))));
        add(w, expected, "token_embd.weight", GgmlType.F32, new long[] {8, 5}, randomBytes(rnd, 4 * 8 * 5));
        add(w, expected, "blk.0.attn_q.weight", GgmlType.F16, new long[] {3, 7}, randomBytes(rnd, 2 * 3 * 7));
        add(w, expected, "blk.0.ffn_up.weight", GgmlType.Q8_0, new long[] {64, 3}, randomBytes(rnd, 34 * 2 * 3));
        add(w, expected, "blk.0.ffn_down.weight", GgmlType.Q4_K, new long[] {256, 1, 2}, randomBytes(rnd, 144 * 2));
        add(w, expected, "output_norm.weight", GgmlType.BF16, new long[] {1}, randomBytes(rnd, 2));
        add(w, expected, "x.4d", GgmlType.I8, new long[] {2, 3, 1, 2}, randomBytes(rnd, 12));
        return w;
    }

    /** A minimal file: one string, one tensor. */
    static GgufWriter minimal() {
        return new GgufWriter().putString("general.architecture", "llama")
                .addF32("w", new long[] {4}, new float[] {1, 2, 3, 4});
    }

    /** Many small tokens, as a tokenizer's metadata would be. */
    static GgufWriter vocabulary(long seed) {
        Random rnd = new Random(seed);
        List<String> tokens = new ArrayList<>();
        int[] types = new int[40];
        for (int i = 0; i < 40; i++) {
            tokens.add("t" + i + (char) ('a' + rnd.nextInt(26)));
            types[i] = 1;
        }
        return new GgufWriter().putString("tokenizer.ggml.model", "gpt2").putStrings("tokenizer.ggml.tokens", tokens)
                .putInt32s("tokenizer.ggml.token_type", types).putUInt32("tokenizer.ggml.eos_token_id", 3)
                .addF32("output.weight", new long[] {4, 2}, new float[8]);
    }

    static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static void add(GgufWriter w, Map<String, byte[]> expected, String name, GgmlType type, long[] shape,
                            byte[] bytes) {
        w.addTensor(name, type, shape, TensorSource.of(bytes));
        if (expected != null) expected.put(name, bytes);
    }
}
