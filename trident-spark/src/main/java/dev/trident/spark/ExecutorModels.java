package dev.trident.spark;

import dev.trident.TridentException;
import dev.trident.model.Model;
import dev.trident.model.ModelFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The models an executor JVM has loaded, one per model directory: the first task that needs a model reads it from
 * its path (the weights file is memory-mapped and copied once into the model's arrays), every later task in the same
 * JVM reuses it. Nothing of the model travels through the driver; only the path does. A directory whose weights
 * file changed (a retrained model at the same path) is loaded again.
 */
public final class ExecutorModels {
    private record Key(String dir, long weightsSize, long weightsModified) {}

    private static final ConcurrentHashMap<Key, Model> MODELS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ExecutorModels() {}

    /** The model in dir, loaded on first use in this JVM; TridentException naming the file if it is bad. */
    public static Model get(String dir) {
        Path p = Path.of(dir).toAbsolutePath().normalize();
        Key key = key(p);
        return MODELS.computeIfAbsent(key, k -> {
            LOADS.incrementAndGet();
            // Stale entries of the same directory (older weights) are dropped, so a long-lived executor keeps one.
            MODELS.keySet().removeIf(old -> old.dir.equals(k.dir) && !old.equals(k));
            return Model.load(p);
        });
    }

    /** How many times this JVM has loaded a model from disk (tests check a model is loaded once per executor). */
    public static int loads() {
        return LOADS.get();
    }

    private static Key key(Path dir) {
        Path weights = dir.resolve(ModelFiles.WEIGHTS);
        try {
            BasicFileAttributes a = Files.readAttributes(weights, BasicFileAttributes.class);
            return new Key(dir.toString(), a.size(), a.lastModifiedTime().toMillis());
        } catch (IOException e) {
            // Model.load gives the precise message (no such directory, missing file).
            Model.load(dir);
            throw new TridentException(weights + ": cannot read (" + e.getMessage() + ")", e);
        }
    }
}
