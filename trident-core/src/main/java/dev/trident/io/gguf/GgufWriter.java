package dev.trident.io.gguf;

import dev.trident.TridentException;
import dev.trident.io.AtomicFile;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a GGUF v3 file: metadata in insertion order with the exact types given, tensor infos in the order the
 * tensors were added, and the tensor data in that same order, each tensor padded to the alignment. This is the
 * layout llama.cpp writes and the only one it reads: its loader requires every tensor's offset to equal the
 * padded end of the previous one.
 *
 * <p>Tensor bytes come from {@link TensorSource}s called one after another during {@link #write}, so nothing but
 * the metadata is held in memory. The file is written to a temporary sibling and renamed into place: a failure
 * leaves any previous file untouched.
 *
 * <p>Checks made up front, each a one-line {@link TridentException}: keys and tensor names unique, names at most
 * 63 bytes, 1 to 4 dims, rows a whole number of blocks, {@code general.alignment} a UINT32 power of two, and
 * count-like keys (see {@link #mustBeUInt32}) typed UINT32 as llama.cpp insists.
 */
public final class GgufWriter {
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Entry> tensors = new ArrayList<>();
    private final Map<String, Entry> tensorsByName = new LinkedHashMap<>();

    private record Entry(String name, GgmlType type, long[] shape, long byteSize, TensorSource source) {}

    /** Adds a metadata pair; keys keep their insertion order in the file. */
    public GgufWriter put(String key, GgufValue value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (key.isEmpty()) throw bad("metadata keys must not be empty");
        if (metadata.containsKey(key)) throw bad("metadata key '" + key + "' is set twice");
        if (mustBeUInt32(key) && !(value instanceof GgufValue.UInt32) && !perLayerArray(value)) {
            throw bad("metadata key '" + key + "' must be UINT32 (llama.cpp rejects other types for it), not "
                    + value.type());
        }
        if (key.equals("general.alignment")
                && !(value instanceof GgufValue.UInt32(long a) && a > 0 && (a & (a - 1)) == 0)) {
            throw bad("general.alignment must be a power of two, not " + value.brief());
        }
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putString(String key, String value) { return put(key, new GgufValue.Str(value)); }

    public GgufWriter putUInt32(String key, long value) { return put(key, new GgufValue.UInt32(value)); }

    public GgufWriter putInt32(String key, int value) { return put(key, new GgufValue.Int32(value)); }

    public GgufWriter putFloat32(String key, float value) { return put(key, new GgufValue.Float32(value)); }

    public GgufWriter putBool(String key, boolean value) { return put(key, new GgufValue.Bool(value)); }

    public GgufWriter putStrings(String key, List<String> values) { return put(key, GgufValue.strings(values)); }

    public GgufWriter putInt32s(String key, int[] values) { return put(key, GgufValue.int32s(values)); }

    public GgufWriter putFloat32s(String key, float[] values) { return put(key, GgufValue.float32s(values)); }

    /**
     * Adds a tensor. {@code shape} is in ggml order, innermost first ({@code shape[0]} is the row length), so a
     * PyTorch {@code [out, in]} weight is passed as {@code {in, out}}. {@code source} must produce exactly
     * {@code type.byteSize(shape[0], rows)} bytes when the file is written.
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorSource source) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (nameBytes == 0 || nameBytes > GgufReader.MAX_NAME_BYTES) {
            throw bad("tensor name '" + name + "' is " + nameBytes + " bytes; GGUF (llama.cpp) allows 1 to "
                    + GgufReader.MAX_NAME_BYTES);
        }
        if (tensorsByName.containsKey(name)) throw bad("tensor '" + name + "' is added twice");
        if (shape.length < 1 || shape.length > GgufReader.MAX_DIMS) {
            throw bad("tensor '" + name + "' has " + shape.length + " dims; GGUF allows 1 to " + GgufReader.MAX_DIMS);
        }
        long rows = 1;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 1) throw bad("tensor '" + name + "' dim " + d + " is " + shape[d] + "; dims must be >= 1");
            try {
                if (d > 0) rows = Math.multiplyExact(rows, shape[d]);
                Math.multiplyExact(rows, shape[0]);
            } catch (ArithmeticException overflow) {
                throw bad("tensor '" + name + "' has too many elements");
            }
        }
        if (shape[0] % type.blockSize() != 0) {
            throw bad("tensor '" + name + "' row length " + shape[0] + " is not a multiple of " + type
                    + "'s block size " + type.blockSize());
        }
        long byteSize = type.byteSize(shape[0], rows);
        if (byteSize < 0) throw bad("tensor '" + name + "' is too large");
        Entry e = new Entry(name, type, shape.clone(), byteSize, source);
        tensors.add(e);
        tensorsByName.put(name, e);
        return this;
    }

    /** Adds a tensor whose bytes are already in the ggml layout (e.g. a tensor of another GGUF). */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, MemorySegment bytes) {
        return addTensor(name, type, shape, TensorSource.of(bytes));
    }

    /** Adds an F32 tensor. */
    public GgufWriter addF32(String name, long[] shape, float[] values) {
        return addTensor(name, GgmlType.F32, shape, TensorSource.ofFloats(values));
    }

    /** The alignment the file will use: {@code general.alignment} if it was put, else GGUF's default of 32. */
    public long alignment() {
        return metadata.get("general.alignment") instanceof GgufValue.UInt32(long a) ? a : GgufReader.DEFAULT_ALIGNMENT;
    }

    /** The size of the file {@link #write} produces. */
    public long fileSize() {
        long size = alignUp(header().length);
        for (Entry e : tensors) size += alignUp(e.byteSize);
        return size;
    }

    /**
     * Writes the file atomically. A TridentException thrown by a tensor source (e.g. its own input turned out
     * corrupt) propagates unchanged; I/O failures become a TridentException naming {@code file}.
     */
    public void write(Path file) {
        try {
            AtomicFile.write(file, out -> {
                try {
                    writeTo(out);
                } catch (RuntimeException r) {
                    // AtomicFile removes its temporary only on IOException; carry ours through it and unwrap below.
                    throw new Carrier(r);
                }
            });
        } catch (TridentException t) {
            if (t.getCause() instanceof Carrier c) throw c.carried;
            throw t;
        }
    }

    /** Writes the whole file to out (no temporary, no rename): for callers that build GGUF bytes in memory. */
    public void writeTo(OutputStream out) throws IOException {
        byte[] header = header();
        out.write(header);
        pad(out, alignUp(header.length) - header.length);
        for (Entry e : tensors) {
            Counting counted = new Counting(out, e);
            e.source.writeTo(counted);
            if (counted.written != e.byteSize) {
                throw new IllegalStateException("tensor '" + e.name + "': its source wrote "
                        + counted.written + " bytes, expected " + e.byteSize);
            }
            pad(out, alignUp(e.byteSize) - e.byteSize);
        }
    }

    // ---- encoding ----

    /** Magic, version, counts, metadata and tensor infos: everything before the data section's padding. */
    byte[] header() {
        LittleEndian out = new LittleEndian();
        out.u32(GgufReader.MAGIC);
        out.u32(3);
        out.u64(tensors.size());
        out.u64(metadata.size());
        for (Map.Entry<String, GgufValue> kv : metadata.entrySet()) {
            out.string(kv.getKey());
            out.u32(kv.getValue().type().id());
            value(out, kv.getValue());
        }
        long offset = 0;
        for (Entry e : tensors) {
            out.string(e.name);
            out.u32(e.shape.length);
            for (long d : e.shape) out.u64(d);
            out.u32(e.type.id());
            out.u64(offset);
            offset += alignUp(e.byteSize);
        }
        return out.toByteArray();
    }

    private static void value(LittleEndian out, GgufValue v) {
        switch (v) {
            case GgufValue.UInt8 x -> out.write(x.value());
            case GgufValue.Int8 x -> out.write(x.value());
            case GgufValue.UInt16 x -> out.u16(x.value());
            case GgufValue.Int16 x -> out.u16(x.value());
            case GgufValue.UInt32 x -> out.u32((int) x.value());
            case GgufValue.Int32 x -> out.u32(x.value());
            case GgufValue.UInt64 x -> out.u64(x.value());
            case GgufValue.Int64 x -> out.u64(x.value());
            case GgufValue.Float32 x -> out.u32(Float.floatToRawIntBits(x.value()));
            case GgufValue.Float64 x -> out.u64(Double.doubleToRawLongBits(x.value()));
            case GgufValue.Bool x -> out.write(x.value() ? 1 : 0);
            case GgufValue.Str x -> out.string(x.value());
            case GgufValue.Array a -> {
                out.u32(a.elementType().id());
                out.u64(a.size());
                for (GgufValue e : a.elements()) value(out, e);
            }
        }
    }

    /**
     * Keys that llama.cpp reads with a fixed uint32 type and rejects otherwise ("key has wrong type"): sizes and
     * counts ({@code llama.block_count}, {@code *.context_length}, {@code *.embedding_length},
     * {@code *.attention.head_count}, {@code *.rope.dimension_count}, {@code *.expert_count}...), token ids
     * ({@code tokenizer.ggml.bos_token_id}), LoRA ranks and {@code general.alignment}.
     */
    static boolean mustBeUInt32(String key) {
        String last = key.substring(key.lastIndexOf('.') + 1);
        return key.equals("general.alignment") || key.equals("general.file_type")
                || key.equals("general.quantization_version")
                || last.endsWith("_count") || last.endsWith("_length") || last.endsWith("_token_id")
                || last.endsWith("_rank") || last.equals("vocab_size") || last.equals("nextn_predict_layers");
    }

    /** llama.cpp also accepts some sizes (head counts, feed-forward lengths) as per-layer integer arrays. */
    private static boolean perLayerArray(GgufValue v) {
        return v instanceof GgufValue.Array a
                && (a.elementType() == GgufValueType.UINT32 || a.elementType() == GgufValueType.INT32);
    }

    private long alignUp(long x) {
        long a = alignment();
        return (x + a - 1) / a * a;
    }

    private static void pad(OutputStream out, long n) throws IOException {
        for (long i = 0; i < n; i++) out.write(0);
    }

    private static TridentException bad(String what) {
        return new TridentException("GGUF: " + what);
    }

    /** Growable little-endian byte buffer for the header. */
    private static final class LittleEndian extends ByteArrayOutputStream {
        void u16(int v) {
            write(v);
            write(v >>> 8);
        }

        void u32(int v) {
            u16(v);
            u16(v >>> 16);
        }

        void u64(long v) {
            u32((int) v);
            u32((int) (v >>> 32));
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            write(b, 0, b.length);
        }
    }

    /** Passes bytes through, counting them, and refuses to let a source overrun its tensor. */
    private static final class Counting extends FilterOutputStream {
        private final Entry entry;
        long written;

        Counting(OutputStream out, Entry entry) {
            super(out);
            this.entry = entry;
        }

        @Override
        public void write(int b) throws IOException {
            check(1);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            check(len);
            out.write(b, off, len);
        }

        private void check(int n) {
            written += n;
            if (written > entry.byteSize) {
                throw new IllegalStateException("tensor '" + entry.name + "': its source wrote more than "
                        + entry.byteSize + " bytes");
            }
        }

        @Override
        public void close() {
            // The source does not own the file's stream.
        }
    }

    /** Carries a RuntimeException through AtomicFile (which cleans up only on IOException). */
    private static final class Carrier extends IOException {
        final RuntimeException carried;

        Carrier(RuntimeException carried) {
            super(carried.getMessage(), carried);
            this.carried = carried;
        }
    }
}
