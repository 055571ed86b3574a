package dev.trident.infer;

import dev.trident.autograd.Tensor;
import dev.trident.kernels.RopeTable;
import dev.trident.kernels.WorkerPool;
import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.nn.Attention;
import dev.trident.nn.FeedForward;
import dev.trident.nn.LatentAttention;
import dev.trident.nn.MixtureOfExperts;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;
import dev.trident.nn.MultiTokenPrediction;
import dev.trident.nn.RmsNorm;
import dev.trident.quant.WeightFormat;
import dev.trident.quant.WeightMatrix;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Everything the inference runtime reads of a model, each weight matrix as a {@link WeightMatrix} (fp32 shared
 * with the training {@link Transformer}, or quantized, or mapped from a file), the vectors (norm gains, router
 * bias) as fp32. The structure mirrors the model: embedding, blocks (attention: {@link Gqa} or {@link Mla};
 * feed-forward: {@link Ffn} or {@link Moe}), final norm, head, MTP modules.
 *
 * <p>Built with {@link #of(Transformer)} (fp32, nothing copied: the decoder then computes exactly what the
 * training forward computes) or {@link #quantize(Transformer, QuantPolicy)} (every matrix in the policy's format).
 *
 * @param embedding token embedding [vocab, d]; the same object as head when they are tied
 * @param head      output head [vocab, d]
 * @param mtp       the multi-token prediction modules (empty when the model has none)
 * @param policy    how the matrices were stored (for reports)
 */
public record ModelWeights(ModelConfig config, RopeTable rope, WeightMatrix embedding, Block[] blocks, Norm finalNorm,
                           WeightMatrix head, Mtp[] mtp, QuantPolicy policy) {

    /** RMSNorm gain and epsilon (always fp32). */
    public record Norm(float[] gain, float eps) {}

    /** Pre-norm block: x += attention(norm(x)); x += ffn(norm(x)). */
    public record Block(Norm attentionNorm, AttentionWeights attention, Norm ffnNorm, FeedForwardWeights ffn) {}

    public sealed interface AttentionWeights permits Gqa, Mla {}

    /** Grouped-query attention: W_q [heads*hd, d], W_k and W_v [kvHeads*hd, d], W_o [d, heads*hd]. */
    public record Gqa(WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo, Norm qNorm, Norm kNorm) implements AttentionWeights {}

    /**
     * Multi-head latent attention (see {@code LatentAttentionDecoder}). wqA and qNorm are null without a query
     * latent (then wqB is W_Q [heads*(nope+rope), d]). For the absorbed decode the per-head halves of kv_b_proj
     * are kept as the products need them, as llama.cpp's deepseek2 tensors attn_k_b and attn_v_b hold them:
     * ukT[h] = W_UK_h^T [kv_lora_rank, nope] and uv[h] = W_UV_h [v_head_dim, kv_lora_rank]. wkvB, the stacked
     * original [heads*(nope+v), kv_lora_rank], serves only the naive reference path (fp32; null when absent).
     */
    public record Mla(WeightMatrix wqA, Norm qNorm, WeightMatrix wqB, WeightMatrix wkvA, Norm kvNorm,
                      WeightMatrix[] ukT, WeightMatrix[] uv, WeightMatrix wkvB, WeightMatrix wo) implements AttentionWeights {}

    public sealed interface FeedForwardWeights permits Ffn, Moe {}

    /** SwiGLU: down(silu(x gate^T) * (x up^T)); gate and up [hidden, d], down [d, hidden]. */
    public record Ffn(WeightMatrix gate, WeightMatrix up, WeightMatrix down) implements FeedForwardWeights {
        /** Bytes one pass through this network reads. */
        public long byteSize() {
            return gate.byteSize() + up.byteSize() + down.byteSize();
        }
    }

    /**
     * DeepSeekMoE: router centroids [N_r, d] and selection bias [N_r] (fp32), shared experts as one SwiGLU (null if
     * none), routed experts.
     */
    public record Moe(MoeSpec spec, WeightMatrix router, float[] bias, Ffn shared, Ffn[] experts) implements FeedForwardWeights {}

    /** One MTP depth: enorm, hnorm, the projection M_k [d, 2d], a block and its final norm (embedding and head shared). */
    public record Mtp(Norm embeddingNorm, Norm hiddenNorm, WeightMatrix projection, Block block, Norm finalNorm) {}

    /** The training model's weights as they are: fp32, no copies. */
    public static ModelWeights of(Transformer t) {
        return new Builder(t, QuantPolicy.F32).build();
    }

    /**
     * The training model's weights stored by the policy: matrices quantized (in parallel over the worker pool),
     * norms and the router kept fp32 (shared with t). The fp32 policy copies nothing.
     */
    public static ModelWeights quantize(Transformer t, QuantPolicy policy) {
        return new Builder(t, policy).build();
    }

    /**
     * The same model with every matrix replaced by its fp32 dequantization (the values the quantized kernels
     * multiply by, as plain floats): the reference a quantized decode is held to.
     */
    public ModelWeights dequantized() {
        return mapMatrices((m, role) -> m instanceof WeightMatrix.Dense ? m : WeightMatrix.of(m.dequantize(), m.rows(), m.cols()), QuantPolicy.F32);
    }

    /**
     * The same model stored by {@code policy} as {@link #quantize(Transformer, QuantPolicy)} would store it (the
     * router and MLA's stacked kv_b_proj fp32, fallbacks by {@link QuantPolicy#forMatrix}), converted one matrix at
     * a time (one per worker thread): a GGUF file's weights go to another format without the whole model in fp32 (a
     * 1.2 B-parameter Q8_0 file to FP8-block peaks at 5.8 GB resident instead of 9.9). Every matrix is a new copy, so
     * the result does not point into a mapped file.
     */
    public ModelWeights requantized(QuantPolicy policy) {
        Map<WeightMatrix, Role> roles = new IdentityHashMap<>();
        mapMatrices((m, role) -> {
            roles.put(m, role);
            return m;
        }, policy);
        List<WeightMatrix> todo = new ArrayList<>(roles.keySet());
        WeightMatrix[] out = new WeightMatrix[todo.size()];
        WorkerPool.global().parallelFor(todo.size(), (from, to, worker) -> {
            for (int i = from; i < to; i++) {
                WeightMatrix m = todo.get(i);
                WeightFormat wanted = switch (roles.get(m)) {
                    case BODY -> policy.format();
                    case EMBEDDING -> policy.embedding();
                    case HEAD -> policy.head();
                    case FP32 -> WeightFormat.F32;
                };
                out[i] = WeightMatrix.of(m.dequantize(), m.rows(), m.cols(), QuantPolicy.forMatrix(wanted, m.cols()));
            }
        });
        Map<WeightMatrix, WeightMatrix> converted = new IdentityHashMap<>();
        for (int i = 0; i < out.length; i++) converted.put(todo.get(i), out[i]);
        return mapMatrices((m, role) -> converted.get(m), policy);
    }

    /** Where a matrix sits, for the policy: the head (first, so a tied embedding takes its format), the embedding, fp32 always, the rest. */
    private enum Role { HEAD, EMBEDDING, FP32, BODY }

    /** Every matrix through f (each distinct matrix once: a tied embedding and head stay one object). */
    private ModelWeights mapMatrices(java.util.function.BiFunction<WeightMatrix, Role, WeightMatrix> f, QuantPolicy newPolicy) {
        Map<WeightMatrix, WeightMatrix> done = new IdentityHashMap<>();
        java.util.function.BiFunction<WeightMatrix, Role, WeightMatrix> once = (m, role) -> m == null ? null : done.computeIfAbsent(m, x -> f.apply(x, role));
        java.util.function.UnaryOperator<WeightMatrix> body = m -> once.apply(m, Role.BODY);
        java.util.function.UnaryOperator<Ffn> ffn = e -> e == null ? null : new Ffn(body.apply(e.gate()), body.apply(e.up()), body.apply(e.down()));
        java.util.function.UnaryOperator<Block> block = b -> new Block(b.attentionNorm(), switch (b.attention()) {
            case Gqa g -> new Gqa(body.apply(g.wq()), body.apply(g.wk()), body.apply(g.wv()), body.apply(g.wo()), g.qNorm(), g.kNorm());
            case Mla m -> new Mla(body.apply(m.wqA()), m.qNorm(), body.apply(m.wqB()), body.apply(m.wkvA()), m.kvNorm(),
                    java.util.Arrays.stream(m.ukT()).map(body).toArray(WeightMatrix[]::new),
                    java.util.Arrays.stream(m.uv()).map(body).toArray(WeightMatrix[]::new), once.apply(m.wkvB(), Role.FP32), body.apply(m.wo()));
        }, b.ffnNorm(), switch (b.ffn()) {
            case Ffn x -> ffn.apply(x);
            case Moe m -> new Moe(m.spec(), once.apply(m.router(), Role.FP32), m.bias(), ffn.apply(m.shared()),
                    java.util.Arrays.stream(m.experts()).map(ffn).toArray(Ffn[]::new));
        });
        WeightMatrix newHead = once.apply(head, Role.HEAD), newEmbedding = once.apply(embedding, Role.EMBEDDING);
        return new ModelWeights(config, rope, newEmbedding, java.util.Arrays.stream(blocks).map(block).toArray(Block[]::new),
                finalNorm, newHead, java.util.Arrays.stream(mtp).map(m -> new Mtp(m.embeddingNorm(), m.hiddenNorm(),
                body.apply(m.projection()), block.apply(m.block()), m.finalNorm())).toArray(Mtp[]::new), newPolicy);
    }

    /** Every distinct weight matrix (a tied embedding and head counted once), in model order. */
    public List<WeightMatrix> matrices() {
        Set<WeightMatrix> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        List<WeightMatrix> out = new ArrayList<>();
        java.util.function.Consumer<WeightMatrix> add = m -> {
            if (m != null && seen.add(m)) out.add(m);
        };
        add.accept(embedding);
        for (Block b : blocks) blockMatrices(b, add);
        add.accept(head);
        for (Mtp m : mtp) {
            add.accept(m.projection());
            blockMatrices(m.block(), add);
        }
        return out;
    }

    private static void blockMatrices(Block b, java.util.function.Consumer<WeightMatrix> add) {
        switch (b.attention()) {
            case Gqa g -> List.of(g.wq(), g.wk(), g.wv(), g.wo()).forEach(add);
            case Mla m -> {
                add.accept(m.wqA());
                add.accept(m.wqB());
                add.accept(m.wkvA());
                for (WeightMatrix u : m.ukT()) add.accept(u);
                for (WeightMatrix u : m.uv()) add.accept(u);
                add.accept(m.wo());
            }
        }
        switch (b.ffn()) {
            case Ffn f -> List.of(f.gate(), f.up(), f.down()).forEach(add);
            case Moe m -> {
                add.accept(m.router());
                if (m.shared() != null) List.of(m.shared().gate(), m.shared().up(), m.shared().down()).forEach(add);
                for (Ffn e : m.experts()) List.of(e.gate(), e.up(), e.down()).forEach(add);
            }
        }
    }

    /** Bytes of all weight matrices (what the model occupies, vectors aside). */
    public long byteSize() {
        long b = 0;
        for (WeightMatrix m : matrices()) b += m.byteSize();
        return b;
    }

    /** Weights stored in each format (number of weights), in first-seen order. */
    public Map<String, Long> weightsByFormat() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (WeightMatrix m : matrices()) out.merge(m.format().name(), (long) m.rows() * m.cols(), Long::sum);
        return out;
    }

    /**
     * Bytes of weights one decoded token reads through the main model: every matrix of every block (a MoE layer:
     * router, shared experts and K routed experts), and the head; one embedding row. MTP modules not included.
     */
    public long bytesPerToken() {
        long bytes = embedding.byteSize() / Math.max(1, embedding.rows()) + head.byteSize();
        for (Block b : blocks) {
            switch (b.attention()) {
                case Gqa g -> bytes += g.wq().byteSize() + g.wk().byteSize() + g.wv().byteSize() + g.wo().byteSize();
                case Mla m -> {
                    bytes += (m.wqA() == null ? 0 : m.wqA().byteSize()) + m.wqB().byteSize() + m.wkvA().byteSize() + m.wo().byteSize();
                    for (WeightMatrix u : m.ukT()) bytes += u.byteSize();
                    for (WeightMatrix u : m.uv()) bytes += u.byteSize();
                }
            }
            switch (b.ffn()) {
                case Ffn f -> bytes += f.byteSize();
                case Moe m -> {
                    long experts = 0;
                    for (Ffn e : m.experts()) experts += e.byteSize();
                    bytes += m.router().byteSize() + (m.shared() == null ? 0 : m.shared().byteSize())
                            + experts * m.spec().activeExperts() / m.experts().length;
                }
            }
        }
        return bytes;
    }

    /** The widest input any matrix takes (the decoder sizes its activation scratch by it). */
    int maxCols() {
        int c = 0;
        for (WeightMatrix m : matrices()) c = Math.max(c, m.cols());
        return c;
    }

    /** Builds the weights of a Transformer under a policy, quantizing the matrices in parallel at the end. */
    private static final class Builder {
        private final Transformer t;
        private final QuantPolicy policy;
        /** Matrices waiting to be quantized: each slot filled by its job. */
        private final List<Supplier<WeightMatrix>> jobs = new ArrayList<>();
        private final List<WeightMatrix[]> slots = new ArrayList<>();

        Builder(Transformer t, QuantPolicy policy) {
            this.t = t;
            this.policy = policy;
        }

        /** A placeholder filled in by {@link #finish}: matrices are quantized together, in parallel. */
        private WeightMatrix[] later(float[] data, int offset, int rows, int cols, WeightFormat wanted) {
            WeightFormat f = QuantPolicy.forMatrix(wanted, cols);
            WeightMatrix[] slot = new WeightMatrix[1];
            if (f.equals(WeightFormat.F32)) {
                slot[0] = new WeightMatrix.Dense(data, offset, rows, cols);
            } else {
                slots.add(slot);
                jobs.add(() -> {
                    float[] w = offset == 0 && data.length == rows * cols ? data : java.util.Arrays.copyOfRange(data, offset, offset + rows * cols);
                    return WeightMatrix.of(w, rows, cols, f);
                });
            }
            return slot;
        }

        ModelWeights build() {
            ModelConfig c = t.config;
            Slot<WeightMatrix> head = matrix(t.head, policy.head());
            Slot<WeightMatrix> embedding = t.head == t.embedding ? head : matrix(t.embedding, policy.embedding());
            List<Slot<Block>> blocks = new ArrayList<>();
            for (var b : t.blocks) blocks.add(block(b));
            List<Slot<Mtp>> mtp = new ArrayList<>();
            if (t.mtp != null) {
                for (MultiTokenPrediction.Module m : t.mtp.modules) {
                    Slot<WeightMatrix> proj = matrix(m.projection, policy.format());
                    Slot<Block> block = block(m.block);
                    mtp.add(() -> new Mtp(norm(m.embeddingNorm), norm(m.hiddenNorm), proj.get(), block.get(), norm(m.finalNorm)));
                }
            }
            finish();
            return new ModelWeights(c, t.rope, embedding.get(), blocks.stream().map(Slot::get).toArray(Block[]::new),
                    norm(t.finalNorm), head.get(), mtp.stream().map(Slot::get).toArray(Mtp[]::new), policy);
        }

        /** Runs the quantization jobs over the worker pool. */
        private void finish() {
            int n = jobs.size();
            WorkerPool.global().parallelFor(n, (from, to, worker) -> {
                for (int i = from; i < to; i++) slots.get(i)[0] = jobs.get(i).get();
            });
        }

        /** A value available after {@link #finish}. */
        private interface Slot<T> extends Supplier<T> {}

        private Slot<WeightMatrix> matrix(Tensor w, WeightFormat f) {
            WeightMatrix[] s = later(w.data, 0, w.rows(), w.cols(), f);
            return () -> s[0];
        }

        private static Norm norm(RmsNorm n) {
            return n == null ? null : new Norm(n.weight.data, n.eps);
        }

        private Slot<Block> block(dev.trident.nn.Block b) {
            Slot<AttentionWeights> attention = switch (b.attention) {
                case Attention a -> {
                    var wq = matrix(a.wq, policy.format());
                    var wk = matrix(a.wk, policy.format());
                    var wv = matrix(a.wv, policy.format());
                    var wo = matrix(a.wo, policy.format());
                    yield () -> new Gqa(wq.get(), wk.get(), wv.get(), wo.get(), norm(a.qNorm), norm(a.kNorm));
                }
                case LatentAttention a -> mla(a);
            };
            Slot<FeedForwardWeights> ffn = switch (b.feedForward) {
                case FeedForward f -> ffn(f)::get;
                case MixtureOfExperts m -> {
                    Slot<Ffn> shared = m.shared == null ? null : ffn(m.shared);
                    List<Slot<Ffn>> experts = new ArrayList<>();
                    for (FeedForward e : m.experts) experts.add(ffn(e));
                    var router = matrix(m.router.weight, WeightFormat.F32);
                    yield () -> new Moe(m.spec, router.get(), m.router.bias.data, shared == null ? null : shared.get(),
                            experts.stream().map(Slot::get).toArray(Ffn[]::new));
                }
            };
            return () -> new Block(norm(b.attentionNorm), attention.get(), norm(b.ffnNorm), ffn.get());
        }

        private Slot<Ffn> ffn(FeedForward f) {
            var gate = matrix(f.gate, policy.format());
            var up = matrix(f.up, policy.format());
            var down = matrix(f.down, policy.format());
            return () -> new Ffn(gate.get(), up.get(), down.get());
        }

        private Slot<AttentionWeights> mla(LatentAttention a) {
            MlaSpec s = a.spec;
            int h = s.heads(), nope = s.qkNopeDim(), dv = s.vHeadDim(), c = s.kvLoraRank(), kvRow = nope + dv;
            var wqA = a.wqA == null ? null : matrix(a.wqA, policy.format());
            var wqB = matrix(a.wqB, policy.format());
            var wkvA = matrix(a.wkvA, policy.format());
            var wkvB = matrix(a.wkvB, WeightFormat.F32); // the naive reference path only: shared fp32, never quantized
            var wo = matrix(a.wo, policy.format());
            float[] kvB = a.wkvB.data;
            List<WeightMatrix[]> ukT = new ArrayList<>(), uv = new ArrayList<>();
            for (int head = 0; head < h; head++) {
                // W_UK_h^T [c, nope]: the one derived copy (the training layout stores W_UK_h [nope, c])
                float[] k = new float[c * nope];
                for (int i = 0; i < nope; i++)
                    for (int j = 0; j < c; j++) k[j * nope + i] = kvB[(head * kvRow + i) * c + j];
                ukT.add(later(k, 0, c, nope, policy.format()));
                uv.add(later(kvB, (head * kvRow + nope) * c, dv, c, policy.format())); // rows of kv_b_proj: shared when fp32
            }
            return () -> new Mla(wqA == null ? null : wqA.get(), norm(a.qNorm), wqB.get(), wkvA.get(), norm(a.kvNorm),
                    ukT.stream().map(x -> x[0]).toArray(WeightMatrix[]::new), uv.stream().map(x -> x[0]).toArray(WeightMatrix[]::new),
                    wkvB.get(), wo.get());
        }
    }
}
