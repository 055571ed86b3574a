package dev.trident.io.gguf;

import dev.trident.TridentException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses the GGUF container from bytes already in memory (usually a mapped file). One instance parses one file.
 *
 * <p>Layout (all little-endian): magic {@code "GGUF"}, uint32 version, uint64 tensor count, uint64 metadata count;
 * the metadata key/value pairs; one info per tensor (name, uint32 n_dims, n_dims x uint64 dims, uint32 ggml type,
 * uint64 offset); padding to the alignment; then the data section, in which each tensor's offset is relative.
 *
 * <p>The file is untrusted. Every count and length read from it is checked against the bytes that remain before
 * anything is allocated for it, so a corrupt or hostile file costs at most memory proportional to its own size,
 * and every problem becomes a one-line {@link TridentException} that names the file.
 */
final class GgufReader {
    /** "GGUF" read as a little-endian uint32. */
    static final int MAGIC = 0x46554747;
    static final int DEFAULT_ALIGNMENT = 32;
    /** A string longer than this is refused even if the file is big enough (chat templates are a few KB). */
    static final long MAX_STRING_BYTES = 64L << 20;
    /** llama.cpp's GGML_MAX_NAME is 64 including the terminating NUL. */
    static final int MAX_NAME_BYTES = 63;
    static final int MAX_DIMS = 4;
    /** llama.cpp reads no nested arrays at all; we read a few levels and refuse deeper ones to bound recursion. */
    static final int MAX_ARRAY_DEPTH = 4;
    /** The smallest possible tensor info: empty name (8), n_dims = 0 (4), type (4), offset (8). */
    static final long MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;
    /** The smallest possible key/value pair: empty key (8), type (4), a one-byte value. */
    static final long MIN_KV_BYTES = 8 + 4 + 1;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Test hook: sees every allocation whose size came from the file, before it happens, and the position of every
     * structural field (counts, lengths, type ids, dims, offsets) so a fuzzer can aim at them.
     */
    interface Probe {
        Probe NONE = new Probe() {
            @Override public void allocating(long elements) {}
            @Override public void field(long offset, int width) {}
        };

        /** About to allocate room for {@code elements} items (bytes of a string, slots of a list). */
        void allocating(long elements);

        /** A structural field of {@code width} bytes was read at {@code offset}. */
        void field(long offset, int width);
    }

    private final MemorySegment file;
    private final long size;
    private final String name;
    private final Probe probe;
    private long pos;
    /** What is being read, for error messages, e.g. "metadata key 'llama.block_count'". */
    private String where = "header";

    private GgufReader(MemorySegment file, String name, Probe probe) {
        this.file = file;
        this.size = file.byteSize();
        this.name = name;
        this.probe = probe;
    }

    /**
     * Parses {@code file}. The returned GgufFile's tensors are slices of {@code file}; {@code owner}, if not null,
     * is closed by {@link GgufFile#close()}.
     */
    static GgufFile read(MemorySegment file, String name, Arena owner, Probe probe) {
        return new GgufReader(file.asReadOnly(), name, probe).parse(owner);
    }

    private GgufFile parse(Arena owner) {
        if (size < 4) throw fail("not a GGUF file (only " + size + " bytes)");
        int magic = file.get(U32, 0);
        if (magic != MAGIC) {
            throw fail("not a GGUF file (magic 0x" + String.format("%08x", Integer.reverseBytes(magic))
                    + ", expected 0x47475546 \"GGUF\")");
        }
        pos = 4;
        long version = u32();
        if (version == 1) throw fail("GGUF version 1 is not supported; re-convert the model with a current llama.cpp");
        if (version != 2 && version != 3) {
            boolean bigEndian = version != 0 && (version & 0xFFFF) == 0;
            throw fail(bigEndian ? "big-endian GGUF files are not supported"
                    : "unsupported GGUF version " + version + " (this reader knows 2 and 3)");
        }
        long tensorCount = u64();
        long kvCount = u64();
        // Each entry takes a minimum number of bytes, so a count the file cannot hold is caught before any loop.
        if (tensorCount < 0 || tensorCount > (size - pos) / MIN_TENSOR_INFO_BYTES) {
            throw fail("tensor count " + Long.toUnsignedString(tensorCount) + " cannot fit in a file of " + size
                    + " bytes");
        }
        if (kvCount < 0 || kvCount > (size - pos) / MIN_KV_BYTES) {
            throw fail("metadata count " + Long.toUnsignedString(kvCount) + " cannot fit in a file of " + size
                    + " bytes");
        }

        probe.allocating(kvCount);
        Map<String, GgufValue> metadata = LinkedHashMap.newLinkedHashMap((int) kvCount);
        for (long i = 0; i < kvCount; i++) {
            where = "metadata key #" + i;
            String key = string();
            where = "metadata key '" + printable(key) + "'";
            GgufValueType type = valueType();
            GgufValue value = value(type, 0);
            if (metadata.putIfAbsent(key, value) != null) throw fail(where + " appears twice");
        }

        long alignment = alignment(metadata.get("general.alignment"));

        probe.allocating(tensorCount);
        List<TensorInfo> infos = new ArrayList<>((int) tensorCount);
        Set<String> names = HashSet.newHashSet((int) tensorCount);
        for (long i = 0; i < tensorCount; i++) {
            where = "tensor #" + i;
            TensorInfo info = tensorInfo(alignment);
            if (!names.add(info.name)) throw fail("tensor '" + printable(info.name) + "' appears twice");
            infos.add(info);
        }
        where = "tensor data";

        // The data section starts at the next multiple of the alignment after the tensor infos.
        long dataOffset = alignUp(pos, alignment);
        probe.allocating(tensorCount);
        List<GgufTensor> tensors = new ArrayList<>((int) tensorCount);
        for (TensorInfo t : infos) {
            long room = size - dataOffset; // may be negative when the data section is missing entirely
            if (t.offset > room || t.byteSize > room - t.offset) {
                throw fail("tensor '" + printable(t.name) + "' data [" + saturatingAdd(dataOffset, t.offset) + ", "
                        + saturatingAdd(saturatingAdd(dataOffset, t.offset), t.byteSize) + ") lies outside the file ("
                        + size + " bytes; truncated?)");
            }
            tensors.add(new GgufTensor(t.name, t.type, t.shape, t.offset, file.asSlice(dataOffset + t.offset, t.byteSize)));
        }
        return new GgufFile(name, (int) version, alignment, dataOffset, size, metadata, tensors, owner);
    }

    private record TensorInfo(String name, GgmlType type, long[] shape, long offset, long byteSize) {}

    private TensorInfo tensorInfo(long alignment) {
        String tensor = string();
        where = "tensor '" + printable(tensor) + "'";
        if (tensor.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw fail(where + ": name is longer than " + MAX_NAME_BYTES + " bytes");
        }
        long nDims = u32();
        if (nDims > MAX_DIMS) throw fail(where + " has " + nDims + " dims (at most " + MAX_DIMS + ")");
        probe.allocating(nDims);
        long[] shape = new long[(int) nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            shape[d] = u64();
            if (shape[d] < 0) throw fail(where + " dim " + d + " is " + Long.toUnsignedString(shape[d]) + " (too large)");
            if (shape[d] != 0 && elements > Long.MAX_VALUE / shape[d]) {
                throw fail(where + " has too many elements (shape " + unsignedShape(shape, d + 1) + ")");
            }
            elements *= shape[d];
        }
        long typeId = u32();
        GgmlType type = GgmlType.byId(typeId);
        if (type == null) throw fail(where + " has unknown ggml type id " + typeId);
        long rowLength = nDims == 0 ? 1 : shape[0];
        if (rowLength % type.blockSize() != 0) {
            throw fail(where + " row length " + rowLength + " is not a multiple of " + type + "'s block size "
                    + type.blockSize());
        }
        long byteSize = type.byteSize(rowLength, rowLength == 0 ? 0 : elements / rowLength);
        if (byteSize < 0) throw fail(where + " is too large (shape " + unsignedShape(shape, shape.length) + ")");
        long offset = u64();
        if (offset < 0 || offset % alignment != 0) {
            throw fail(where + " data offset " + Long.toUnsignedString(offset) + " is not a multiple of the alignment "
                    + alignment);
        }
        return new TensorInfo(tensor, type, shape, offset, byteSize);
    }

    private long alignment(GgufValue v) {
        if (v == null) return DEFAULT_ALIGNMENT;
        if (v instanceof GgufValue.UInt32(long a) && a > 0 && (a & (a - 1)) == 0) return a;
        throw fail("general.alignment must be a UINT32 power of two, not " + v.type() + " " + printable(v.brief()));
    }

    // ---- values ----

    private GgufValueType valueType() {
        long id = u32();
        GgufValueType type = GgufValueType.byId(id);
        if (type == null) throw fail(where + " has unknown value type " + id);
        return type;
    }

    private GgufValue value(GgufValueType type, int depth) {
        need(type.minBytes());
        GgufValue v = switch (type) {
            case UINT8 -> new GgufValue.UInt8(file.get(ValueLayout.JAVA_BYTE, pos) & 0xFF);
            case INT8 -> new GgufValue.Int8(file.get(ValueLayout.JAVA_BYTE, pos));
            case UINT16 -> new GgufValue.UInt16(file.get(U16, pos) & 0xFFFF);
            case INT16 -> new GgufValue.Int16(file.get(U16, pos));
            case UINT32 -> new GgufValue.UInt32(file.get(U32, pos) & 0xFFFF_FFFFL);
            case INT32 -> new GgufValue.Int32(file.get(U32, pos));
            case FLOAT32 -> new GgufValue.Float32(file.get(F32, pos));
            case UINT64 -> new GgufValue.UInt64(file.get(U64, pos));
            case INT64 -> new GgufValue.Int64(file.get(U64, pos));
            case FLOAT64 -> new GgufValue.Float64(file.get(F64, pos));
            case BOOL -> {
                byte b = file.get(ValueLayout.JAVA_BYTE, pos);
                if (b != 0 && b != 1) throw fail(where + " has bool value " + b + " (expected 0 or 1)");
                yield new GgufValue.Bool(b == 1);
            }
            case STRING -> null;
            case ARRAY -> null;
        };
        if (v != null) {
            pos += type.minBytes();
            return v;
        }
        return type == GgufValueType.STRING ? new GgufValue.Str(string()) : array(depth);
    }

    private GgufValue array(int depth) {
        if (depth >= MAX_ARRAY_DEPTH) throw fail(where + " nests arrays more than " + MAX_ARRAY_DEPTH + " deep");
        GgufValueType elementType = valueType();
        long count = u64();
        if (count < 0 || count > (size - pos) / elementType.minBytes()) {
            throw fail(where + ": an array of " + Long.toUnsignedString(count) + " " + elementType
                    + " cannot fit in the " + (size - pos) + " bytes left");
        }
        probe.allocating(count);
        List<GgufValue> elements = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) elements.add(value(elementType, depth + 1));
        return new GgufValue.Array(elementType, elements);
    }

    private String string() {
        long length = u64();
        if (length < 0 || length > size - pos) {
            throw fail(where + ": string length " + Long.toUnsignedString(length) + " runs past the end of the file");
        }
        if (length > MAX_STRING_BYTES) {
            throw fail(where + ": string of " + length + " bytes is longer than the " + MAX_STRING_BYTES + " allowed");
        }
        probe.allocating(length);
        byte[] bytes = file.asSlice(pos, length).toArray(ValueLayout.JAVA_BYTE);
        pos += length;
        return new String(bytes, StandardCharsets.UTF_8);
    }

    // ---- primitives ----

    private long u32() {
        need(4);
        probe.field(pos, 4);
        long v = file.get(U32, pos) & 0xFFFF_FFFFL;
        pos += 4;
        return v;
    }

    /** A uint64; values above Long.MAX_VALUE come back negative and every caller treats negative as too large. */
    private long u64() {
        need(8);
        probe.field(pos, 8);
        long v = file.get(U64, pos);
        pos += 8;
        return v;
    }

    private void need(long bytes) {
        if (bytes > size - pos) {
            throw fail(where + ": needs " + bytes + " bytes at offset " + pos + " but the file ends at " + size
                    + " (truncated?)");
        }
    }

    private TridentException fail(String what) {
        return new TridentException(name + ": " + what);
    }

    private static long alignUp(long x, long alignment) {
        long r = x % alignment;
        return r == 0 ? x : saturatingAdd(x, alignment - r);
    }

    private static long saturatingAdd(long a, long b) {
        long s = a + b;
        return ((a ^ s) & (b ^ s)) < 0 ? Long.MAX_VALUE : s;
    }

    private static String unsignedShape(long[] shape, int n) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) sb.append(i > 0 ? ", " : "").append(Long.toUnsignedString(shape[i]));
        return sb.append(']').toString();
    }

    /** Names and keys come from the file: keep error messages on one line and of reasonable length. */
    static String printable(String s) {
        return printable(s, 64);
    }

    /** s on one line (control and line-separator characters as '?'), cut to max characters. */
    static String printable(String s, int max) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
                    || Character.getType(c) == Character.PARAGRAPH_SEPARATOR ? '?' : c);
        }
        if (sb.length() < s.length()) sb.append("...");
        return sb.toString();
    }
}
