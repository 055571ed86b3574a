package dev.trident.bench;

import dev.trident.tokenizer.PreTokenizerType;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pre-tokenization speed of each {@link PreTokenizerType}'s scanner on tinyshakespeare (1.1 MB), single thread, and
 * of java.util.regex running the same (single) regex for scale (DeepSeek-V3's three regexes in turn are not run by
 * regex here). MB/s = 1.115 / (ms/op) * 1000.
 *
 * <pre>
 * ./mvnw -q -o package -pl trident-bench -am -DskipTests
 * java --add-modules=jdk.incubator.vector -jar trident-bench/target/benchmarks.jar PreTokenizerBenchmark -f 1 -wi 2 -i 3
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx1g"})
@Threads(1)
public class PreTokenizerBenchmark {
    @Param({"GPT2", "LLAMA3", "QWEN2", "DEEPSEEK_V3"})
    String type;

    byte[] text;
    String string;
    PreTokenizerType pre;
    Pattern regex;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        text = Files.readAllBytes(Path.of(System.getProperty("trident.corpus", "data/tinyshakespeare.txt")));
        string = new String(text, StandardCharsets.UTF_8);
        pre = PreTokenizerType.valueOf(type);
        regex = pre.regexes().size() == 1 ? Pattern.compile(pre.regexes().getFirst(), Pattern.UNICODE_CHARACTER_CLASS) : null;
    }

    @Benchmark
    public int scanner() {
        return pre.countChunks(text);
    }

    @Benchmark
    public int javaRegex() {
        if (regex == null) return -1;
        int n = 0;
        Matcher m = regex.matcher(string);
        while (m.find()) n++;
        return n;
    }
}
