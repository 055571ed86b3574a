package dev.trident.io.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgufRoundTripTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(ints = {32, 1, 64, 4096})
    void writeThenReadGivesBackEveryValueAndByte(int alignment) {
        Map<String, byte[]> expected = new LinkedHashMap<>();
        GgufWriter w = GgufSamples.everything(42, alignment, expected);
        Path file = dir.resolve("all.gguf");
        w.write(file);
        try (GgufFile g = GgufFile.open(file)) {
            assertEquals(3, g.version());
            assertEquals(alignment, g.alignment());
            assertEquals(w.fileSize(), g.fileSize());
            assertEquals(0, g.dataOffset() % alignment);

            // Metadata: same keys, same order, same exact types and values.
            GgufWriter again = GgufSamples.everything(42, alignment, null);
            assertEquals(new ArrayList<>(metadataOf(again, dir.resolve("again.gguf")).entrySet()),
                    new ArrayList<>(g.metadata().entrySet()));
            assertEquals(new GgufValue.UInt32(0xFFFF_FFFFL), g.require("t.u32"));
            assertEquals(new GgufValue.Str("héllo ✓ 🙂"), g.require("t.str"));
            assertEquals(List.of("a", "b", "ab", "Ġthe", ""), g.getStringArray("tokenizer.ggml.tokens"));
            assertArrayEquals(new int[] {1, 1, 1, 3, 6}, g.getIntArray("tokenizer.ggml.token_type"));
            assertEquals(2, g.getLong("llama.block_count"));
            assertEquals("llama", g.architecture());
            assertEquals(-1L, g.getLong("t.u64"));

            // Tensors: in the order added, each aligned, with the bytes given.
            assertEquals(new ArrayList<>(expected.keySet()), g.tensors().stream().map(GgufTensor::name).toList());
            long next = 0;
            for (GgufTensor t : g.tensors()) {
                assertEquals(next, t.offset(), t.name());
                assertArrayEquals(expected.get(t.name()), t.data().toArray(ValueLayout.JAVA_BYTE), t.name());
                next += (t.byteSize() + alignment - 1) / alignment * alignment;
            }
            assertArrayEquals(new long[] {256, 1, 2}, g.tensor("blk.0.ffn_down.weight").shape());
            assertEquals(GgmlType.Q4_K, g.tensor("blk.0.ffn_down.weight").type());
            assertEquals(2, g.tensor("blk.0.ffn_down.weight").rows());
            assertEquals(g.dataOffset() + next, g.fileSize());
        }
    }

    @Test
    void copyingEveryTensorReproducesTheFileByteForByte() throws IOException {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        GgufSamples.everything(7, 32, null).write(a);
        try (GgufFile g = GgufFile.open(a)) {
            GgufWriter w = new GgufWriter();
            g.metadata().forEach(w::put);
            for (GgufTensor t : g.tensors()) w.addTensor(t.name(), t.type(), t.shape(), t.data());
            w.write(b);
        }
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void readsFromMemoryAsFromAFile() throws IOException {
        Path a = dir.resolve("a.gguf");
        GgufSamples.everything(3, 32, null).write(a);
        byte[] bytes = Files.readAllBytes(a);
        GgufFile mem = GgufFile.read(MemorySegment.ofArray(bytes), "mem.gguf");
        try (GgufFile file = GgufFile.open(a)) {
            assertEquals(file.metadata(), mem.metadata());
            assertEquals(file.tensors().size(), mem.tensors().size());
        }
    }

    @Test
    void f32ValuesAreLittleEndian() {
        Path f = dir.resolve("f.gguf");
        GgufSamples.minimal().write(f);
        try (GgufFile g = GgufFile.open(f)) {
            float[] v = g.tensor("w").data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
            assertArrayEquals(new float[] {1, 2, 3, 4}, v);
        }
    }

    /**
     * Offsets past 2^31 (and a tensor bigger than 2 GB) without writing gigabytes: the header comes from the
     * writer, the one real tensor is written after a hole, so the file is sparse.
     */
    @Test
    void filesLargerThanTwoGigabytesWork() throws IOException {
        long big = (1L << 29) + 64; // F32 values: 2 GiB + 256 bytes
        GgufWriter w = new GgufWriter().putString("general.architecture", "llama")
                .addTensor("big", GgmlType.F32, new long[] {big}, out -> { throw new AssertionError("not streamed"); })
                .addF32("small", new long[] {4}, new float[] {1, 2, 3, 4});
        byte[] header = w.header();
        long dataOffset = (header.length + 31) / 32 * 32;
        long smallAt = dataOffset + 4 * big;
        Path f = dir.resolve("big.gguf");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(header));
            ByteBuffer small = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
            small.putFloat(1).putFloat(2).putFloat(3).putFloat(4).clear();
            ch.write(small, smallAt);
        }
        assertEquals(w.fileSize(), Files.size(f));
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals(4 * big, g.tensor("big").byteSize());
            assertTrue(g.tensor("big").byteSize() > Integer.MAX_VALUE);
            assertEquals(4 * big, g.tensor("small").offset());
            assertEquals(3f, g.tensor("small").data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
            assertEquals(0, g.tensor("big").data().get(ValueLayout.JAVA_BYTE, 4 * big - 1));
        }
    }

    private static Map<String, GgufValue> metadataOf(GgufWriter w, Path file) {
        w.write(file);
        try (GgufFile g = GgufFile.open(file)) {
            return new LinkedHashMap<>(g.metadata());
        }
    }
}
