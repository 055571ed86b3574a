package dev.trident.io.gguf;

import dev.trident.TridentException;
import dev.trident.io.Mutants;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;
import dev.trident.quant.WeightFormat;
import dev.trident.tokenizer.BpeTrainer;
import dev.trident.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The model importer on 100,000 mutants of exported model GGUFs (dense F32 and Q8_0, DeepSeekMoE + GQA + MTP,
 * MLA + MoE + MTP, Mixtral-style llama, a SentencePiece vocabulary): every mutant either loads or ends in one
 * line naming the file, nothing else escapes, and no mutant makes the importer allocate more than 8 bytes per
 * file byte (a 4.5-bit weight becomes a 32-bit float) plus 24 MB, measured per mutant with the thread's allocation
 * counter. Nothing is sized by a declared number alone (the RoPE table grows with the positions used, not the
 * context the file declares).
 *
 * <p>Mutations: the container-level ones of {@link GgufFuzzTest} (byte changes, truncation, splices), and
 * model-level ones that keep the container valid but the model wrong: a metadata value replaced by an extreme or
 * off-by-one value, another architecture, tokenizer kind or pre-tokenizer; an array shortened, emptied,
 * reordered or given bad elements; a key removed or one added that Trident does not support (RoPE scaling,
 * expert groups); a tensor dropped, renamed, reshaped, retyped (to types Trident does and does not read) or
 * added; and a value's type id rewritten in place.
 */
class GgufModelFuzzTest {
    private static final int CASES = Integer.getInteger("fuzz.cases", 100_000);
    private static final String NAME = "fuzz.gguf";
    private static final long SLACK = 24L << 20;

    @TempDir
    Path dir;

    /** A seed: its bytes and its parsed form, to rebuild mutants from. */
    private record Seed(byte[] bytes, GgufFile parsed) {}

    private static List<Seed> seeds() throws IOException {
        Tokenizer bpe = BpeTrainer.train(Arrays.copyOf(TestModels.corpus(), 40_000), 300, List.of("<|endoftext|>"));
        int v = bpe.vocabSize();
        ModelConfig dense = new ModelConfig(v, 32, 2, 2, 1, 16, 64, 64, 10000, 1e-5f, true);
        ModelConfig untied = new ModelConfig(v, 32, 1, 2, 2, 16, 64, 64, 10000, 1e-5f, false);
        ModelConfig moe = dense.withMoe(new MoeSpec(32, 4, 2, 1, 32, 1.5, MoeSpec.Gating.SIGMOID, true, 0, 0), 1).withMtpDepth(1);
        ModelConfig mla = untied.withMla(new MlaSpec(32, 2, 16, 16, 16, 8, 16))
                .withMoe(new MoeSpec(32, 4, 2, 1, 32, 1.0, MoeSpec.Gating.SIGMOID, true, 0, 0), 0).withMtpDepth(1);
        ModelConfig mixtral = dense.withMoe(new MoeSpec(32, 4, 2, 0, 64, 1.0, MoeSpec.Gating.SOFTMAX, true, 0, 0), 0);
        Tokenizer spm = GgufTokenizationTest.sentencePieceVocabulary();
        ModelConfig spmDense = new ModelConfig(spm.vocabSize(), 32, 1, 2, 1, 16, 64, 64, 10000, 1e-5f, true);
        List<Seed> seeds = new ArrayList<>();
        seeds.add(seed(new Model(random(dense), bpe), GgufModelWriter.Options.of(WeightFormat.F32)));
        seeds.add(seed(new Model(random(untied), bpe), GgufModelWriter.Options.of(WeightFormat.Q8_0)));
        seeds.add(seed(new Model(random(moe), bpe), GgufModelWriter.Options.of(WeightFormat.F32)));
        seeds.add(seed(new Model(random(mla), bpe), GgufModelWriter.Options.of(WeightFormat.Q4_0)));
        seeds.add(seed(new Model(random(mixtral), bpe), GgufModelWriter.Options.of(WeightFormat.BF16).withArchitecture(GgufArchitecture.LLAMA)));
        // RoPE scaling: Llama 3's as the rope_freqs tensor, YaRN with an attention factor as keys.
        seeds.add(seed(new Model(random(dense.withRopeScaling(dev.trident.kernels.RopeScaling.llama3(8, 1, 4, 32))), bpe),
                GgufModelWriter.Options.of(WeightFormat.F32)));
        seeds.add(seed(new Model(random(untied.withRopeScaling(dev.trident.kernels.RopeScaling.yarn(4, 32, 32, 1, 0, 0, 1.2))), bpe),
                GgufModelWriter.Options.of(WeightFormat.F32)));
        seeds.add(seed(new Model(random(spmDense), spm), GgufModelWriter.Options.of(WeightFormat.F16).withChatTemplate("{{ messages }}")));
        return seeds;
    }

    private static dev.trident.model.Transformer random(ModelConfig c) {
        return new dev.trident.model.Transformer(c, 3);
    }

    private static Seed seed(Model m, GgufModelWriter.Options o) throws IOException {
        Path f = Files.createTempFile("model-seed", ".gguf");
        try {
            GgufModelWriter.write(m, f, o);
            byte[] bytes = Files.readAllBytes(f);
            GgufFile g = GgufFile.read(MemorySegment.ofArray(bytes), NAME);
            GgufModelReader.read(g, GgufModelReader.Listener.NONE); // every seed loads
            return new Seed(bytes, g);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    @Test
    void everyMutantLoadsOrFailsWithOneLine() throws IOException {
        List<Seed> seeds = seeds();
        Random rnd = new Random(20250611);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int loaded = 0, rejected = 0, cases = 0;
        long worstAllocation = 0;
        long worstExcess = Long.MIN_VALUE;
        int[] byKind = new int[9];
        long tMutate = 0, tParse = 0, tLoad = 0;
        while (cases < CASES) {
            Seed seed = seeds.get(rnd.nextInt(seeds.size()));
            int kind = rnd.nextInt(9);
            byte[] m;
            long tm0 = threads.getCurrentThreadCpuTime();
            try {
                m = mutate(seed, kind, rnd);
                tMutate += threads.getCurrentThreadCpuTime() - tm0;
            } catch (TridentException | IllegalArgumentException notWritable) {
                continue; // the writer refused this mutation (e.g. a name over 63 bytes): not a file
            }
            if (m == null) continue;
            cases++;
            byKind[kind]++;
            long before = threads.getCurrentThreadAllocatedBytes();
            try {
                long tp = threads.getCurrentThreadCpuTime();
                GgufFile g = GgufFile.read(MemorySegment.ofArray(m), NAME);
                tParse += threads.getCurrentThreadCpuTime() - tp;
                tp = threads.getCurrentThreadCpuTime();
                GgufModelReader.read(g, GgufModelReader.Listener.NONE);
                tLoad += threads.getCurrentThreadCpuTime() - tp;
                loaded++;
            } catch (TridentException e) {
                String msg = e.getMessage();
                if (!msg.startsWith(NAME + ": ") || msg.indexOf('\n') >= 0 || msg.indexOf('\r') >= 0 || msg.length() > 500)
                    fail(Mutants.report(dir, "gguf-model-fuzz", "gguf", cases, kind, m, "bad message: " + msg));
                rejected++;
            } catch (Throwable t) {
                fail(Mutants.report(dir, "gguf-model-fuzz", "gguf", cases, kind, m, t.toString()), t);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            worstAllocation = Math.max(worstAllocation, allocated);
            worstExcess = Math.max(worstExcess, allocated - 8L * m.length);
            if (allocated > 8L * m.length + SLACK)
                fail(Mutants.report(dir, "gguf-model-fuzz", "gguf", cases, kind, m, "allocated " + allocated + " bytes for a " + m.length + "-byte file"));
        }
        System.out.printf("GGUF model fuzz: %d mutants (per kind %s), %d loaded, %d rejected with one line; "
                + "most allocated for one mutant %.1f MB, at most %.1f MB beyond 8 bytes per file byte%n",
                cases, Arrays.toString(byKind), loaded, rejected, worstAllocation / 1e6, worstExcess / 1e6);
        System.out.printf("CPU time: mutate %.1fs, parse %.1fs, load %.1fs%n", tMutate / 1e9, tParse / 1e9, tLoad / 1e9);
        assertTrue(loaded > CASES / 20, "loaded " + loaded);
        assertTrue(rejected > CASES / 2, "rejected " + rejected);
    }

    // ---- mutations ----

    private static byte[] mutate(Seed seed, int kind, Random rnd) throws IOException {
        byte[] b = seed.bytes.clone();
        return switch (kind) {
            case 0 -> {
                int n = 1 + rnd.nextInt(8);
                for (int i = 0; i < n; i++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                yield b;
            }
            case 1 -> Arrays.copyOf(b, rnd.nextInt(b.length));
            case 2 -> Mutants.deleteChunk(b, rnd);
            case 3, 4 -> rebuild(seed.parsed, rnd, true, false);
            case 5 -> rebuild(seed.parsed, rnd, false, true);
            case 6 -> rebuild(seed.parsed, rnd, true, true);
            case 7 -> retype(rebuild(seed.parsed, rnd, false, false), seed.parsed, rnd);
            default -> {
                byte[] r = rebuild(seed.parsed, rnd, rnd.nextBoolean(), rnd.nextBoolean());
                int at = rnd.nextInt(r.length);
                r[at] = (byte) rnd.nextInt(256);
                yield r;
            }
        };
    }

    /** The seed re-written with a metadata mutation and/or a tensor mutation. */
    private static byte[] rebuild(GgufFile g, Random rnd, boolean metadata, boolean tensors) throws IOException {
        List<Map.Entry<String, GgufValue>> kv = new ArrayList<>(g.metadata().entrySet());
        List<GgufTensor> ts = new ArrayList<>(g.tensors());
        GgufWriter w = new GgufWriter();
        String arch = g.architecture();
        int target = metadata ? rnd.nextInt(kv.size() + 1) : -1;
        for (int i = 0; i < kv.size(); i++) {
            Map.Entry<String, GgufValue> e = kv.get(i);
            if (i != target) {
                w.put(e.getKey(), e.getValue());
                continue;
            }
            switch (rnd.nextInt(5)) {
                case 0 -> { } // removed
                default -> w.put(e.getKey(), mutateValue(e.getKey(), e.getValue(), rnd));
            }
        }
        if (target == kv.size()) addUnsupportedKey(w, arch, rnd);
        int changed = tensors ? rnd.nextInt(ts.size()) : -1;
        for (int i = 0; i < ts.size(); i++) {
            GgufTensor t = ts.get(i);
            if (i != changed) {
                w.addTensor(t.name(), t.type(), t.shape(), t.data());
                continue;
            }
            switch (rnd.nextInt(6)) {
                case 0 -> { } // dropped
                case 1 -> w.addTensor(ts.get(rnd.nextInt(ts.size())).name().equals(t.name()) ? t.name() + "x" : otherName(ts, t, rnd),
                        t.type(), t.shape(), t.data());
                case 2 -> { // reshaped: same element count in another order, or one more row
                    long[] s = t.shape();
                    if (s.length > 1 && rnd.nextBoolean()) {
                        long tmp = s[0];
                        s[0] = s[s.length - 1];
                        s[s.length - 1] = tmp;
                    } else s[s.length - 1] += 1;
                    addRandom(w, t.name(), t.type(), s, rnd);
                }
                case 3 -> { // retyped, with bytes of the right size
                    GgmlType[] types = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K,
                            GgmlType.Q6_K, GgmlType.IQ2_XXS, GgmlType.I32, GgmlType.F64};
                    GgmlType type = types[rnd.nextInt(types.length)];
                    if (t.dim(0) % type.blockSize() != 0) type = GgmlType.F16;
                    addRandom(w, t.name(), type, t.shape(), rnd);
                }
                case 4 -> {
                    w.addTensor(t.name(), t.type(), t.shape(), t.data());
                    String[] extra = {"blk.0.attn_q.bias", "rope_freqs.weight", "blk.0.attn_q_norm.weight", "blk.9.ffn_up.weight",
                            "blk.0.ffn_gate_inp_shexp.weight", "blk.2.nextn.embed_tokens.weight"};
                    addRandom(w, extra[rnd.nextInt(extra.length)], GgmlType.F32, new long[] {1 + rnd.nextInt(64)}, rnd);
                }
                default -> addRandom(w, t.name(), t.type(), t.shape(), rnd); // same shape, random bytes (NaN, Inf...)
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        w.writeTo(out);
        return out.toByteArray();
    }

    private static String otherName(List<GgufTensor> ts, GgufTensor t, Random rnd) {
        String n = t.name();
        return switch (rnd.nextInt(3)) {
            case 0 -> n.replace("blk.0.", "blk.1.").replace("attn_q", "attn_k");
            case 1 -> n.replace(".weight", ".bias");
            default -> n.replaceFirst("blk\\.(\\d+)", "blk.7");
        };
    }

    private static void addRandom(GgufWriter w, String name, GgmlType type, long[] shape, Random rnd) {
        long rows = 1;
        for (int i = 1; i < shape.length; i++) rows *= shape[i];
        long size = type.byteSize(shape[0], rows);
        if (size < 0 || size > 1 << 22) throw new IllegalArgumentException("skip");
        byte[] bytes = new byte[(int) size];
        rnd.nextBytes(bytes);
        w.addTensor(name, type, shape, bytes.length == 0 ? MemorySegment.ofArray(new byte[0]) : MemorySegment.ofArray(bytes));
    }

    private static final long[] INTS = {0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 63, 64, 255, 256, 1023, 4096, 65535, 65536,
            1 << 20, (1 << 20) + 1, Integer.MAX_VALUE, 0xFFFF_FFFFL};

    private static GgufValue mutateValue(String key, GgufValue v, Random rnd) {
        return switch (v) {
            case GgufValue.UInt32 x -> new GgufValue.UInt32(rnd.nextBoolean() ? INTS[rnd.nextInt(INTS.length)]
                    : Math.max(0, Math.min(0xFFFF_FFFFL, x.value() + rnd.nextInt(5) - 2)));
            case GgufValue.Int32 x -> new GgufValue.Int32(rnd.nextBoolean() ? (int) INTS[rnd.nextInt(INTS.length)] : x.value() - 1 - rnd.nextInt(3));
            case GgufValue.Float32 x -> new GgufValue.Float32(new float[] {0, -1, Float.NaN, Float.POSITIVE_INFINITY, 1e30f, 1e-30f,
                    x.value() * 2}[rnd.nextInt(7)]);
            case GgufValue.Bool x -> new GgufValue.Bool(!x.value());
            case GgufValue.Str x -> new GgufValue.Str(key.equals("general.architecture")
                    ? new String[] {"llama", "glm4moe", "deepseek2", "qwen2moe", "qwen3moe", "bert", "", "LLAMA"}[rnd.nextInt(8)]
                    : key.equals("tokenizer.ggml.model") ? new String[] {"gpt2", "llama", "bert", "t5", ""}[rnd.nextInt(5)]
                    : key.equals("tokenizer.ggml.pre") ? new String[] {"gpt-2", "qwen2", "llama-bpe", "deepseek-v3", "qwen35", "smaug-bpe", "default", ""}[rnd.nextInt(8)]
                    : rnd.nextBoolean() ? "" : x.value() + "\u0000\uFFFD");
            case GgufValue.Array a -> mutateArray(a, rnd);
            default -> v;
        };
    }

    private static GgufValue mutateArray(GgufValue.Array a, Random rnd) {
        List<GgufValue> e = new ArrayList<>(a.elements());
        switch (rnd.nextInt(6)) {
            case 0 -> { if (!e.isEmpty()) e.removeLast(); }
            case 1 -> e.clear();
            case 2 -> { if (!e.isEmpty()) e.add(e.get(rnd.nextInt(e.size()))); }
            case 3 -> { if (e.size() > 1) java.util.Collections.swap(e, rnd.nextInt(e.size()), rnd.nextInt(e.size())); }
            case 4 -> { if (!e.isEmpty()) { int i = rnd.nextInt(e.size()); e.set(i, mutateElement(e.get(i), rnd)); } }
            default -> { // many elements at once
                for (int k = 0; k < 8 && !e.isEmpty(); k++) { int i = rnd.nextInt(e.size()); e.set(i, mutateElement(e.get(i), rnd)); }
            }
        }
        return new GgufValue.Array(a.elementType(), e);
    }

    private static GgufValue mutateElement(GgufValue v, Random rnd) {
        return switch (v) {
            case GgufValue.Int32 x -> new GgufValue.Int32(new int[] {-1, 0, 2, 3, 4, 5, 6, 7, 99, Integer.MIN_VALUE}[rnd.nextInt(10)]);
            case GgufValue.Float32 x -> new GgufValue.Float32(rnd.nextBoolean() ? Float.NaN : -x.value());
            case GgufValue.Str x -> new GgufValue.Str(new String[] {"", " ", "a b c", "<0xZZ>", "<0x41>", "Ġ", x.value() + x.value(),
                    "\uFFFD", "<|endoftext|>"}[rnd.nextInt(9)]);
            default -> v;
        };
    }

    private static void addUnsupportedKey(GgufWriter w, String arch, Random rnd) {
        switch (rnd.nextInt(6)) {
            case 0 -> w.putString(arch + ".rope.scaling.type", "yarn");
            case 1 -> w.putUInt32(arch + ".expert_group_count", 2);
            case 2 -> w.put(arch + ".attention.head_count_kv", new GgufValue.Array(GgufValueType.UINT32, List.of(new GgufValue.UInt32(2), new GgufValue.UInt32(1))));
            case 3 -> w.putUInt32(arch + ".nextn_predict_layers", 1 + rnd.nextInt(6));
            case 4 -> w.putUInt32(arch + ".expert_gating_func", rnd.nextInt(5));
            default -> w.putFloat32(arch + ".rope.scaling.factor", 4);
        }
    }

    /** Rewrites the type id of a random metadata value in place (same width: the rest still parses). */
    private static byte[] retype(byte[] m, GgufFile g, Random rnd) {
        List<String> keys = new ArrayList<>(g.metadata().keySet());
        byte[] key = keys.get(rnd.nextInt(keys.size())).getBytes(StandardCharsets.UTF_8);
        int at = indexOf(m, key);
        if (at < 0) return m;
        ByteBuffer buf = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
        int typeAt = at + key.length;
        int[] ids = {GgufValueType.INT32.id(), GgufValueType.FLOAT32.id(), GgufValueType.UINT32.id(), GgufValueType.BOOL.id(),
                GgufValueType.UINT64.id(), GgufValueType.STRING.id(), GgufValueType.ARRAY.id(), 99};
        buf.putInt(typeAt, ids[rnd.nextInt(ids.length)]);
        return m;
    }

    private static int indexOf(byte[] b, byte[] s) {
        outer:
        for (int i = 0; i + s.length + 4 <= b.length; i++) {
            for (int j = 0; j < s.length; j++) if (b[i + j] != s[j]) continue outer;
            return i;
        }
        return -1;
    }
}
