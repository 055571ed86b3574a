package dev.trident.cli;

import dev.trident.TridentException;
import dev.trident.io.gguf.GgufFile;
import dev.trident.io.gguf.GgufModelReader;
import dev.trident.io.gguf.GgufParameterCount;
import dev.trident.io.gguf.GgufTensor;
import dev.trident.io.gguf.GgufValue;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.nn.Parameters.Parameter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** trident inspect: what a model file holds, without running it. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show what a GGUF file or model folder holds: metadata, tensors with their types and shapes,",
                "parameters in total and used per token, and whether (and as what) Trident loads it.",
                "Shapes are printed as stored: GGUF's innermost dimension first, a folder's PyTorch [out, in]."})
final class InspectCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "A .gguf file or a model folder.")
    Path file;

    @Option(names = "--no-tensors", description = "Leave out the tensor list.")
    boolean noTensors;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.exists(file)) throw new TridentException(file + ": does not exist");
        if (Files.isRegularFile(file) && GgufFile.isGguf(file)) gguf(out);
        else if (Files.isDirectory(file)) folder(out);
        else throw new TridentException(file + ": not a GGUF file or a model folder");
        out.flush();
        return ExitCodes.OK;
    }

    private void gguf(PrintWriter out) {
        try (GgufFile g = GgufFile.open(file)) {
            String arch = g.has("general.architecture") ? g.getString("general.architecture") : "(no architecture)";
            out.printf(Locale.ROOT, "%s: GGUF v%d, %s, %d metadata keys, %d tensors, %s%n", file, g.version(), arch,
                    g.metadata().size(), g.tensors().size(), ModelConversion.bytes(g.fileSize()));
            out.println("metadata:");
            int width = g.metadata().keySet().stream().mapToInt(String::length).max().orElse(0);
            for (Map.Entry<String, GgufValue> e : g.metadata().entrySet())
                out.printf(Locale.ROOT, "  %-" + width + "s  %s%n", e.getKey(), oneLine(e.getValue().brief()));
            Map<dev.trident.io.gguf.GgmlType, long[]> byType = new EnumMap<>(dev.trident.io.gguf.GgmlType.class);
            int nameWidth = g.tensors().stream().mapToInt(t -> t.name().length()).max().orElse(0);
            if (!noTensors) out.println("tensors:");
            for (GgufTensor t : g.tensors()) {
                long[] acc = byType.computeIfAbsent(t.type(), k -> new long[2]);
                acc[0]++;
                acc[1] += t.byteSize();
                if (!noTensors)
                    out.printf(Locale.ROOT, "  %-" + nameWidth + "s  %-5s  %-22s  %s%n", t.name(), t.type(),
                            Arrays.toString(t.shape()), ModelConversion.bytes(t.byteSize()));
            }
            StringBuilder types = new StringBuilder();
            for (var e : byType.entrySet())
                types.append(types.isEmpty() ? "" : ", ").append(e.getKey()).append(": ").append(e.getValue()[0])
                        .append(" tensors, ").append(ModelConversion.bytes(e.getValue()[1]));
            out.println("types: " + types);
            GgufParameterCount c = GgufParameterCount.of(g);
            StringBuilder why = new StringBuilder();
            if (c.experts() > 0) why.append(c.expertsUsed()).append(" of ").append(c.experts()).append(" routed experts per token");
            if (c.nextnBlocks() > 0) why.append(why.isEmpty() ? "" : "; ").append(c.nextnBlocks()).append(" MTP block(s) not counted");
            out.printf(Locale.ROOT, "parameters: %,d total, %,d active per token%s%n", c.total(), c.active(),
                    why.isEmpty() ? "" : " (" + why + ")");
            try {
                GgufModelReader.Plan plan = GgufModelReader.plan(g);
                out.println("trident: loads as " + describe(plan.config()) + ", " + (plan.tokenizer().isSentencePiece()
                        ? "SentencePiece BPE" : "byte-level BPE") + " vocabulary of " + plan.tokenizer().vocabSize());
            } catch (TridentException e) {
                out.println("trident: does not load: " + oneLine(e.getMessage().replace(g.name() + ": ", "")));
            }
        }
    }

    private void folder(PrintWriter out) {
        Model m = Model.load(file);
        ModelConfig c = m.config();
        out.printf(Locale.ROOT, "%s: Trident model folder, %s%n", file, describe(c));
        if (!noTensors) {
            out.println("tensors (F32):");
            int w = m.transformer().params.all().stream().mapToInt(p -> p.name().length()).max().orElse(0);
            for (Parameter p : m.transformer().params.all())
                out.printf(Locale.ROOT, "  %-" + w + "s  %s%n", p.name(), Arrays.toString(p.tensor().shape()));
        }
        out.printf(Locale.ROOT, "parameters: %,d total, %,d active per token%n", c.parameterCount(), c.activeParameterCount());
        out.printf(Locale.ROOT, "vocabulary: %d tokens (%s)%n", m.tokenizer().vocabSize(),
                m.tokenizer().isSentencePiece() ? "SentencePiece BPE" : "byte-level BPE");
    }

    /** One line of sizes: "d=64, 2 layers, GQA 4/2 heads of 16, MoE 8 routed (2 active) + 1 shared, 1 MTP". */
    static String describe(ModelConfig c) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "d=%d, %d layers, ", c.dim(), c.layers()));
        if (c.mla() != null) s.append(String.format(Locale.ROOT, "MLA %d heads (q latent %d, kv latent %d, rope %d)",
                c.heads(), c.mla().qLoraRank(), c.mla().kvLoraRank(), c.mla().qkRopeDim()));
        else s.append(String.format(Locale.ROOT, "GQA %d/%d heads of %d", c.heads(), c.kvHeads(), c.headDim()));
        if (c.moe() != null)
            s.append(String.format(Locale.ROOT, ", MoE %d routed (%d active) + %d shared of width %d, %s gating%s",
                    c.moe().routedExperts(), c.moe().activeExperts(), c.moe().sharedExperts(), c.moe().expertHidden(),
                    c.moe().gating().name().toLowerCase(Locale.ROOT), c.denseLayers() > 0 ? ", " + c.denseLayers() + " dense first" : ""));
        else s.append(", SwiGLU ").append(c.hiddenDim());
        if (c.mtpDepth() > 0) s.append(", ").append(c.mtpDepth()).append(" MTP");
        return s.append(", context ").append(c.maxSeqLen()).toString();
    }

    private static String oneLine(String s) {
        return s.replace("\r", "\\r").replace("\n", "\\n");
    }
}
