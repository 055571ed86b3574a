package dev.trident.io.safetensors;

import dev.trident.TridentException;
import dev.trident.io.AtomicFile;
import dev.trident.io.json.Json;

import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face safetensors format: an 8-byte little-endian header length, a JSON header mapping each tensor
 * name to {dtype, shape, data_offsets} (offsets relative to the end of the header), then the raw tensor bytes.
 * Reading memory-maps the file and bounds every size in the header against the file before allocating.
 */
public final class Safetensors {
    /** Headers larger than this are refused before reading them (the format's reference limit is 100 MB). */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    /** A tensor's name, shape and fp32 values. */
    public record Entry(String name, int[] shape, float[] values) {}

    private Safetensors() {}

    /** Writes fp32 tensors atomically, in the given order, with optional string metadata. */
    public static void writeF32(Path file, List<Entry> entries, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", new LinkedHashMap<>(metadata));
        long offset = 0;
        for (Entry e : entries) {
            long bytes = 4L * e.values().length;
            List<Object> shape = new ArrayList<>();
            for (int d : e.shape()) shape.add((long) d);
            header.put(e.name(), Json.obj("dtype", "F32", "shape", shape, "data_offsets", List.of(offset, offset + bytes)));
            offset += bytes;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // keep tensor data 8-byte aligned, padding with spaces as the spec allows
        AtomicFile.write(file, out -> {
            DataOutputStream data = new DataOutputStream(out);
            data.writeLong(Long.reverseBytes(json.length + pad));
            data.write(json);
            for (int i = 0; i < pad; i++) data.write(' ');
            byte[] buf = new byte[1 << 16];
            for (Entry e : entries) {
                float[] v = e.values();
                int i = 0;
                while (i < v.length) {
                    int n = Math.min(v.length - i, buf.length / 4);
                    for (int j = 0; j < n; j++) {
                        int bits = Float.floatToRawIntBits(v[i + j]);
                        buf[4 * j] = (byte) bits;
                        buf[4 * j + 1] = (byte) (bits >>> 8);
                        buf[4 * j + 2] = (byte) (bits >>> 16);
                        buf[4 * j + 3] = (byte) (bits >>> 24);
                    }
                    data.write(buf, 0, 4 * n);
                    i += n;
                }
            }
            data.flush();
        });
    }

    /** Reads every tensor as fp32 (F32, F16 and BF16 are converted), checking the header against the file. */
    public static Map<String, Entry> readF32(Path file) {
        if (!Files.isRegularFile(file)) throw new TridentException(file + ": no such safetensors file");
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw bad(file, "truncated (" + size + " bytes, no header)");
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLen = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8)
                throw bad(file, "header length " + headerLen + " does not fit a file of " + size + " bytes");
            byte[] hb = seg.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            Map<String, Object> header;
            try {
                header = Json.asObject(Json.parse(new String(hb, StandardCharsets.UTF_8)), "header");
            } catch (RuntimeException e) {
                throw bad(file, "header is not valid JSON (" + e.getMessage() + ")");
            }
            long dataStart = 8 + headerLen, dataLen = size - dataStart;
            Map<String, Entry> out = new LinkedHashMap<>();
            for (Map.Entry<String, Object> me : header.entrySet()) {
                if (me.getKey().equals("__metadata__")) continue;
                String name = me.getKey();
                Map<String, Object> t;
                String dtype;
                List<Object> shapeList, offs;
                try {
                    t = Json.asObject(me.getValue(), name);
                    dtype = Json.asString(t.get("dtype"), name + ".dtype");
                    shapeList = Json.asArray(t.get("shape"), name + ".shape");
                    offs = Json.asArray(t.get("data_offsets"), name + ".data_offsets");
                } catch (RuntimeException e) {
                    throw bad(file, "tensor " + name + ": " + e.getMessage());
                }
                if (shapeList.size() > 8) throw bad(file, "tensor " + name + " has " + shapeList.size() + " dimensions");
                int[] shape = new int[shapeList.size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    long d = shapeList.get(i) instanceof Long l ? l : -1;
                    if (d < 0 || d > Integer.MAX_VALUE) throw bad(file, "tensor " + name + " has a bad dimension " + shapeList.get(i));
                    shape[i] = (int) d;
                    count *= d;
                    if (count > Integer.MAX_VALUE - 8) throw bad(file, "tensor " + name + " is too large to load as fp32");
                }
                int width = switch (dtype) {
                    case "F32" -> 4;
                    case "F16", "BF16" -> 2;
                    default -> throw bad(file, "tensor " + name + " has dtype " + dtype + "; F32, F16 and BF16 are supported");
                };
                if (offs.size() != 2 || !(offs.get(0) instanceof Long begin) || !(offs.get(1) instanceof Long end))
                    throw bad(file, "tensor " + name + " has bad data_offsets");
                if (begin < 0 || end < begin || end > dataLen)
                    throw bad(file, "tensor " + name + " data [" + begin + ", " + end + ") lies outside the " + dataLen + " data bytes (truncated?)");
                if (end - begin != count * width)
                    throw bad(file, "tensor " + name + " has " + (end - begin) + " bytes for " + count + " " + dtype + " values");
                float[] v = new float[(int) count];
                MemorySegment src = seg.asSlice(dataStart + begin, end - begin);
                for (int i = 0; i < v.length; i++) {
                    v[i] = switch (dtype) {
                        case "F32" -> src.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i);
                        case "F16" -> Float.float16ToFloat(src.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * i));
                        default -> Float.intBitsToFloat(src.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * i) << 16);
                    };
                }
                out.put(name, new Entry(name, shape, v));
            }
            return out;
        } catch (IOException e) {
            throw new TridentException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static TridentException bad(Path file, String what) {
        return new TridentException(file + ": not a valid safetensors file: " + what);
    }
}
