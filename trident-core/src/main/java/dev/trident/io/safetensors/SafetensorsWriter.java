package dev.trident.io.safetensors;

import dev.trident.io.AtomicFile;
import dev.trident.io.json.Json;
import dev.trident.quant.BFloat16;
import dev.trident.quant.Float16;
import dev.trident.quant.Fp8E4M3;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes safetensors files atomically (a temporary sibling renamed over the target): the header lists the tensors in
 * the order given, each tensor's bytes follow back to back, and the header is padded with spaces to a multiple of 8
 * bytes so every tensor starts 8-byte aligned, as the reference writer does. Tensor bytes are produced while
 * streaming, so writing needs no copy of the whole file in memory.
 */
public final class SafetensorsWriter {
    /** Produces a tensor's bytes, exactly {@link Entry#byteSize()} of them. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** A tensor to write. */
    public record Entry(String name, SafetensorsDType dtype, long[] shape, Body body) {
        public long byteSize() {
            long n = dtype.bytes();
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }
    }

    private SafetensorsWriter() {}

    /**
     * fp32 values stored as F32, F16, BF16 or F8_E4M3: F16 and BF16 round to nearest even (F16 saturates at
     * ±65504, BF16 overflows to infinity like PyTorch), F8_E4M3 rounds to nearest even and saturates at ±448.
     */
    public static Entry floats(String name, int[] shape, float[] values, SafetensorsDType dtype) {
        long[] s = new long[shape.length];
        long count = 1;
        for (int i = 0; i < s.length; i++) count *= s[i] = shape[i];
        if (count != values.length) throw new IllegalArgumentException(name + ": shape holds " + count + " values, got " + values.length);
        Body body = switch (dtype) {
            case F32 -> out -> encode(values, out, 4, (src, off, n, buf) -> {
                for (int i = 0; i < n; i++) {
                    int bits = Float.floatToRawIntBits(src[off + i]);
                    buf[4 * i] = (byte) bits;
                    buf[4 * i + 1] = (byte) (bits >>> 8);
                    buf[4 * i + 2] = (byte) (bits >>> 16);
                    buf[4 * i + 3] = (byte) (bits >>> 24);
                }
            });
            case F16, BF16 -> out -> {
                short[] h = new short[CHUNK];
                encode(values, out, 2, (src, off, n, buf) -> {
                    if (dtype == SafetensorsDType.F16) Float16.encodeSaturating(src, off, h, 0, n);
                    else BFloat16.encode(src, off, h, 0, n);
                    for (int i = 0; i < n; i++) {
                        buf[2 * i] = (byte) h[i];
                        buf[2 * i + 1] = (byte) (h[i] >>> 8);
                    }
                });
            };
            case F8_E4M3 -> out -> encode(values, out, 1, (src, off, n, buf) -> Fp8E4M3.encode(src, off, buf, 0, n));
            default -> throw new IllegalArgumentException(name + ": fp32 values are written as F32, F16, BF16 or F8_E4M3, not " + dtype);
        };
        return new Entry(name, dtype, s, body);
    }

    /** Bytes already in the dtype's little-endian layout (e.g. FP8 codes of a quantized matrix). */
    public static Entry raw(String name, SafetensorsDType dtype, long[] shape, MemorySegment bytes) {
        Entry e = new Entry(name, dtype, shape.clone(), out -> {
            byte[] buf = new byte[1 << 16];
            long size = bytes.byteSize();
            for (long done = 0; done < size; done += buf.length) {
                int n = (int) Math.min(buf.length, size - done);
                MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, done, buf, 0, n);
                out.write(buf, 0, n);
            }
        });
        if (e.byteSize() != bytes.byteSize())
            throw new IllegalArgumentException(name + ": " + dtype + " of its shape is " + e.byteSize() + " bytes, got " + bytes.byteSize());
        return e;
    }

    private static final int CHUNK = 1 << 14;

    private interface Encoder {
        void encode(float[] src, int off, int n, byte[] buf);
    }

    private static void encode(float[] values, OutputStream out, int width, Encoder enc) throws IOException {
        byte[] buf = new byte[CHUNK * width];
        for (int off = 0; off < values.length; off += CHUNK) {
            int n = Math.min(CHUNK, values.length - off);
            enc.encode(values, off, n, buf);
            out.write(buf, 0, n * width);
        }
    }

    /** The header bytes (JSON padded with spaces to a multiple of 8) for these entries. */
    static byte[] header(List<Entry> entries, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", new LinkedHashMap<>(metadata));
        Set<String> seen = new HashSet<>();
        long offset = 0;
        for (Entry e : entries) {
            if (e.name().equals("__metadata__") || !seen.add(e.name()))
                throw new IllegalArgumentException("tensor name " + SafetensorsFile.quote(e.name()) + " is reserved or used twice");
            List<Object> shape = new ArrayList<>();
            for (long d : e.shape()) shape.add(d);
            long end = offset + e.byteSize();
            header.put(e.name(), Json.obj("dtype", e.dtype().name(), "shape", shape, "data_offsets", List.of(offset, end)));
            offset = end;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8;
        byte[] out = new byte[json.length + pad];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < out.length; i++) out[i] = ' ';
        return out;
    }

    /** Writes the entries, in order, with optional string metadata. */
    public static void write(Path file, List<Entry> entries, Map<String, String> metadata) {
        byte[] header = header(entries, metadata);
        AtomicFile.write(file, out -> {
            long n = header.length;
            for (int i = 0; i < 8; i++) out.write((int) (n >>> (8 * i)));
            out.write(header);
            for (Entry e : entries) {
                CountingStream counted = new CountingStream(out);
                e.body().writeTo(counted);
                if (counted.count != e.byteSize())
                    throw new IOException(e.name() + ": wrote " + counted.count + " bytes, the header says " + e.byteSize());
            }
        });
    }

    /** Counts what a body writes, so a wrong body cannot produce a file whose header lies. */
    private static final class CountingStream extends OutputStream {
        private final OutputStream out;
        long count;

        CountingStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
