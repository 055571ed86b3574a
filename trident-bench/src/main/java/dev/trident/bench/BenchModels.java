package dev.trident.bench;

import dev.trident.autograd.Tensor;
import dev.trident.io.gguf.GgufArchitecture;
import dev.trident.io.gguf.GgufModelWriter;
import dev.trident.io.gguf.GgufTensorNames;
import dev.trident.io.gguf.GgufLayout;
import dev.trident.model.ModelConfig;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;
import dev.trident.quant.WeightFormat;
import dev.trident.tokenizer.BpeTrainer;
import dev.trident.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The GGUF files of the llama.cpp speed comparison (issue 10), with random weights written by Trident's own GGUF
 * exporter ({@link GgufModelWriter}), one parameter at a time (the models are larger than this machine's memory in
 * fp32): a Llama-3.2-1B-shaped {@code llama} (d 2048, 16 layers, 32 query / 8 key-value heads of 64, SwiGLU 8192,
 * 128,256-token vocabulary, tied embeddings) and a DeepSeek-V2-Lite-like {@code deepseek2} MoE scaled to about 2.5B
 * parameters with about 14% active per token.
 *
 * <pre>
 * java -cp trident-bench/target/benchmarks.jar dev.trident.bench.BenchModels OUT_DIR [llama-q8_0|llama-q4_k|moe-q8_0 ...]
 * </pre>
 */
public final class BenchModels {
    /** Llama-3.2-1B's shape; context 2048 is enough for the benchmark (the real model's 131,072 only sizes RoPE). */
    static final ModelConfig LLAMA_1B = new ModelConfig(128256, 2048, 16, 32, 8, 64, 8192, 2048, 500000, 1e-5f, true);

    /**
     * deepseek2 (MLA without a query latent, as DeepSeek-V2-Lite; kv_lora_rank 512, nope 128, rope 64, v 128, 8
     * heads), 12 layers, the first dense (SwiGLU 5632), then 64 routed experts of width 512 (4 active) + 1 shared,
     * a 32,000-token vocabulary, untied head.
     */
    static final ModelConfig MOE = new ModelConfig(32000, 2048, 12, 8, 8, 192, 5632, 2048, 10000, 1e-6f, false)
            .withMla(new MlaSpec(2048, 8, 0, 512, 128, 64, 128))
            .withMoe(new MoeSpec(2048, 64, 4, 1, 512, 1.0, MoeSpec.Gating.SOFTMAX, false, 0, 0), 1);

    record Spec(String name, ModelConfig config, GgufArchitecture arch, WeightFormat format) {}

    static final List<Spec> ALL = List.of(
            new Spec("llama-q8_0", LLAMA_1B, GgufArchitecture.LLAMA, WeightFormat.Q8_0),
            new Spec("llama-q4_k", LLAMA_1B, GgufArchitecture.LLAMA, WeightFormat.Q4_K),
            new Spec("moe-q8_0", MOE, GgufArchitecture.DEEPSEEK2, WeightFormat.Q8_0));

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: BenchModels OUT_DIR [" + String.join("|", ALL.stream().map(Spec::name).toList()) + " ...]");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        List<String> wanted = args.length > 1 ? Arrays.asList(args).subList(1, args.length) : ALL.stream().map(Spec::name).toList();
        Tokenizer tok = null;
        for (Spec s : ALL) {
            if (!wanted.contains(s.name())) continue;
            Path file = dir.resolve(s.name() + ".gguf");
            ModelConfig c = s.config();
            System.out.printf(Locale.ROOT, "%s: %s, %,d parameters, %,d active per token (%.1f%%)%n", file, s.arch().ggufName(),
                    c.parameterCount(), c.activeParameterCount(), 100.0 * c.activeParameterCount() / c.parameterCount());
            if (Files.exists(file)) {
                System.out.println("  exists, kept");
                continue;
            }
            if (tok == null) tok = tokenizer();
            long t0 = System.nanoTime();
            var r = GgufModelWriter.write(c, tok, new RandomParameters(c, s.arch()), file,
                    GgufModelWriter.Options.of(s.format()).withArchitecture(s.arch()).withName(s.name()), GgufModelWriter.Listener.NONE);
            System.out.printf(Locale.ROOT, "  wrote %.2f GB in %.0f s (%s)%s%n", r.bytes() / 1e9, (System.nanoTime() - t0) / 1e9,
                    GgufModelWriter.summary(r.tensorsByType()), r.notes().isEmpty() ? "" : "; " + String.join("; ", r.notes()));
        }
    }

    /** A 512-token byte-level BPE trained on the built-in corpus (the vocabulary is padded to the model's size). */
    private static Tokenizer tokenizer() throws IOException {
        Path corpus = Path.of("data/tinyshakespeare.txt");
        byte[] text = Files.readAllBytes(corpus);
        return BpeTrainer.train(Arrays.copyOf(text, Math.min(text.length, 300_000)), 512, List.of("<|endoftext|>"));
    }

    /**
     * Every parameter of the model made up when the writer asks for it: matrices uniform in [-0.035, 0.035) (about
     * the 0.02 standard deviation of Trident's initialization), norm gains 1, router biases 0; each from a seed
     * derived from its name, so a parameter asked for twice (MLA's kv_b feeds two tensors) is the same.
     */
    static final class RandomParameters implements java.util.function.Function<String, Tensor> {
        private final Map<String, int[]> shapes = new HashMap<>();

        RandomParameters(ModelConfig c, GgufArchitecture arch) {
            for (GgufTensorNames.Binding b : GgufTensorNames.of(arch, c, true).bindings()) {
                long[] s = b.shape();
                switch (b.layout()) {
                    case GgufLayout.KeyUp k -> shapes.put(k.parameters().getFirst(), new int[]{k.heads() * (k.nope() + k.v()), (int) s[1]});
                    case GgufLayout.ValueUp v -> shapes.put(v.parameters().getFirst(), new int[]{v.heads() * (v.nope() + v.v()), (int) s[0]});
                    case GgufLayout.Experts e -> {
                        for (String p : e.parameters()) shapes.put(p, new int[]{(int) s[1], (int) s[0]});
                    }
                    default -> shapes.put(b.layout().parameters().getFirst(),
                            s.length == 1 ? new int[]{(int) s[0]} : new int[]{(int) s[1], (int) s[0]});
                }
            }
        }

        @Override
        public Tensor apply(String name) {
            int[] shape = shapes.get(name);
            if (shape == null) throw new IllegalStateException("no parameter " + name);
            float[] data = new float[shape.length == 1 ? shape[0] : Math.multiplyExact(shape[0], shape[1])];
            if (name.endsWith("norm.weight")) Arrays.fill(data, 1f);
            else if (!name.endsWith("bias")) {
                SplittableRandom r = new SplittableRandom(name.hashCode());
                for (int i = 0; i < data.length; i++) data[i] = (float) ((r.nextInt() >> 8) * (0.035 / (1 << 23)));
            }
            return new Tensor(data, false, shape);
        }
    }
}
