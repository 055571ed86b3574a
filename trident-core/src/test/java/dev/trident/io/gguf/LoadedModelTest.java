package dev.trident.io.gguf;

import dev.trident.chat.ChatTemplate;
import dev.trident.engine.Engine;
import dev.trident.engine.EngineOptions;
import dev.trident.engine.Sampling;
import dev.trident.infer.Generator;
import dev.trident.infer.LoadedModel;
import dev.trident.infer.SamplingOptions;
import dev.trident.model.Model;
import dev.trident.quant.WeightFormat;
import dev.trident.quant.WeightMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What generate, serve and the library run: a GGUF file in the kernels' formats is mapped in place (its bytes are the
 * weights) and generates what the same file imported to fp32 generates; a file with a block type Trident only reads
 * (Q5_0 here, as in llama.cpp's Q4_K_M mixes) falls back to the fp32 import; closing unmaps.
 */
class LoadedModelTest {
    @TempDir
    Path dir;

    private long replacedRows, replacedCols;

    private static final SamplingOptions GREEDY = new SamplingOptions(12, 0, 0, 1, 1, false);

    /** A random dense model (seed) written as a Q8_0 llama GGUF file. */
    private Path denseQ8_0File(long seed) {
        Path file = dir.resolve("dense-q8_0.gguf");
        GgufModelWriter.write(TestModels.random(TestModels.dense(false), seed), file,
                GgufModelWriter.Options.of(WeightFormat.Q8_0).withArchitecture(GgufArchitecture.LLAMA));
        return file;
    }

    @Test
    void aQ8_0FileRunsInPlaceAndGeneratesWhatItsImportGenerates() {
        Path file = denseQ8_0File(5);
        String prompt = TestModels.heldOut(60);
        int[] imported = new Generator(Model.load(file)).generate(prompt, GREEDY, null).tokens();
        LoadedModel loaded = LoadedModel.open(file);
        try (loaded) {
            assertTrue(loaded.isMapped(), loaded.describe());
            assertTrue(loaded.describe().contains("mapped"), loaded.describe());
            var q = (WeightMatrix.Quantized) ((dev.trident.infer.ModelWeights.Ffn) loaded.weights().blocks()[0].ffn()).up();
            assertEquals(WeightFormat.Q8_0, q.format());
            assertTrue(q.matrix().data().isMapped(), "the matrix is a view of the mapped file");
            assertArrayEquals(imported, new Generator(loaded).generate(prompt, GREEDY, null).tokens());
        }
        assertThrows(IllegalStateException.class, () -> new Generator(loaded).generate(prompt, GREEDY, null), "unmapped after close");
        loaded.close(); // a second close does nothing
    }

    @Test
    void theEngineServesAGgufFileInPlace() {
        Model m = TestModels.random(TestModels.dense(false), 6);
        Path file = dir.resolve("dense-q4_0.gguf");
        GgufModelWriter.write(m, file, GgufModelWriter.Options.of(WeightFormat.Q4_0).withArchitecture(GgufArchitecture.LLAMA));
        Sampling greedy = Sampling.defaults().withTemperature(0).withMaxTokens(10).withSeed(3);
        String want;
        try (Engine imported = Engine.of(Model.load(file), ChatTemplate.defaultFor(m.tokenizer()), "imported", EngineOptions.defaults())) {
            assertFalse(imported.model().isMapped());
            want = imported.complete("ROMEO:", greedy).text();
        }
        try (Engine engine = Engine.load(file)) {
            assertTrue(engine.model().isMapped(), engine.model().describe());
            assertEquals(want, engine.complete("ROMEO:", greedy).text());
        }
    }

    @Test
    void aTensorInABlockTypeWithoutAKernelIsDequantizedTheRestMapped() {
        Model m = TestModels.random(TestModels.dense(false), 7);
        Path q8 = dir.resolve("dense-q8_0.gguf"), mixed = dir.resolve("dense-q5_0.gguf");
        GgufModelWriter.write(m, q8, GgufModelWriter.Options.of(WeightFormat.Q8_0).withArchitecture(GgufArchitecture.LLAMA));
        // One matrix rewritten as Q5_0 blocks of 32 (random quants, a small finite fp16 d in each block's first two bytes).
        SplittableRandom rnd = new SplittableRandom(1);
        try (Arena arena = Arena.ofConfined(); GgufFile g = GgufFile.open(q8)) {
            GgufWriter w = new GgufWriter();
            g.metadata().forEach(w::put);
            boolean replaced = false;
            for (GgufTensor t : g.tensors()) {
                if (replaced || t.rank() == 1 || t.dim(0) % 32 != 0) {
                    w.addTensor(t.name(), t.type(), t.shape(), t.data());
                    continue;
                }
                MemorySegment q = arena.allocate(GgmlType.Q5_0.byteSize(t.dim(0), t.rows()));
                for (long i = 0; i < q.byteSize(); i++) q.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
                for (long b = 0; b < q.byteSize(); b += 22) q.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, b, (short) 0x1400);
                w.addTensor(t.name(), GgmlType.Q5_0, t.shape(), q);
                replaced = true;
                replacedRows = t.rows();
                replacedCols = t.dim(0);
            }
            assertTrue(replaced, "the test model has a matrix with rows of a multiple of 32");
            w.write(mixed);
        }
        try (LoadedModel loaded = LoadedModel.open(mixed)) {
            assertTrue(loaded.isMapped());
            assertTrue(loaded.describe().contains("[Q5_0] tensors dequantized to fp32"), loaded.describe());
            assertEquals(replacedRows * replacedCols, loaded.weights().weightsByFormat().get("F32"), "just that matrix in fp32");
            String prompt = TestModels.heldOut(40);
            assertArrayEquals(new Generator(Model.load(mixed)).generate(prompt, GREEDY, null).tokens(),
                    new Generator(loaded).generate(prompt, GREEDY, null).tokens());
        }
    }

    /**
     * --weights on a GGUF file: the mapped weights converted matrix by matrix (ModelWeights.requantized) generate what
     * the file imported to fp32 and then quantized generates (Q4_0: per-row blocks, so the import's row order does
     * not matter), and point into no file: they still run after the mapping is closed.
     */
    @Test
    void aGgufFileConvertsMatrixByMatrixAsItsImportQuantizes() {
        Path file = denseQ8_0File(9);
        String prompt = TestModels.heldOut(50);
        dev.trident.infer.QuantPolicy q4 = dev.trident.infer.QuantPolicy.of(WeightFormat.Q4_0);
        Model imported = Model.load(file);
        int[] want = new Generator(LoadedModel.of(dev.trident.infer.ModelWeights.quantize(imported.transformer(), q4), imported.tokenizer()))
                .generate(prompt, GREEDY, null).tokens();
        LoadedModel converted;
        try (LoadedModel mapped = LoadedModel.open(file)) {
            converted = LoadedModel.of(mapped.weights().requantized(q4), mapped.tokenizer());
            assertEquals(mapped.weights().matrices().size(), converted.weights().matrices().size());
        }
        assertEquals(java.util.Set.of("Q4_0", "Q8_0"), converted.weights().weightsByFormat().keySet(), "body Q4_0, embedding and head Q8_0");
        assertArrayEquals(want, new Generator(converted).generate(prompt, GREEDY, null).tokens());
        try (LoadedModel mapped = LoadedModel.open(file)) {
            var fp8 = mapped.weights().requantized(dev.trident.infer.QuantPolicy.of(WeightFormat.FP8_BLOCK));
            assertEquals(java.util.Set.of("FP8_BLOCK", "BF16"), fp8.weightsByFormat().keySet());
        }
    }

    /** A GGUF file's own chat template (tokenizer.chat_template) is the one generate, serve and the library use. */
    @Test
    void theChatTemplateComesFromTheGgufFile() {
        Model m = TestModels.random(TestModels.dense(false), 8);
        Path llama3 = dir.resolve("chat-llama3.gguf"), plain = dir.resolve("chat-none.gguf");
        String jinja = "{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
                + " + message['content'] + '<|eot_id|>' }}{% endfor %}";
        GgufModelWriter.write(m, llama3, GgufModelWriter.Options.of(WeightFormat.Q8_0).withArchitecture(GgufArchitecture.LLAMA).withChatTemplate(jinja));
        GgufModelWriter.write(m, plain, GgufModelWriter.Options.of(WeightFormat.Q8_0).withArchitecture(GgufArchitecture.LLAMA));
        assertEquals(dev.trident.chat.ChatFormat.LLAMA3, ChatTemplate.forModel(llama3, m.tokenizer()).format());
        assertEquals(ChatTemplate.defaultFor(m.tokenizer()), ChatTemplate.forModel(plain, m.tokenizer()));
        try (Engine engine = Engine.load(llama3)) {
            assertEquals(dev.trident.chat.ChatFormat.LLAMA3, engine.chatTemplate().format());
        }
    }
}
