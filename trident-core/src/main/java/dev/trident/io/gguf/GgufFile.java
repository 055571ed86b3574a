package dev.trident.io.gguf;

import dev.trident.TridentException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed GGUF file: its metadata (in file order, exactly typed) and its tensors as zero-copy slices of the
 * memory-mapped file. Offsets are longs throughout, so files larger than 2 GB work.
 *
 * <p>Close it to unmap the file; tensor segments must not be used after that (access then throws
 * IllegalStateException). The mapping is shared, so worker threads may read the tensors concurrently.
 */
public final class GgufFile implements AutoCloseable {
    private final String name;
    private final int version;
    private final long alignment;
    private final long dataOffset;
    private final long fileSize;
    private final Map<String, GgufValue> metadata;
    private final List<GgufTensor> tensors;
    private final Map<String, GgufTensor> byName;
    private final Arena arena;

    GgufFile(String name, int version, long alignment, long dataOffset, long fileSize,
             Map<String, GgufValue> metadata, List<GgufTensor> tensors, Arena arena) {
        this.name = name;
        this.version = version;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.fileSize = fileSize;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        Map<String, GgufTensor> index = LinkedHashMap.newLinkedHashMap(tensors.size());
        for (GgufTensor t : tensors) index.put(t.name(), t);
        this.byName = Collections.unmodifiableMap(index);
        this.arena = arena;
    }

    /**
     * Memory-maps and parses a GGUF file. Throws {@link TridentException} (one line naming the file) when it is
     * missing, unreadable, not GGUF, or inconsistent in any way the container format can detect.
     */
    public static GgufFile open(Path file) {
        String name = file.toString();
        if (!Files.isRegularFile(file)) throw new TridentException(name + ": no such GGUF file");
        Arena arena = Arena.ofShared();
        try {
            MemorySegment mapped;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                // The mapping outlives the channel; it is released when the arena closes.
                mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            }
            return GgufReader.read(mapped, name, arena, GgufReader.Probe.NONE);
        } catch (IOException e) {
            arena.close();
            throw new TridentException(name + ": cannot read (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Whether a file starts with GGUF's magic bytes "GGUF" (false for a missing or unreadable file). */
    public static boolean isGguf(Path file) {
        try (var in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Parses GGUF bytes that are already in memory (a heap or native segment the caller keeps alive); {@code name}
     * is used in error messages. Closing the result does nothing to {@code bytes}.
     */
    public static GgufFile read(MemorySegment bytes, String name) {
        return GgufReader.read(bytes, name, null, GgufReader.Probe.NONE);
    }

    /** The file name used in error messages. */
    public String name() { return name; }

    /** 3 for current files (2 is read too: same layout). */
    public int version() { return version; }

    /** Alignment of the data section and of every tensor offset ({@code general.alignment}, default 32). */
    public long alignment() { return alignment; }

    /** Absolute file offset where the data section starts. */
    public long dataOffset() { return dataOffset; }

    public long fileSize() { return fileSize; }

    /** Every key/value pair, in file order. */
    public Map<String, GgufValue> metadata() { return metadata; }

    /** Tensors in file (info) order. */
    public List<GgufTensor> tensors() { return tensors; }

    public boolean has(String key) { return metadata.containsKey(key); }

    public Optional<GgufValue> get(String key) { return Optional.ofNullable(metadata.get(key)); }

    public Optional<GgufTensor> findTensor(String tensorName) { return Optional.ofNullable(byName.get(tensorName)); }

    /** The named tensor, or a TridentException naming the file and the missing tensor. */
    public GgufTensor tensor(String tensorName) {
        GgufTensor t = byName.get(tensorName);
        if (t == null) throw new TridentException(name + ": has no tensor '" + tensorName + "'");
        return t;
    }

    /** {@code general.architecture}, e.g. "llama" or "deepseek2". */
    public String architecture() { return getString("general.architecture"); }

    // ---- typed metadata access: a missing key or a wrong type is a one-line TridentException ----

    public GgufValue require(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) throw new TridentException(name + ": metadata key '" + key + "' is missing");
        return v;
    }

    public String getString(String key) {
        if (require(key) instanceof GgufValue.Str(String s)) return s;
        throw wrongType(key, "STRING");
    }

    /** Any integer type, widened to long (a UINT64 as its raw bits). */
    public long getLong(String key) {
        GgufValue v = require(key);
        if (!v.type().isInteger()) throw wrongType(key, "an integer");
        return v.asLong();
    }

    public long getLong(String key, long orElse) {
        return has(key) ? getLong(key) : orElse;
    }

    /** A FLOAT32 or FLOAT64 (or integer) value. */
    public double getDouble(String key) {
        GgufValue v = require(key);
        if (v instanceof GgufValue.Bool || v instanceof GgufValue.Str || v instanceof GgufValue.Array) {
            throw wrongType(key, "a number");
        }
        return v.asDouble();
    }

    public boolean getBool(String key) {
        if (require(key) instanceof GgufValue.Bool(boolean b)) return b;
        throw wrongType(key, "BOOL");
    }

    /** An array of strings, e.g. {@code tokenizer.ggml.tokens}. */
    public List<String> getStringArray(String key) {
        GgufValue.Array a = array(key, "an array of STRING");
        if (a.elementType() != GgufValueType.STRING) throw wrongType(key, "an array of STRING");
        return a.elements().stream().map(e -> ((GgufValue.Str) e).value()).toList();
    }

    /** An array of any integer type whose values fit an int, e.g. {@code tokenizer.ggml.token_type}. */
    public int[] getIntArray(String key) {
        GgufValue.Array a = array(key, "an array of integers");
        if (!a.elementType().isInteger()) throw wrongType(key, "an array of integers");
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            long v = a.elements().get(i).asLong();
            if ((int) v != v) {
                throw new TridentException(name + ": metadata key '" + key + "' element " + i + " (" + v
                        + ") does not fit an int");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /** An array of FLOAT32 (or FLOAT64, narrowed). */
    public float[] getFloatArray(String key) {
        GgufValue.Array a = array(key, "an array of floats");
        if (a.elementType() != GgufValueType.FLOAT32 && a.elementType() != GgufValueType.FLOAT64) {
            throw wrongType(key, "an array of floats");
        }
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) a.elements().get(i).asDouble();
        return out;
    }

    private GgufValue.Array array(String key, String expected) {
        if (require(key) instanceof GgufValue.Array a) return a;
        throw wrongType(key, expected);
    }

    private TridentException wrongType(String key, String expected) {
        GgufValue v = metadata.get(key);
        String actual = v instanceof GgufValue.Array a ? "an array of " + a.elementType() : v.type().toString();
        return new TridentException(name + ": metadata key '" + key + "' is " + actual + ", expected " + expected);
    }

    /** Unmaps the file (when it was opened from a path). Tensor segments are invalid afterwards. */
    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) arena.close();
    }

    @Override
    public String toString() {
        return name + " (GGUF v" + version + ", " + metadata.size() + " keys, " + tensors.size() + " tensors)";
    }
}
