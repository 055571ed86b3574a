package dev.trident.io.safetensors;

import dev.trident.TridentException;
import dev.trident.quant.BFloat16;
import dev.trident.quant.Float16;
import dev.trident.quant.Fp8E4M3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading and writing safetensors: every dtype Trident writes, integers, the header checks, files over 2 GB. */
class SafetensorsFileTest {
    @TempDir
    Path dir;

    /** A file built byte by byte as the format describes it, read back. */
    @Test
    void readsAHandBuiltFile() throws IOException {
        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[8,24]},"
                + "\"a\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,8]}}";
        ByteBuffer buf = ByteBuffer.allocate(8 + json.length() + 24).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(json.length()).put(json.getBytes(StandardCharsets.US_ASCII));
        for (float v : new float[]{1f, -2f, 0.5f, 3f}) buf.putShort(BFloat16.encode(v));
        buf.putLong(7).putLong(-1L << 40);
        Path f = dir.resolve("hand.safetensors");
        Files.write(f, buf.array());
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertEquals(Map.of("format", "pt"), s.metadata());
            assertEquals(List.of("b", "a"), List.copyOf(s.tensors().keySet()), "header order");
            SafetensorsTensor a = s.require("a");
            assertArrayEquals(new long[]{2, 2}, a.shape());
            assertArrayEquals(new float[]{1f, -2f, 0.5f, 3f}, a.toFloats());
            SafetensorsTensor b = s.require("b");
            assertEquals(7, b.dtype().getLong(b.data(), 0));
            assertEquals(-1L << 40, b.dtype().getLong(b.data(), 1));
        }
    }

    @Test
    void writesEveryFloatTypeAsItsCodecEncodes() {
        Random rng = new Random(1);
        float[] v = new float[1000];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(7) - 3));
        v[0] = 1e6f; // beyond F16 and E4M3: saturates
        v[1] = Float.NaN;
        int[] shape = {25, 40};
        Path f = dir.resolve("all.safetensors");
        SafetensorsWriter.write(f, List.of(
                SafetensorsWriter.floats("f32", shape, v, SafetensorsDType.F32),
                SafetensorsWriter.floats("f16", shape, v, SafetensorsDType.F16),
                SafetensorsWriter.floats("bf16", shape, v, SafetensorsDType.BF16),
                SafetensorsWriter.floats("e4m3", shape, v, SafetensorsDType.F8_E4M3),
                SafetensorsWriter.raw("ids", SafetensorsDType.I32, new long[]{3}, MemorySegment.ofArray(new int[]{5, -6, 7})),
                SafetensorsWriter.floats("scalar", new int[0], new float[]{2.5f}, SafetensorsDType.F32),
                SafetensorsWriter.floats("empty", new int[]{0, 4}, new float[0], SafetensorsDType.BF16)), Map.of("producer", "test"));
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            for (int i = 0; i < v.length; i++) {
                assertEquals(v[i], s.require("f32").toFloats()[i], 0f);
                assertEquals(Float16.decode(Float16.encodeSaturating(v[i])), s.require("f16").getFloat(i), 0f);
                assertEquals(BFloat16.decode(BFloat16.encode(v[i])), s.require("bf16").getFloat(i), 0f);
                assertEquals(Fp8E4M3.decode(Fp8E4M3.encode(v[i])), s.require("e4m3").getFloat(i), 0f);
            }
            assertEquals(65504f, s.require("f16").getFloat(0));
            assertEquals(448f, s.require("e4m3").getFloat(0));
            float[] bulk = s.require("e4m3").toFloats(); // the vector decode path agrees with the scalar one
            for (int i = 0; i < v.length; i++) assertEquals(s.require("e4m3").getFloat(i), bulk[i], 0f);
            assertEquals(-6, s.require("ids").dtype().getLong(s.require("ids").data(), 1));
            assertEquals(2.5f, s.require("scalar").getFloat(0));
            assertEquals(1, s.require("scalar").count());
            assertEquals(0, s.require("empty").count());
            assertEquals("test", s.metadata().get("producer"));
            // Every tensor starts 8-byte aligned after an 8-byte-multiple header.
            long headerLen = ByteBuffer.wrap(readHead(f)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, headerLen % 8);
        }
    }

    private static byte[] readHead(Path f) {
        try (var in = Files.newInputStream(f)) {
            return in.readNBytes(8);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** A tensor whose data begins beyond 2 GB: the file is sparse, so this costs no disk and no memory. */
    @Test
    void readsTensorsBeyondTwoGigabytes() throws IOException {
        long big = (1L << 31) + 24; // a U8 tensor of 2 GB + 24 bytes, then a small F32 one
        String json = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + big + "],\"data_offsets\":[0," + big + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[" + big + "," + (big + 12) + "]}}";
        byte[] header = json.getBytes(StandardCharsets.US_ASCII);
        Path f = dir.resolve("big.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            ByteBuffer head = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).put(header);
            raf.write(head.array());
            long tail = 8 + header.length + big;
            raf.setLength(tail + 12);
            raf.seek(tail);
            ByteBuffer t = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).putFloat(1e-3f);
            raf.write(t.array());
        }
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertArrayEquals(new float[]{1.5f, -2f, 1e-3f}, s.require("tail").toFloats());
            SafetensorsTensor b = s.require("big");
            assertEquals(big, b.count());
            assertEquals(0f, b.getFloat(big - 1));
            var e = assertThrows(TridentException.class, b::toFloats);
            assertTrue(e.getMessage().startsWith(f + ": tensor 'big' has 2147483672 values"), e.getMessage());
        }
    }

    /** Each header check, with the one-line message that names the file (and the tensor). */
    @Test
    void badHeadersAreOneLineErrors() throws IOException {
        String ok = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        expect(file(ok, 8), null);
        expect(file(ok, 4), "'w' data [0, 8) lies outside the 4 data bytes");
        expect(file(ok, 12), "the tensors cover 8 of the 12 data bytes");
        expect(file(ok.replace("F32", "F33"), 8), "tensor 'w' has unknown dtype 'F33'");
        expect(file(ok.replace("[2]", "[-2]"), 8), "bad dimension '-2'");
        expect(file(ok.replace("[2]", "[3]"), 8), "tensor 'w' spans 8 bytes but F32 of its shape needs 12");
        expect(file(ok.replace("[2]", "[4294967296,4294967296]"), 8), "shape overflows");
        expect(file(ok.replace("[0,8]", "[8,0]"), 8), "lies outside");
        expect(file(ok.replace("[0,8]", "[0]"), 8), "has no [begin, end] data_offsets");
        expect(file(ok.replace("\"w\"", "\"w\\nx\"").replace("F32", "F33"), 8), "tensor 'w\\u000ax' has unknown dtype"); // names are escaped
        expect(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8),
                "starts at data byte 0 where 4 was expected");
        expect(file("[1]", 0), "does not start with '{'");
        expect(file("{\"w\":", 0), "not valid JSON");
        expect(file("{\"__metadata__\":{\"a\":1}}", 0), "__metadata__ value of 'a' is not a string");
        expect(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[[[1]]],\"data_offsets\":[0,4]}}", 4), "not valid JSON");
        Path f = dir.resolve("short.safetensors");
        Files.write(f, new byte[5]);
        expect(f, "truncated (5 bytes");
        Files.write(f, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).array());
        expect(f, "header length 9223372036854775807 does not fit a file of 16 bytes");
        byte[] notUtf8 = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(4).put(new byte[]{'{', (byte) 0xC3, '}', ' '}).array();
        Files.write(f, notUtf8);
        expect(f, "not valid UTF-8");
        expect(dir.resolve("missing.safetensors"), "no such safetensors file");
    }

    private Path file(String json, int dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve("case.safetensors");
        Files.write(f, ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array());
        return f;
    }

    private static void expect(Path f, String part) {
        if (part == null) {
            SafetensorsFile.open(f).close();
            return;
        }
        var e = assertThrows(TridentException.class, () -> SafetensorsFile.open(f).close());
        String m = e.getMessage();
        assertTrue(m.startsWith(f + ": ") && m.contains(part) && m.indexOf('\n') < 0, m);
    }
}
