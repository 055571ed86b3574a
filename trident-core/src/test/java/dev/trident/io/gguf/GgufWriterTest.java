package dev.trident.io.gguf;

import dev.trident.TridentException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgufWriterTest {
    @TempDir
    Path dir;

    @Test
    void tensorNamesAreAtMost63Bytes() {
        GgufWriter w = new GgufWriter();
        w.addF32("x".repeat(63), new long[] {1}, new float[1]);
        TridentException e = assertThrows(TridentException.class, () -> w.addF32("y".repeat(64), new long[] {1}, new float[1]));
        assertTrue(e.getMessage().contains("is 64 bytes; GGUF (llama.cpp) allows 1 to 63"), e.getMessage());
        // Bytes, not chars: 32 two-byte characters are 64 bytes.
        assertThrows(TridentException.class, () -> w.addF32("é".repeat(32), new long[] {1}, new float[1]));
        assertThrows(TridentException.class, () -> w.addF32("x".repeat(63), new long[] {1}, new float[1]));
    }

    @Test
    void countKeysMustBeUInt32() {
        GgufWriter w = new GgufWriter();
        TridentException e = assertThrows(TridentException.class, () -> w.putInt32("llama.block_count", 2));
        assertEquals("GGUF: metadata key 'llama.block_count' must be UINT32 (llama.cpp rejects other types for it), not INT32",
                e.getMessage());
        for (String k : new String[] {"llama.context_length", "llama.embedding_length", "llama.attention.head_count",
                "llama.rope.dimension_count", "deepseek2.expert_count", "tokenizer.ggml.eos_token_id",
                "general.alignment", "deepseek2.attention.kv_lora_rank", "llama.vocab_size"}) {
            assertTrue(GgufWriter.mustBeUInt32(k), k);
        }
        for (String k : new String[] {"llama.attention.layer_norm_rms_epsilon", "llama.rope.freq_base",
                "general.name", "tokenizer.ggml.tokens", "tokenizer.ggml.add_bos_token"}) {
            assertFalse(GgufWriter.mustBeUInt32(k), k);
        }
        w.putInt32s("llama.attention.head_count", new int[] {4, 4}); // per-layer arrays are fine
        assertThrows(TridentException.class, () -> w.putUInt32("general.alignment", 48));
        assertThrows(TridentException.class, () -> w.putString("llama.attention.head_count", "4"));
    }

    @Test
    void shapesAreChecked() {
        GgufWriter w = new GgufWriter();
        assertThrows(TridentException.class, () -> w.addF32("a", new long[] {}, new float[1]));
        assertThrows(TridentException.class, () -> w.addF32("a", new long[] {1, 1, 1, 1, 1}, new float[1]));
        assertThrows(TridentException.class, () -> w.addF32("a", new long[] {0}, new float[0]));
        assertThrows(TridentException.class, () -> w.addF32("a", new long[] {1L << 40, 1L << 40}, new float[0]));
        TridentException e = assertThrows(TridentException.class,
                () -> w.addTensor("q", GgmlType.Q8_0, new long[] {48, 2}, TensorSource.of(new byte[0])));
        assertTrue(e.getMessage().contains("row length 48 is not a multiple of Q8_0's block size 32"), e.getMessage());
    }

    @Test
    void aShortSourceLeavesThePreviousFileAndNoTemporary() throws IOException {
        Path f = dir.resolve("m.gguf");
        GgufSamples.minimal().write(f);
        byte[] before = Files.readAllBytes(f);
        GgufWriter w = new GgufWriter().addTensor("w", GgmlType.F32, new long[] {4}, TensorSource.of(new byte[15]));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.write(f));
        assertTrue(e.getMessage().contains("its source wrote 15 bytes, expected 16"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void aSourcesOwnTridentExceptionPassesThrough() {
        TridentException boom = new TridentException("in.safetensors: truncated");
        GgufWriter w = new GgufWriter().addTensor("w", GgmlType.F32, new long[] {4}, out -> { throw boom; });
        assertSame(boom, assertThrows(TridentException.class, () -> w.write(dir.resolve("m.gguf"))));
        assertFalse(Files.exists(dir.resolve("m.gguf")));
    }

    @Test
    void writesLikeLlamaCpp() throws IOException {
        // Magic, version 3, counts; data section and every tensor padded to 32.
        Path f = dir.resolve("m.gguf");
        GgufWriter w = new GgufWriter().putString("a", "b")
                .addF32("x", new long[] {3}, new float[] {1, 2, 3}).addF32("y", new long[] {1}, new float[] {4});
        w.write(f);
        byte[] b = Files.readAllBytes(f);
        assertEquals("GGUF", new String(b, 0, 4));
        assertEquals(3, b[4]);
        assertEquals(0, b.length % 32);
        assertEquals(w.fileSize(), b.length);
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals(0, g.tensor("x").offset());
            assertEquals(32, g.tensor("y").offset());
            assertEquals(g.dataOffset() + 64, b.length);
        }
    }
}
