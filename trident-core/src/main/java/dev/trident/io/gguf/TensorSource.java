package dev.trident.io.gguf;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Produces one tensor's bytes when {@link GgufWriter} reaches it, so a multi-GB model is streamed to disk rather
 * than assembled in memory. It must write exactly the tensor's byte size (the writer checks).
 */
@FunctionalInterface
public interface TensorSource {

    void writeTo(OutputStream out) throws IOException;

    /** Bytes already in the ggml layout. */
    static TensorSource of(byte[] bytes) {
        return out -> out.write(bytes);
    }

    /** A segment (e.g. a tensor of another mapped GGUF), copied out in chunks. */
    static TensorSource of(MemorySegment segment) {
        return out -> {
            byte[] chunk = new byte[(int) Math.min(segment.byteSize(), 1 << 16)];
            for (long at = 0; at < segment.byteSize(); at += chunk.length) {
                int n = (int) Math.min(chunk.length, segment.byteSize() - at);
                MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, at, chunk, 0, n);
                out.write(chunk, 0, n);
            }
        };
    }

    /** fp32 values, written little-endian (ggml's F32 layout). */
    static TensorSource ofFloats(float[] values) {
        return out -> {
            byte[] chunk = new byte[4 * Math.min(values.length, 1 << 14)];
            MemorySegment buf = MemorySegment.ofArray(chunk);
            ValueLayout.OfFloat le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < values.length; ) {
                int n = Math.min(values.length - i, chunk.length / 4);
                for (int j = 0; j < n; j++) buf.set(le, 4L * j, values[i + j]);
                out.write(chunk, 0, 4 * n);
                i += n;
            }
        };
    }
}
