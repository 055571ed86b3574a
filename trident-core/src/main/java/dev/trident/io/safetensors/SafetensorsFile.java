package dev.trident.io.safetensors;

import dev.trident.TridentException;
import dev.trident.io.json.Json;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file, memory-mapped: an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping each
 * tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets from the end of the header) plus an optional
 * "__metadata__" object of strings, then the tensor bytes. Tensors are zero-copy views of the mapping, so files of any
 * size (over 2 GB) open at once and cost no heap.
 *
 * <p>Opening checks the whole header against the file before anything is read or allocated from it, as the format's
 * reference implementation does: header length within the file and below {@link #MAX_HEADER_BYTES}, valid UTF-8 JSON
 * starting with '{', every dtype known, every shape non-negative and its byte size (count x width, checked for
 * overflow) equal to its offsets' span, and the tensors tiling the data section exactly, with no gap, overlap or
 * trailing bytes. The only allocations are the header's bytes and the parsed header itself, so a hostile file cannot
 * make the reader allocate more than a small multiple of its own size. Every problem is one line naming the file
 * (and the tensor).
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Headers larger than this are refused before reading them (the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Most dimensions a tensor may have. */
    public static final int MAX_DIMS = 16;

    private final String source;
    private final Arena arena; // null when the bytes are not ours (parse)
    private final Map<String, String> metadata;
    private final Map<String, SafetensorsTensor> tensors;

    private SafetensorsFile(String source, Arena arena, Map<String, String> metadata, Map<String, SafetensorsTensor> tensors) {
        this.source = source;
        this.arena = arena;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    /** Maps and checks a file; close it to unmap (tensor views die with it). */
    public static SafetensorsFile open(Path file) {
        if (!Files.isRegularFile(file)) throw new TridentException(file + ": no such safetensors file");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return parse(seg, size, file.toString(), arena);
        } catch (IOException e) {
            arena.close();
            throw new TridentException(file + ": cannot read (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Checks and indexes safetensors bytes held elsewhere (the caller keeps them alive); source names them in errors. */
    public static SafetensorsFile parse(MemorySegment bytes, String source) {
        return parse(bytes, bytes.byteSize(), source, null);
    }

    private static SafetensorsFile parse(MemorySegment seg, long size, String source, Arena arena) {
        if (size < 8) throw bad(source, "truncated (" + size + " bytes, no header length)");
        long headerLen = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8)
            throw bad(source, "header length " + headerLen + " does not fit a file of " + size + " bytes (truncated?)");
        byte[] hb = seg.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        if (hb[0] != '{') throw bad(source, "the header does not start with '{'");
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(hb)).toString();
        } catch (CharacterCodingException e) {
            throw bad(source, "the header is not valid UTF-8");
        }
        hb = null;
        Map<String, Object> header;
        try {
            // Depth 3 is all a header needs: the object, a tensor's object, its shape or offsets array.
            header = Json.asObject(Json.parse(text, 3), "the header");
        } catch (TridentException e) {
            throw bad(source, "the header is not valid JSON (" + e.getMessage() + ")");
        }
        long dataStart = 8 + headerLen, dataLen = size - dataStart;
        Map<String, String> metadata = Map.of();
        List<long[]> spans = new ArrayList<>(); // begin, end, index into names
        List<String> names = new ArrayList<>();
        List<SafetensorsDType> types = new ArrayList<>();
        List<long[]> shapes = new ArrayList<>();
        for (Map.Entry<String, Object> me : header.entrySet()) {
            String name = me.getKey();
            if (name.equals("__metadata__")) {
                metadata = metadata(source, me.getValue());
                continue;
            }
            if (!(me.getValue() instanceof Map<?, ?>)) throw bad(source, "tensor " + quote(name) + " is not a JSON object");
            Map<String, Object> t = Json.asObject(me.getValue(), name);
            if (!(t.get("dtype") instanceof String dtypeName)) throw bad(source, "tensor " + quote(name) + " has no dtype string");
            SafetensorsDType dtype = SafetensorsDType.byName(dtypeName);
            if (dtype == null) throw bad(source, "tensor " + quote(name) + " has unknown dtype " + quote(dtypeName));
            if (!(t.get("shape") instanceof List<?> shapeList)) throw bad(source, "tensor " + quote(name) + " has no shape array");
            if (shapeList.size() > MAX_DIMS) throw bad(source, "tensor " + quote(name) + " has " + shapeList.size() + " dimensions (at most " + MAX_DIMS + ")");
            long[] shape = new long[shapeList.size()];
            long bytes = dtype.bytes();
            for (int i = 0; i < shape.length; i++) {
                if (!(shapeList.get(i) instanceof Long d) || d < 0)
                    throw bad(source, "tensor " + quote(name) + " has a bad dimension " + quote(String.valueOf(shapeList.get(i))));
                shape[i] = d;
                try {
                    bytes = Math.multiplyExact(bytes, d);
                } catch (ArithmeticException e) {
                    throw bad(source, "tensor " + quote(name) + " shape overflows a 64-bit byte count");
                }
            }
            if (!(t.get("data_offsets") instanceof List<?> offs) || offs.size() != 2
                    || !(offs.get(0) instanceof Long begin) || !(offs.get(1) instanceof Long end))
                throw bad(source, "tensor " + quote(name) + " has no [begin, end] data_offsets");
            if (begin < 0 || end < begin || end > dataLen)
                throw bad(source, "tensor " + quote(name) + " data [" + begin + ", " + end + ") lies outside the " + dataLen + " data bytes (truncated?)");
            if (end - begin != bytes)
                throw bad(source, "tensor " + quote(name) + " spans " + (end - begin) + " bytes but " + dtypeName + " of its shape needs " + bytes);
            spans.add(new long[]{begin, end, names.size()});
            names.add(name);
            types.add(dtype);
            shapes.add(shape);
        }
        // The tensors must tile the data section: sorted by offset, each starts where the previous ended.
        List<long[]> sorted = new ArrayList<>(spans);
        sorted.sort(Comparator.<long[]>comparingLong(s -> s[0]).thenComparingLong(s -> s[1]));
        long expected = 0;
        for (long[] s : sorted) {
            if (s[0] != expected)
                throw bad(source, "tensor " + quote(names.get((int) s[2])) + " starts at data byte " + s[0] + " where " + expected
                        + " was expected (tensors overlap or leave a gap)");
            expected = s[1];
        }
        if (expected != dataLen)
            throw bad(source, "the tensors cover " + expected + " of the " + dataLen + " data bytes");
        Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
        for (long[] s : spans) {
            int i = (int) s[2];
            tensors.put(names.get(i), new SafetensorsTensor(names.get(i), types.get(i), shapes.get(i),
                    seg.asSlice(dataStart + s[0], s[1] - s[0]), source));
        }
        return new SafetensorsFile(source, arena, metadata, Collections.unmodifiableMap(tensors));
    }

    private static Map<String, String> metadata(String source, Object value) {
        if (!(value instanceof Map<?, ?> m)) throw bad(source, "__metadata__ is not a JSON object");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String v)) throw bad(source, "__metadata__ value of " + quote((String) e.getKey()) + " is not a string");
            out.put((String) e.getKey(), v);
        }
        return Collections.unmodifiableMap(out);
    }

    /** The file (or source) name errors start with. */
    public String source() {
        return source;
    }

    /** The "__metadata__" strings (empty if none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor by name, in header order. */
    public Map<String, SafetensorsTensor> tensors() {
        return tensors;
    }

    /** The tensor, or null. */
    public SafetensorsTensor tensor(String name) {
        return tensors.get(name);
    }

    /** The tensor, or a one-line error naming the file. */
    public SafetensorsTensor require(String name) {
        SafetensorsTensor t = tensors.get(name);
        if (t == null) throw new TridentException(source + ": has no tensor " + quote(name));
        return t;
    }

    @Override
    public void close() {
        if (arena != null) arena.close();
    }

    static TridentException bad(String source, String what) {
        return new TridentException(source + ": not a valid safetensors file: " + what);
    }

    /** A name for an error message: quoted, control characters escaped, cut to 80 characters. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder("'");
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F || Character.isSurrogate(c) || c == '\u2028' || c == '\u2029' || c == '\u0085')
                b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        if (s.length() > 80) b.append("...");
        return b.append("'").toString();
    }
}
