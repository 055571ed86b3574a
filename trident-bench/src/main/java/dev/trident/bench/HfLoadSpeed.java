package dev.trident.bench;

import dev.trident.io.hf.HfCheckpoint;
import dev.trident.kernels.WorkerPool;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.quant.WeightFormat;
import dev.trident.tokenizer.ByteLevelAlphabet;
import dev.trident.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * How fast Hugging Face checkpoints load and save: a Llama-shaped model (d = DIM, LAYERS blocks, 32000-token
 * vocabulary) saved as F32, BF16 and FP8_BLOCK, then each folder loaded ROUNDS times, every load right after a plain
 * read of the same files (Files.readAllBytes, what the page cache delivers), so machine noise hits both. Prints the
 * medians and the file bytes per second of each.
 *
 *   java --add-modules=jdk.incubator.vector -cp trident-bench/target/benchmarks.jar \
 *       dev.trident.bench.HfLoadSpeed [DIM=1024] [LAYERS=8] [ROUNDS=5] [DIR=a temporary folder]
 */
public final class HfLoadSpeed {
    public static void main(String[] args) throws IOException {
        int dim = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int layers = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path dir = args.length > 3 ? Path.of(args[3]) : Files.createTempDirectory("hf-load");
        WorkerPool.setGlobalThreads(1);
        int heads = dim / 64;
        ModelConfig c = new ModelConfig(32000, dim, layers, heads, Math.max(1, heads / 4), 64, dim * 11 / 4, 2048, 500000, 1e-5f, false);
        List<String> bytes = new ArrayList<>();
        for (int b = 0; b < 256; b++) bytes.add(String.valueOf(ByteLevelAlphabet.charOf(b)));
        Model model = new Model(new Transformer(c, 1), Tokenizer.of(bytes, List.of(), Set.of()));
        System.out.printf(Locale.ROOT, "model: %,d parameters (d=%d, %d layers, vocab 32000)%n", model.parameterCount(), dim, layers);
        for (WeightFormat f : List.of(WeightFormat.F32, WeightFormat.BF16, WeightFormat.FP8_BLOCK)) {
            Path out = dir.resolve(f.name().toLowerCase(Locale.ROOT));
            long t0 = System.nanoTime();
            HfCheckpoint.save(model, out, f);
            double save = (System.nanoTime() - t0) / 1e9;
            long size = folderBytes(out);
            double[] load = new double[rounds], read = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long a = System.nanoTime();
                long sum = 0;
                try (Stream<Path> files = Files.list(out)) {
                    for (Path p : files.toList()) sum += Files.readAllBytes(p).length;
                }
                read[r] = (System.nanoTime() - a) / 1e9;
                long b = System.nanoTime();
                Model m = HfCheckpoint.load(out);
                load[r] = (System.nanoTime() - b) / 1e9;
                if (m.parameterCount() != model.parameterCount() || sum != size) throw new IllegalStateException("bad round");
            }
            double lm = median(load), rm = median(read);
            System.out.printf(Locale.ROOT, "%-9s %7.1f MB  save %.2f s  load median %.2f s (%.2f GB/s)  plain read median %.2f s (%.2f GB/s)  load/read %.1fx%n",
                    f.name(), size / 1e6, save, lm, size / lm / 1e9, rm, size / rm / 1e9, lm / rm);
        }
    }

    private static long folderBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long n = 0;
            for (Path p : files.toList()) n += Files.size(p);
            return n;
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
