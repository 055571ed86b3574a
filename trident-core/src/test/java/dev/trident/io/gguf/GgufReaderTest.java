package dev.trident.io.gguf;

import dev.trident.TridentException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each kind of damage gives one line that names the file and says what is wrong. */
class GgufReaderTest {
    @TempDir
    Path dir;

    @Test
    void notGguf() throws IOException {
        Path f = dir.resolve("model.gguf");
        Files.writeString(f, "{\"hello\": 1}");
        assertMessage(f, "model.gguf: not a GGUF file (magic 0x7b226865");
        Files.write(f, new byte[] {'G', 'G'});
        assertMessage(f, "model.gguf: not a GGUF file (only 2 bytes)");
        assertMessage(dir.resolve("missing.gguf"), "missing.gguf: no such GGUF file");
    }

    @Test
    void versions() throws IOException {
        byte[] b = valid();
        putU32(b, 4, 1);
        assertMessage(write(b), "GGUF version 1 is not supported");
        putU32(b, 4, 0x03000000);
        assertMessage(write(b), "big-endian GGUF files are not supported");
        putU32(b, 4, 99);
        assertMessage(write(b), "unsupported GGUF version 99");
        putU32(b, 4, 2);
        try (GgufFile g = GgufFile.open(write(b))) {
            assertEquals(2, g.version());
        }
    }

    @Test
    void truncatedData() throws IOException {
        byte[] b = valid();
        // The last tensor is followed by padding: losing that is harmless, losing a byte of data is not.
        try (GgufFile g = GgufFile.open(write(Arrays.copyOf(b, b.length - 16)))) {
            assertEquals(16, g.tensor("w").byteSize());
        }
        assertMessage(write(Arrays.copyOf(b, b.length - 17)), "tensor 'w' data [");
        assertMessage(write(Arrays.copyOf(b, b.length - 17)), "lies outside the file (");
        assertMessage(write(Arrays.copyOf(b, 62)), "metadata key 'general.architecture': needs 8 bytes at offset 56 but the file ends at 62 (truncated?)");
    }

    @Test
    void impossibleCounts() throws IOException {
        byte[] b = valid();
        putU64(b, 8, Long.MAX_VALUE);
        assertMessage(write(b), "tensor count 9223372036854775807 cannot fit in a file of");
        b = valid();
        putU64(b, 16, -1);
        assertMessage(write(b), "metadata count 18446744073709551615 cannot fit");
    }

    @Test
    void hugeStringLength() throws IOException {
        byte[] b = valid();
        putU64(b, 24, 1L << 40); // the first key's length
        assertMessage(write(b), "metadata key #0: string length 1099511627776 runs past the end of the file");
    }

    @Test
    void unknownTensorTypeAndMisalignedOffset() throws IOException {
        byte[] b = valid();
        int info = indexOf(b, "w".getBytes()) ; // tensor name "w" (length 1) then n_dims, dims, type, offset
        putU32(b, info + 1 + 4 + 8, 4);
        assertMessage(write(b), "tensor 'w' has unknown ggml type id 4");
        b = valid();
        putU64(b, info + 1 + 4 + 8 + 4, 3);
        assertMessage(write(b), "tensor 'w' data offset 3 is not a multiple of the alignment 32");
        b = valid();
        putU32(b, info + 1, 9);
        assertMessage(write(b), "tensor 'w' has 9 dims (at most 4)");
    }

    @Test
    void badAlignmentAndDuplicateKeys() {
        GgufWriter w = new GgufWriter().put("general.alignment", new GgufValue.UInt32(32)).addF32("w", new long[] {1}, new float[1]);
        byte[] b = bytes(w);
        putU32(b, indexOf(b, "general.alignment".getBytes()) + 17 + 4, 48);
        assertMessage(write(b), "general.alignment must be a UINT32 power of two, not UINT32 48");

        GgufWriter d = new GgufWriter().putString("k1", "a").putString("k2", "b");
        byte[] c = bytes(d);
        c[indexOf(c, "k2".getBytes()) + 1] = '1';
        assertMessage(write(c), "metadata key 'k1' appears twice");
    }

    @Test
    void controlCharactersInNamesStayOnOneLine() {
        GgufWriter w = new GgufWriter().addF32("a\u0001b", new long[] {4}, new float[4]);
        byte[] b = bytes(w);
        b[indexOf(b, "a\u0001b".getBytes()) + 1] = '\n';
        TridentException e = assertThrows(TridentException.class, () -> GgufFile.read(MemorySegment.ofArray(Arrays.copyOf(b, 76)), "x.gguf"));
        assertEquals("x.gguf: tensor 'a?b' data [64, 80) lies outside the file (76 bytes; truncated?)", e.getMessage());
    }

    @Test
    void typedGettersNameKeyAndType() {
        GgufFile g = GgufFile.read(MemorySegment.ofArray(valid()), "m.gguf");
        TridentException e = assertThrows(TridentException.class, () -> g.getLong("general.architecture"));
        assertEquals("m.gguf: metadata key 'general.architecture' is STRING, expected an integer", e.getMessage());
        e = assertThrows(TridentException.class, () -> g.getString("nope"));
        assertEquals("m.gguf: metadata key 'nope' is missing", e.getMessage());
        e = assertThrows(TridentException.class, () -> g.tensor("nope"));
        assertEquals("m.gguf: has no tensor 'nope'", e.getMessage());
    }

    // ---- helpers ----

    private byte[] valid() {
        return bytes(GgufSamples.minimal());
    }

    private byte[] bytes(GgufWriter w) {
        try {
            Path f = Files.createTempFile(dir, "v", ".gguf");
            w.write(f);
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private Path write(byte[] b) {
        try {
            Path f = dir.resolve("model.gguf");
            Files.write(f, b);
            return f;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertMessage(Path f, String expectedPart) {
        TridentException e = assertThrows(TridentException.class, () -> {
            try (GgufFile g = GgufFile.open(f)) {
                g.tensors();
            }
        });
        String m = e.getMessage();
        assertTrue(m.startsWith(f.toString() + ": "), m);
        assertTrue(m.contains(expectedPart.replace("model.gguf: ", "").replace("missing.gguf: ", "")), m);
        assertFalse(m.contains("\n"), m);
    }

    private static void putU32(byte[] b, int at, int v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
    }

    private static void putU64(byte[] b, int at, long v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
    }

    /** Position just after the 8-byte length prefix of the first string with these bytes. */
    private static int indexOf(byte[] b, byte[] s) {
        outer:
        for (int i = 8; i + s.length <= b.length; i++) {
            for (int j = 0; j < s.length; j++) if (b[i + j] != s[j]) continue outer;
            if (ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(i - 8) == s.length) return i;
        }
        throw new AssertionError("not found");
    }
}
