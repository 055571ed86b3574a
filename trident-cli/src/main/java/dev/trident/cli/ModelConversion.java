package dev.trident.cli;

import dev.trident.TridentException;
import dev.trident.io.gguf.GgufFile;
import dev.trident.io.gguf.GgufModelReader;
import dev.trident.io.gguf.GgufModelWriter;
import dev.trident.model.Model;
import dev.trident.io.hf.HfArchitecture;
import dev.trident.io.hf.HfCheckpoint;
import dev.trident.quant.WeightFormat;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What `trident convert` and `trident quantize` share: load IN (a model directory or a GGUF file), write OUT in the
 * format its name asks for (a {@code .gguf} file, or a folder of config.json + model.safetensors +
 * tokenizer.json) with weights in one {@link WeightFormat}, showing progress on stderr and a summary on stdout.
 * Everything that can be checked before loading is checked first, so a wrong --type costs no time.
 */
final class ModelConversion {
    private ModelConversion() {}

    /** --type names: the weight formats by their lower-case names, fp8 for FP8_BLOCK. */
    static WeightFormat parseType(String type) {
        String t = type.toLowerCase(Locale.ROOT);
        if (t.equals("fp8")) return WeightFormat.FP8_BLOCK;
        for (WeightFormat f : WeightFormat.all()) if (f.name().equalsIgnoreCase(t) && f != WeightFormat.FP8_BLOCK) return f;
        throw new TridentException("--type " + type + ": unknown weight type; use f32, f16, bf16, q8_0, q6_k, q5_k, q4_0, q4_k or fp8");
    }

    static String typeName(WeightFormat f) {
        return f == WeightFormat.FP8_BLOCK ? "fp8" : f.name().toLowerCase(Locale.ROOT);
    }

    static boolean isGgufName(Path p) {
        return p.getFileName() != null && p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf");
    }

    static void run(Path in, Path out, WeightFormat format, String name, Path chatTemplate, PrintWriter stdout, PrintWriter err) {
        if (!Files.exists(in)) throw new TridentException(in + ": does not exist (give a model directory or a .gguf file)");
        if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize()))
            throw new TridentException(out + ": is the input; write to another file or folder");
        boolean gguf = isGgufName(out);
        if (gguf) {
            if (Files.isDirectory(out)) throw new TridentException(out + ": is a directory; a .gguf OUT must be a file");
            if (format == WeightFormat.FP8_BLOCK)
                throw new TridentException("--type fp8: GGUF has no 128x128 block-scaled FP8 type; write fp8 to a folder, or use q8_0 / q4_k for GGUF");
        } else {
            if (Files.exists(out) && !Files.isDirectory(out)) throw new TridentException(out + ": is a file; OUT is a folder unless it ends in .gguf");
            if (format != WeightFormat.F32 && format != WeightFormat.F16 && format != WeightFormat.BF16 && format != WeightFormat.FP8_BLOCK)
                throw new TridentException("--type " + typeName(format) + ": safetensors has no " + typeName(format)
                        + " blocks; write " + typeName(format) + " to an OUT.gguf");
        }
        String template = chatTemplate == null ? null : readTemplate(chatTemplate);

        Model model;
        GgufModelWriter.Options options = GgufModelWriter.Options.of(format);
        if (Files.isRegularFile(in) && GgufFile.isGguf(in)) {
            LazyBar bar = new LazyBar("read", " tensors", 1, err);
            try (GgufFile g = GgufFile.open(in)) {
                options = GgufModelWriter.Options.from(g, format);
                model = GgufModelReader.read(g, new GgufModelReader.Listener() {
                    @Override public void started(int tensors) { bar.start(tensors); }
                    @Override public void read(String tensor, int done) { bar.stepTo(done); }
                });
            } finally {
                bar.close();
            }
        } else {
            model = Model.load(in);
        }
        if (name != null) options = options.withName(name);
        if (template != null) options = options.withChatTemplate(template);

        long size;
        String what;
        if (gguf) {
            GgufModelWriter.Result r;
            LazyBar bar = new LazyBar("write", " MB", 1 << 20, err);
            try {
                r = GgufModelWriter.write(model, out, options, new GgufModelWriter.Listener() {
                    @Override public void started(long totalBytes) { bar.start(totalBytes); }
                    @Override public void written(String tensor, long bytes) { bar.stepTo(bytes); }
                });
            } finally {
                bar.close();
            }
            for (String note : r.notes()) err.println("note: " + note);
            size = r.bytes();
            what = r.architecture().ggufName() + ", " + GgufModelWriter.summary(r.tensorsByType()) + " tensors";
        } else {
            if (model.tokenizer().isSentencePiece())
                throw new TridentException(in + ": its SentencePiece vocabulary cannot be saved as tokenizer.json yet; convert it to a .gguf instead");
            try {
                Files.createDirectories(out);
            } catch (IOException e) {
                throw new TridentException(out + ": cannot create the folder (" + e.getMessage() + ")", e);
            }
            // The Hugging Face layout that represents the model (Llama, Qwen3, Qwen3-MoE, DeepSeek-V3), else Trident's.
            HfArchitecture arch = HfCheckpoint.save(model, out, format);
            if (template != null) err.println("note: a model folder has no place for a chat template yet; it was not written");
            size = folderSize(out);
            what = (arch == HfArchitecture.TRIDENT ? "Trident model folder" : "Hugging Face " + arch.className + " folder") + ", " + typeName(format);
        }
        err.flush();
        stdout.printf(Locale.ROOT, "wrote %s: %s, %s parameters (%s active per token), %s%n", out, what,
                Format.count(model.config().parameterCount()), Format.count(model.config().activeParameterCount()), bytes(size));
        stdout.flush();
    }

    /** A bar created once the total is known (after the checks, so a bad file prints no bar at all). */
    private static final class LazyBar {
        private final String task, unit;
        private final long unitSize;
        private final PrintWriter err;
        private Progress.Bar bar;

        LazyBar(String task, String unit, long unitSize, PrintWriter err) {
            this.task = task;
            this.unit = unit;
            this.unitSize = unitSize;
            this.err = err;
        }

        void start(long total) {
            boolean small = unitSize == 1 << 20 && total < 10L << 20; // kB until there are megabytes to count
            bar = Progress.bar(task, total, 0, err, small ? " kB" : unit, small ? 1 << 10 : unitSize);
        }

        void stepTo(long n) {
            if (bar != null) bar.stepTo(n);
        }

        void close() {
            if (bar != null) bar.close();
        }
    }

    private static String readTemplate(Path file) {
        try {
            if (!Files.isRegularFile(file)) throw new TridentException("chat template " + file + ": does not exist");
            if (Files.size(file) > 1 << 20) throw new TridentException("chat template " + file + ": larger than 1 MB");
            return Files.readString(file);
        } catch (IOException e) {
            throw new TridentException("chat template " + file + ": cannot read it (" + e.getMessage() + ")", e);
        }
    }

    /** Bytes of the checkpoint files in dir: config, tokenizer, weights (one file or shards and their index). */
    private static long folderSize(Path dir) {
        long n = 0;
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String f = p.getFileName().toString();
                if (f.endsWith(".json") || f.startsWith("model") && f.endsWith(".safetensors")) n += Files.size(p);
            }
        } catch (IOException e) {
            throw new TridentException(dir + ": cannot list (" + e.getMessage() + ")", e);
        }
        return n;
    }

    static String bytes(long n) {
        if (n >= 1L << 30) return String.format(Locale.ROOT, "%.2f GB", n / (double) (1L << 30));
        if (n >= 1L << 20) return String.format(Locale.ROOT, "%.1f MB", n / (double) (1L << 20));
        if (n >= 1L << 10) return String.format(Locale.ROOT, "%.1f kB", n / 1024.0);
        return n + " bytes";
    }
}
