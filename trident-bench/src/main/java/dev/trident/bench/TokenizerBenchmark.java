package dev.trident.bench;

import dev.trident.tokenizer.BpeTrainer;
import dev.trident.tokenizer.PreTokenizer;
import dev.trident.tokenizer.Tokenizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Single-thread tokenizer speed on tinyshakespeare (1.1 MB) with a vocab trained on it. Each operation
 * processes the whole file, so MB/s = 1.115 / (ms/op) * 1000.
 *
 * <pre>
 * ./mvnw -q -o package -pl trident-bench -am -DskipTests
 * java --add-modules=jdk.incubator.vector -jar trident-bench/target/benchmarks.jar Tokenizer -f 1 -wi 2 -i 3
 * </pre>
 * Run from the repository root, or pass {@code -jvmArgs -Dtrident.corpus=/path/to/tinyshakespeare.txt}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
@Threads(1)
public class TokenizerBenchmark {
    @Param({"4096"})
    int vocabSize;

    byte[] text;
    Tokenizer cached;
    Tokenizer uncached;
    int[] ids;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        Path corpus = Path.of(System.getProperty("trident.corpus", "data/tinyshakespeare.txt"));
        text = Files.readAllBytes(corpus);
        long start = System.nanoTime();
        cached = BpeTrainer.train(text, vocabSize, List.of("<|endoftext|>"));
        double seconds = (System.nanoTime() - start) / 1e9;
        uncached = cached.withCacheSlots(0);
        ids = cached.encode(text);
        System.out.printf("%n[setup] trained %d-token vocab on %,d bytes in %.2f s (cold JVM); %,d tokens, %.2f bytes/token%n",
                vocabSize, text.length, seconds, ids.length, text.length / (double) ids.length);
    }

    /** The normal path: words repeat, so most chunks come from the chunk cache. */
    @Benchmark
    public int[] encode() {
        return cached.encode(text);
    }

    /** Every chunk goes through the merge loop: the worst case for text with no repetition. */
    @Benchmark
    public int[] encodeNoCache() {
        return uncached.encode(text);
    }

    /** Pre-tokenization alone, the floor under encode. */
    @Benchmark
    public int preTokenize() {
        return PreTokenizer.countChunks(text);
    }

    @Benchmark
    public byte[] decode() {
        return cached.decodeBytes(ids);
    }

    /** One training run from scratch (use with -bm ss, or read the average time). */
    @Benchmark
    public Tokenizer train() {
        return BpeTrainer.train(text, vocabSize, List.of("<|endoftext|>"));
    }
}
