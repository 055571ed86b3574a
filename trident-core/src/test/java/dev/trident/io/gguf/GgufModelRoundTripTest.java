package dev.trident.io.gguf;

import dev.trident.TridentException;
import dev.trident.kernels.RopePairing;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.nn.Parameters.Parameter;
import dev.trident.quant.WeightFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import dev.trident.kernels.RopeScaling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Trident -> GGUF -> Trident: the same config, tokenizer, weights and logits, for every exported architecture. */
class GgufModelRoundTripTest {
    @TempDir
    Path dir;

    private Model roundTrip(Model m, WeightFormat f, GgufArchitecture expected) {
        Path file = dir.resolve(expected.ggufName() + "-" + f.name() + ".gguf");
        GgufModelWriter.Result r = GgufModelWriter.write(m, file, GgufModelWriter.Options.of(f).withArchitecture(expected));
        assertEquals(expected, r.architecture());
        try (GgufFile g = GgufFile.open(file)) {
            assertEquals(expected.ggufName(), g.architecture());
        }
        return Model.load(file);
    }

    /** F32: every parameter bit-identical, hence identical logits. */
    private void identical(ModelConfig c, GgufArchitecture arch) {
        Model m = TestModels.random(c, 7);
        Model back = roundTrip(m, WeightFormat.F32, arch);
        assertEquals(inference(c), back.config());
        List<Parameter> a = m.transformer().params.all(), b = back.transformer().params.all();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).name(), b.get(i).name());
            assertArrayEquals(a.get(i).tensor().data, b.get(i).tensor().data, a.get(i).name());
        }
        int[] tokens = tokens();
        assertArrayEquals(TestModels.logits(m, tokens), TestModels.logits(back, tokens));
        assertArrayEquals(TestModels.tokenizer().encode(TestModels.heldOut(300)), back.tokenizer().encode(TestModels.heldOut(300)));
        assertEquals(m.tokenizer().eosId(), back.tokenizer().eosId());
    }

    /** The config as GGUF keeps it: MoE balancing rates are training settings, not part of the model. */
    private static ModelConfig inference(ModelConfig c) {
        return c.moe() == null ? c : c.withMoe(c.moe().withBalancing(0, 0), c.denseLayers());
    }

    /** 100 tokens of held-out text. */
    private static int[] tokens() {
        return java.util.Arrays.copyOf(TestModels.tokenizer().encode(TestModels.heldOut(600)), 100);
    }

    @Test
    void denseAsLlama() {
        identical(TestModels.dense(false), GgufArchitecture.LLAMA);
        identical(TestModels.dense(true), GgufArchitecture.LLAMA);
    }

    @Test
    void ropeScalingRoundTrips() {
        identical(TestModels.dense(false).withRopeScaling(RopeScaling.llama3(8, 1, 4, 8192)), GgufArchitecture.LLAMA);
        identical(TestModels.dense(true).withRopeScaling(RopeScaling.linear(4)), GgufArchitecture.LLAMA);
        identical(TestModels.qwen3().withRopeScaling(RopeScaling.yarn(4, 32, 32, 1, 0, 0, 0)), GgufArchitecture.QWEN3);
    }

    @Test
    void mixtralStyleExpertsAsLlama() {
        identical(TestModels.mixtral(), GgufArchitecture.LLAMA);
    }

    @Test
    void anArchitectureThatCannotExpressTheModelIsRefused() {
        Model moe = TestModels.random(TestModels.moeGqa(), 1);
        TridentException e = assertThrows(TridentException.class, () -> GgufModelWriter.write(moe, dir.resolve("x.gguf"),
                GgufModelWriter.Options.of(WeightFormat.F32).withArchitecture(GgufArchitecture.LLAMA)));
        assertTrue(e.getMessage().contains("Mixtral-style"), e.getMessage());
        assertThrows(TridentException.class, () -> GgufModelWriter.write(moe, dir.resolve("y.gguf"),
                GgufModelWriter.Options.of(WeightFormat.F32).withArchitecture(GgufArchitecture.DEEPSEEK2)));
    }

    @Test
    void moeWithGqaAsGlm4moe() {
        identical(TestModels.moeGqa(), GgufArchitecture.GLM4MOE);
    }

    @Test
    void mlaMoeMtpAsDeepseek2() {
        identical(TestModels.mlaMoe(), GgufArchitecture.DEEPSEEK2);
        identical(TestModels.mlaDense(), GgufArchitecture.DEEPSEEK2);
    }

    @Test
    void qwen3ShapesAsQwen3AndQwen3moe() {
        identical(TestModels.qwen3(), GgufArchitecture.QWEN3);
        identical(TestModels.qwen3Moe(), GgufArchitecture.QWEN3MOE);
    }

    /** A model whose RoPE pairing is not the architecture's: rows reordered on the way out, back on the way in. */
    @Test
    void otherRopePairingsAreReorderedAndRecorded() {
        identical(TestModels.dense(false).withRopePairing(RopePairing.HALVES), GgufArchitecture.LLAMA);
        identical(TestModels.qwen3().withRopePairing(RopePairing.ADJACENT), GgufArchitecture.QWEN3);
        identical(TestModels.moeGqa().withRopePairing(RopePairing.HALVES).withQkNorm(true), GgufArchitecture.GLM4MOE);
        identical(TestModels.mlaMoe().withRopePairing(RopePairing.HALVES), GgufArchitecture.DEEPSEEK2);
    }

    @Test
    void groupLimitedRouting() {
        identical(TestModels.mlaGroupedMoe(), GgufArchitecture.DEEPSEEK2);
    }

    /**
     * A file from elsewhere (no trident.rope_pairing): imported in the architecture's own pairing with q and k as
     * stored; the model computes the same function up to float rounding (sums in another order).
     */
    @Test
    void aForeignGlm4moeIsReadInItsOwnPairing() throws Exception {
        Model m = TestModels.random(TestModels.moeGqa(), 5);
        Path file = dir.resolve("foreign.gguf");
        GgufModelWriter.write(m, file, GgufModelWriter.Options.of(WeightFormat.F32));
        Path stripped = dir.resolve("stripped.gguf");
        try (GgufFile g = GgufFile.open(file)) {
            assertEquals("adjacent", g.getString(GgufHyperparameters.PAIRING_KEY));
            GgufWriter w = new GgufWriter();
            g.metadata().forEach((k, v) -> { if (!k.equals(GgufHyperparameters.PAIRING_KEY)) w.put(k, v); });
            for (GgufTensor t : g.tensors()) w.addTensor(t.name(), t.type(), t.shape(), t.data());
            w.write(stripped);
        }
        Model back = Model.load(stripped);
        assertEquals(RopePairing.HALVES, back.config().ropePairing());
        float[] a = TestModels.logits(m, tokens()), b = TestModels.logits(back, tokens());
        double worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        assertTrue(worst < 1e-4, "max |logit difference| " + worst);
        assertFalse(java.util.Arrays.equals(m.transformer().params.get("model.layers.0.self_attn.q_proj.weight").tensor().data,
                back.transformer().params.get("model.layers.0.self_attn.q_proj.weight").tensor().data), "q rows are stored reordered");
    }

    @Test
    void denseMtpModulesAreLeftOutOfLlamaWithANote() {
        Model m = TestModels.random(TestModels.dense(true).withMtpDepth(1), 3);
        GgufModelWriter.Result r = GgufModelWriter.write(m, dir.resolve("d.gguf"), GgufModelWriter.Options.of(WeightFormat.F32));
        assertTrue(r.notes().getFirst().contains("MTP"), r.notes().toString());
        Model back = Model.load(dir.resolve("d.gguf"));
        assertEquals(0, back.config().mtpDepth());
        int[] tokens = tokens();
        assertArrayEquals(TestModels.logits(m, tokens), TestModels.logits(back, tokens));
    }

    /** Quantized: weights come back as the format's dequantization, so logits stay close to the original's. */
    @Test
    void quantizedFormatsComeBackClose() {
        for (WeightFormat f : List.of(WeightFormat.F16, WeightFormat.BF16, WeightFormat.Q8_0, WeightFormat.Q4_0, WeightFormat.Q4_K)) {
            for (ModelConfig c : List.of(TestModels.dense(false), TestModels.moeGqa(), TestModels.mlaMoe())) {
                Model m = TestModels.random(c, 11);
                Model back = roundTrip(m, f, GgufArchitecture.forExport(c));
                assertEquals(inference(c), back.config());
                double worst = 0;
                for (Parameter p : m.transformer().params.all()) {
                    float[] x = p.tensor().data, y = back.transformer().params.get(p.name()).tensor().data;
                    double maxAbs = 0, maxErr = 0;
                    for (int i = 0; i < p.tensor().size(); i++) {
                        maxAbs = Math.max(maxAbs, Math.abs(x[i]));
                        maxErr = Math.max(maxErr, Math.abs(x[i] - y[i]));
                    }
                    worst = Math.max(worst, maxErr / Math.max(maxAbs, 1e-12));
                }
                // 4-bit formats: a step of max/7 or so per block; 8-bit and halves far less.
                assertTrue(worst < 0.2, f.name() + " " + c + ": relative weight error " + worst);
            }
        }
    }

    @Test
    void fp8HasNoGgufTypeAndNothingIsWritten() {
        Model m = TestModels.random(TestModels.dense(true), 1);
        Path file = dir.resolve("fp8.gguf");
        TridentException e = assertThrows(TridentException.class,
                () -> GgufModelWriter.write(m, file, GgufModelWriter.Options.of(WeightFormat.FP8_BLOCK)));
        assertTrue(e.getMessage().contains("no GGUF tensor type"), e.getMessage());
        assertFalse(java.nio.file.Files.exists(file));
    }
}
