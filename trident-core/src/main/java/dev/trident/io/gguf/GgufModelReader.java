package dev.trident.io.gguf;

import dev.trident.TridentException;
import dev.trident.autograd.Tensor;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.nn.Parameters;
import dev.trident.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Imports a GGUF model into Trident: its {@link ModelConfig}, a {@link Transformer} with every weight dequantized
 * to fp32, and the {@link Tokenizer}. Reads llama (dense, or Mixtral-style experts), qwen3 and qwen3moe (QK-norm,
 * RoPE on halves), glm4moe and deepseek2 (MLA + DeepSeekMoE with shared experts, sigmoid gating, the exp_probs_b
 * selection bias, group-limited routing and nextn MTP layers). RoPE keeps the file's pairing, so q and k are
 * copied as they are (unless the file was written from a Trident model of the other pairing, which it records).
 *
 * <p>Everything is checked before the weights are touched: each tensor the architecture needs is present with
 * exactly the shape the metadata implies and a type Trident decodes, and no tensor is left over (a tensor Trident
 * would ignore, such as attention biases, means a feature its model lacks, so the file
 * is refused rather than run wrong). Every failure is one line naming the file.
 */
public final class GgufModelReader {
    /** Progress: the number of tensors to read, then after each tensor the number read so far. */
    @FunctionalInterface
    public interface Listener {
        /** Before the first tensor is read (after every check has passed). */
        default void started(int tensors) {}

        void read(String tensor, int done);

        Listener NONE = (t, d) -> {};
    }

    private static final Pattern NEXTN_COPY = Pattern.compile("blk\\.(\\d+)\\.nextn\\.(embed_tokens|shared_head_head)\\.weight");

    private GgufModelReader() {}

    /** Opens, reads and closes a GGUF model file. */
    public static Model read(Path file) {
        return read(file, Listener.NONE);
    }

    public static Model read(Path file, Listener listener) {
        try (GgufFile g = GgufFile.open(file)) {
            return read(g, listener);
        }
    }

    /** What a file holds, checked, before any weight is read. */
    public record Plan(GgufArchitecture architecture, ModelConfig config, GgufTensorNames names, Tokenizer tokenizer) {}

    /**
     * Reads and checks everything but the weights: the architecture, the config, that every tensor is present
     * with the right shape and a readable type (and none is left over), and the tokenizer. `trident inspect` uses
     * it to say whether and how a file would load.
     */
    public static Plan plan(GgufFile g) {
        String name = g.name();
        GgufArchitecture arch = GgufArchitecture.of(g.architecture(), name);
        if (arch == GgufArchitecture.QWEN2MOE)
            throw new TridentException(name + ": qwen2moe is not supported yet (Trident's model has no attention biases "
                    + "or sigmoid-gated shared expert)");
        GgufTensor embd = g.tensor("token_embd.weight");
        if (embd.rank() != 2 || embd.dim(1) > Integer.MAX_VALUE)
            throw new TridentException(name + ": token_embd.weight has shape " + Arrays.toString(embd.shape()) + ", expected {embedding_length, vocab}");
        int vocab = (int) embd.dim(1);
        boolean tied = g.findTensor("output.weight").isEmpty();
        ModelConfig config = GgufHyperparameters.read(g, arch, vocab, tied);
        checkAnchors(g, config);
        GgufTensorNames names = GgufTensorNames.of(arch, config, GgufHyperparameters.splitKvB(g, arch));
        check(g, names, config);
        Tokenizer tokenizer = GgufVocabulary.read(g);
        if (tokenizer.vocabSize() > vocab)
            throw new TridentException(name + ": the vocabulary has " + tokenizer.vocabSize() + " tokens but token_embd.weight only " + vocab + " rows");
        return new Plan(arch, config, names, tokenizer);
    }

    /** The model in an open GGUF file (weights are copied out, so the file may be closed afterwards). */
    public static Model read(GgufFile g, Listener listener) {
        Plan plan = plan(g);
        ModelConfig config = plan.config();
        GgufTensorNames names = plan.names();
        Transformer t = Transformer.unset(config);
        Function<String, Tensor> lookup = p -> {
            Parameters.Parameter param = t.params.get(p);
            if (param == null) throw new IllegalStateException("no parameter " + p);
            return param.tensor();
        };
        int done = 0;
        listener.started(names.bindings().size());
        for (GgufTensorNames.Binding b : names.bindings()) {
            GgufTensor tensor = g.tensor(b.tensor());
            GgufLayout layout = b.layout();
            long rowsPerPart = b.rows() / layout.parts();
            for (int part = 0; part < layout.parts(); part++) {
                layout.scatter(part, GgufTensorData.read(tensor, part * rowsPerPart, Math.toIntExact(rowsPerPart)), lookup);
            }
            listener.read(b.tensor(), ++done);
        }
        return new Model(t, plan.tokenizer());
    }

    /**
     * Counts from the metadata against a few tensors, before the tensor table (whose size follows the counts) is
     * built: the last block exists, and the first MoE block's router has one row per expert.
     */
    private static void checkAnchors(GgufFile g, ModelConfig c) {
        int blocks = c.layers() + c.mtpDepth();
        if (blocks > g.tensors().size())
            throw new TridentException(g.name() + ": the metadata says " + blocks + " blocks but the file has only " + g.tensors().size() + " tensors");
        String last = "blk." + (blocks - 1) + ".attn_norm.weight";
        if (g.findTensor(last).isEmpty())
            throw new TridentException(g.name() + ": the metadata says " + blocks + " blocks but tensor '" + last + "' is missing");
        if (c.moe() != null && c.denseLayers() < c.layers()) {
            String router = "blk." + c.denseLayers() + ".ffn_gate_inp.weight";
            long[] want = {c.dim(), c.moe().routedExperts()};
            GgufTensor t = g.findTensor(router).orElseThrow(() -> new TridentException(g.name() + ": tensor '" + router + "' is missing (the metadata describes a mixture of experts)"));
            if (!Arrays.equals(t.shape(), want))
                throw new TridentException(g.name() + ": tensor '" + router + "' has shape " + Arrays.toString(t.shape())
                        + " but the metadata implies " + Arrays.toString(want));
        }
    }

    /** Every expected tensor present, shaped and typed as needed; nothing unexpected left over. */
    private static void check(GgufFile g, GgufTensorNames names, ModelConfig config) {
        String name = g.name();
        for (GgufTensorNames.Binding b : names.bindings()) {
            GgufTensor t = g.findTensor(b.tensor()).orElseThrow(() -> new TridentException(name + ": tensor '" + b.tensor()
                    + "' is missing (the metadata describes a model that needs it)"));
            if (!Arrays.equals(t.shape(), b.shape()))
                throw new TridentException(name + ": tensor '" + b.tensor() + "' has shape " + Arrays.toString(t.shape())
                        + " but the metadata implies " + Arrays.toString(b.shape()));
            if (!GgufTensorData.readable(t.type()))
                throw new TridentException(name + ": tensor '" + b.tensor() + "' is " + t.type() + ", which Trident cannot read yet");
            if ((long) b.rows() * b.rowLength() / b.layout().parts() > Integer.MAX_VALUE - 8)
                throw new TridentException(name + ": tensor '" + b.tensor() + "' is too large for one Trident parameter");
        }
        Set<String> unexpected = new HashSet<>();
        for (GgufTensor t : g.tensors()) {
            if (names.tensor(t.name()) != null || isCopyOfMain(g, t)) continue;
            boolean ropeFreqs = t.name().equals(GgufRopeScaling.ROPE_FREQS) && names.architecture() == GgufArchitecture.LLAMA
                    && (config.ropeScaling() == null || config.ropeScaling().kind() == dev.trident.kernels.RopeScaling.Kind.LLAMA3);
            if (ropeFreqs) continue; // read into the config's Llama 3 RoPE scaling (all ones: none)
            unexpected.add(t.name());
        }
        if (!unexpected.isEmpty()) {
            String first = unexpected.stream().sorted().findFirst().orElseThrow();
            throw new TridentException(name + ": tensor '" + GgufReader.printable(first) + "'" + (unexpected.size() > 1 ? " (and " + (unexpected.size() - 1) + " more)" : "")
                    + " is not part of the " + names.architecture().ggufName() + " model Trident builds from the metadata; "
                    + "the feature it belongs to is not supported yet");
        }
    }

    /** An MTP block's own copy of the embedding or output head, identical to the main one: nothing new to load. */
    private static boolean isCopyOfMain(GgufFile g, GgufTensor t) {
        Matcher m = NEXTN_COPY.matcher(t.name());
        if (!m.matches()) return false;
        String main = m.group(2).equals("embed_tokens") ? "token_embd.weight" : "output.weight";
        GgufTensor other = g.findTensor(main).orElse(null);
        if (other == null && main.equals("output.weight")) other = g.findTensor("token_embd.weight").orElse(null);
        return other != null && other.type() == t.type() && Arrays.equals(other.shape(), t.shape())
                && other.data().mismatch(t.data()) == -1;
    }
}
