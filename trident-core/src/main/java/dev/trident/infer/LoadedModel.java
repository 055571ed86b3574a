package dev.trident.infer;

import dev.trident.io.gguf.GgmlType;
import dev.trident.io.gguf.GgufFile;
import dev.trident.io.gguf.GgufTensor;
import dev.trident.io.gguf.GgufTensorData;
import dev.trident.io.gguf.GgufWeights;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * A model ready to run: the weights the {@link Decoder} reads and the tokenizer. {@link #open} maps a GGUF file in
 * place ({@link GgufWeights#map}): tensors in formats the kernels run (F32, F16, BF16, Q8_0, Q6_K, Q5_K, Q4_0, Q4_K)
 * are the weights, read from the page cache with no dequantization and no copy (a 1.3 GB Q8_0 file takes 1.3 GB,
 * not the 5 GB of its fp32 form); tensors in other block types (Q5_0, Q4_1, ...) are dequantized to fp32, those
 * alone. A model folder is loaded by {@link Model#load} and runs on its fp32 arrays. Close it to unmap the file,
 * after whatever decodes from it.
 */
public final class LoadedModel implements AutoCloseable {
    private final ModelWeights weights;
    private final Tokenizer tokenizer;
    private final GgufFile mapped;
    private final String source;
    private boolean closed;

    private LoadedModel(ModelWeights weights, Tokenizer tokenizer, GgufFile mapped, String source) {
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.mapped = mapped;
        this.source = source;
    }

    /** A model in memory, on its own fp32 weights (no copy). */
    public static LoadedModel of(Model m) {
        return new LoadedModel(ModelWeights.of(m.transformer()), m.tokenizer(), null, "fp32");
    }

    /** The given weights (e.g. quantized in memory) with the model's tokenizer. */
    public static LoadedModel of(ModelWeights weights, Tokenizer tokenizer) {
        return new LoadedModel(weights, tokenizer, null, weights.policy().label() + " in memory");
    }

    /** Loads a model from any path {@link Model#load} reads; a GGUF file is mapped in place (see the class comment). */
    public static LoadedModel open(Path path) {
        if (GgufFile.isGguf(path)) {
            GgufFile g = GgufFile.open(path);
            try {
                GgufWeights.Mapped m = GgufWeights.map(g);
                // tensors in block types without a kernel: dequantized by map, to be named on the start-up line
                Set<GgmlType> copied = new TreeSet<>();
                for (GgufTensor t : g.tensors()) if (t.rank() > 1 && GgufTensorData.format(t.type()) == null) copied.add(t.type());
                String how = String.format(Locale.ROOT, "%s, %.1f MB, mapped from %s%s", m.weights().policy().label(),
                        m.weights().byteSize() / 1e6, path.getFileName(), copied.isEmpty() ? ""
                                : "; its " + copied + " tensors dequantized to fp32 (no kernel for those types yet)");
                return new LoadedModel(m.weights(), m.plan().tokenizer(), g, how);
            } catch (RuntimeException e) {
                g.close();
                throw e;
            }
        }
        return of(Model.load(path));
    }

    public ModelConfig config() { return weights.config(); }

    public ModelWeights weights() { return weights; }

    public Tokenizer tokenizer() { return tokenizer; }

    /** Whether the weights point into a memory-mapped GGUF file. */
    public boolean isMapped() { return mapped != null; }

    /** One line: the weights' formats and where they are (for the start-up line of generate and serve). */
    public String describe() { return source; }

    /** Unmaps a mapped file (once; later calls do nothing); nothing may decode from these weights afterwards. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (mapped != null) mapped.close();
    }
}
