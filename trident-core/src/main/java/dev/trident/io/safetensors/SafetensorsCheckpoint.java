package dev.trident.io.safetensors;

import dev.trident.TridentException;
import dev.trident.io.AtomicFile;
import dev.trident.io.json.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The weights of a model directory as Hugging Face lays them out: one {@code model.safetensors}, or shards
 * {@code model-00001-of-0000N.safetensors} listed by {@code model.safetensors.index.json}
 * ({"metadata": {"total_size": bytes}, "weight_map": {tensor: shard file}}). Reading maps every shard and looks
 * tensors up by name; writing splits tensors into shards of at most a given size, writes each atomically, then the
 * index, and removes shard files of an earlier save that the new one does not use.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    /** Hugging Face's default largest shard (save_pretrained's max_shard_size "5GB"). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;
    /** The index is small JSON (DeepSeek-V3's, 91,000 tensors, is ~9 MB); larger ones are refused before reading. */
    static final long MAX_INDEX_BYTES = 64L << 20;
    private static final Pattern SHARD = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsTensor> tensors;

    private SafetensorsCheckpoint(List<SafetensorsFile> files, Map<String, SafetensorsTensor> tensors) {
        this.files = files;
        this.tensors = tensors;
    }

    /** Whether dir holds weights in this layout (a single file or an index). */
    public static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve(INDEX)) || Files.isRegularFile(dir.resolve(SINGLE));
    }

    /** Opens dir's weights: the index and its shards when there is an index, else model.safetensors. */
    public static SafetensorsCheckpoint open(Path dir) {
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) return openIndex(dir, index);
        Path single = dir.resolve(SINGLE);
        if (!Files.isRegularFile(single))
            throw new TridentException(dir + ": has neither " + SINGLE + " nor " + INDEX + "; not a safetensors checkpoint");
        SafetensorsFile f = SafetensorsFile.open(single);
        return new SafetensorsCheckpoint(List.of(f), f.tensors());
    }

    private static SafetensorsCheckpoint openIndex(Path dir, Path index) {
        Map<String, Object> root, map;
        try {
            root = Json.asObject(Json.read(index, MAX_INDEX_BYTES), "the index");
            map = Json.asObject(Json.member(root, "weight_map", "the index"), "weight_map");
        } catch (TridentException e) {
            throw e.getMessage().startsWith(index.toString()) ? e : new TridentException(index + ": " + e.getMessage(), e);
        }
        Map<String, SafetensorsFile> byFile = new LinkedHashMap<>();
        Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Object> e : map.entrySet()) {
                if (!(e.getValue() instanceof String fileName) || !isPlainShardName(fileName))
                    throw new TridentException(index + ": weight_map entry " + SafetensorsFile.quote(e.getKey())
                            + " does not name a .safetensors file in the same folder");
                SafetensorsFile f = byFile.get(fileName);
                if (f == null) {
                    Path shard = dir.resolve(fileName);
                    if (!Files.isRegularFile(shard))
                        throw new TridentException(index + ": lists shard " + SafetensorsFile.quote(fileName) + ", which is missing");
                    f = SafetensorsFile.open(shard);
                    byFile.put(fileName, f);
                }
                SafetensorsTensor t = f.tensor(e.getKey());
                if (t == null)
                    throw new TridentException(index + ": says tensor " + SafetensorsFile.quote(e.getKey()) + " is in "
                            + fileName + ", which has no such tensor");
                tensors.put(e.getKey(), t);
            }
        } catch (RuntimeException e) {
            for (SafetensorsFile f : byFile.values()) f.close();
            throw e;
        }
        return new SafetensorsCheckpoint(new ArrayList<>(byFile.values()), Collections.unmodifiableMap(tensors));
    }

    /** A bare file name ending in .safetensors: no folder part, so an index cannot point outside its folder. */
    private static boolean isPlainShardName(String name) {
        if (!name.endsWith(".safetensors") || name.length() > 255) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\' || c == 0 || c == ':') return false;
        }
        return !name.startsWith(".");
    }

    /** Every tensor by name (index order for shards, header order for one file). */
    public Map<String, SafetensorsTensor> tensors() {
        return tensors;
    }

    /** The tensor, or null. */
    public SafetensorsTensor tensor(String name) {
        return tensors.get(name);
    }

    /** The "__metadata__" of the first file. */
    public Map<String, String> metadata() {
        return files.isEmpty() ? Map.of() : files.getFirst().metadata();
    }

    @Override
    public void close() {
        for (SafetensorsFile f : files) f.close();
    }

    /**
     * Writes the entries into dir as model.safetensors, or, when they add up to more than maxShardBytes, as shards
     * of at most maxShardBytes each (a tensor larger than that gets a shard of its own) plus the index. Returns the
     * files written, index last.
     */
    public static List<Path> write(Path dir, List<SafetensorsWriter.Entry> entries, Map<String, String> metadata, long maxShardBytes) {
        if (maxShardBytes <= 0) throw new IllegalArgumentException("shard size must be positive");
        List<List<SafetensorsWriter.Entry>> shards = new ArrayList<>();
        List<SafetensorsWriter.Entry> current = new ArrayList<>();
        long currentBytes = 0, total = 0;
        for (SafetensorsWriter.Entry e : entries) {
            long b = e.byteSize();
            if (!current.isEmpty() && currentBytes + b > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(e);
            currentBytes += b;
            total += b;
        }
        shards.add(current);
        List<Path> written = new ArrayList<>();
        if (shards.size() == 1) {
            Path f = dir.resolve(SINGLE);
            SafetensorsWriter.write(f, entries, metadata);
            written.add(f);
        } else {
            Map<String, Object> weightMap = new LinkedHashMap<>();
            for (int i = 0; i < shards.size(); i++) {
                String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                Path f = dir.resolve(name);
                SafetensorsWriter.write(f, shards.get(i), metadata);
                written.add(f);
                for (SafetensorsWriter.Entry e : shards.get(i)) weightMap.put(e.name(), name);
            }
            Path index = dir.resolve(INDEX);
            Map<String, Object> root = Json.obj("metadata", Json.obj("total_size", total), "weight_map", weightMap);
            AtomicFile.write(index, (Json.writePretty(root) + "\n").getBytes(StandardCharsets.UTF_8));
            written.add(index);
        }
        removeStale(dir, written);
        return written;
    }

    /** Deletes an earlier save's weight files (single file, index, shards) that this save did not write. */
    private static void removeStale(Path dir, List<Path> written) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                boolean ours = n.equals(SINGLE) || n.equals(INDEX) || SHARD.matcher(n).matches();
                if (ours && !written.contains(p)) Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new TridentException(dir + ": could not remove the weight files of an earlier save (" + e.getMessage() + ")", e);
        }
    }
}
