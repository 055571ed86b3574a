package dev.trident.lab;

import dev.trident.model.ModelConfig;
import dev.trident.model.Presets;
import dev.trident.model.Transformer;
import dev.trident.quant.WeightFormat;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lab's per-token byte accounting, the dense references' shapes and the round trip of served weights. */
class LabAccountingTest {
    private static List<ModelConfig> configs() {
        Ladder full = Ladder.full(), quick = Ladder.quick();
        return List.of(quick.rungs().get(0).preset().model(), quick.rungs().get(1).preset().model(),
                quick.rungs().get(2).preset().model().withMtpDepth(1), full.rungs().get(2).preset().model().withMtpDepth(1),
                Presets.get("small-mla").model(), full.rungs().get(0).preset().model());
    }

    @Test
    void fp32BytesPerTokenAreTheConfigsAccounting() {
        for (ModelConfig c : configs()) {
            Transformer t = new Transformer(c, 1);
            WeightBytes wb = WeightBytes.of(t, WeightFormat.F32);
            assertEquals(c.weightBytesPerToken(), wb.main(), 1e-6 * c.weightBytesPerToken(), c.toString());
            assertEquals(4.0 * t.params.count(), wb.stored(), 1e-9, "every weight stored as fp32");
            assertEquals(0, wb.otherFormat());
            if (c.mtpDepth() > 0) assertTrue(wb.mtpModules() > 0, "MTP modules read weights");
            else assertEquals(0, wb.mtpModules());
        }
    }

    @Test
    void quantizedFormatsReadAboutAQuarterOfTheBytes() {
        for (ModelConfig c : configs()) {
            Transformer t = new Transformer(c, 1);
            double f32 = WeightBytes.of(t, WeightFormat.F32).main();
            for (WeightFormat f : List.of(WeightFormat.Q8_0, WeightFormat.FP8_BLOCK)) {
                WeightBytes wb = WeightBytes.of(t, f);
                assertTrue(wb.main() < 0.5 * f32 && wb.main() > 0.2 * f32, f + " " + c + ": " + wb.main() / f32);
            }
        }
        // tiny's SwiGLU is 176 wide: its down projections cannot be stored as Q8_0 (rows of 32) and fall back to F16;
        // FP8-block keeps the tied embedding/head in BF16 (the runtime's QuantPolicy, as DeepSeek-V3 ships it).
        Transformer tiny = new Transformer(Presets.get("tiny").model(), 1);
        assertEquals(2L * 64 * 176, WeightBytes.of(tiny, WeightFormat.Q8_0).otherFormat());
        assertEquals(WeightFormat.F16, WeightBytes.formatOf("model.layers.0.mlp.down_proj.weight", 176, WeightFormat.Q8_0));
        assertEquals(512L * 64, WeightBytes.of(tiny, WeightFormat.FP8_BLOCK).otherFormat());
        assertEquals(WeightFormat.F32, WeightBytes.formatOf("model.layers.1.mlp.gate.weight", 64, WeightFormat.Q8_0));
    }

    @Test
    void servedWeightsRoundTripChangesOnlyStoredMatricesAndWithinTheFormatsError() {
        ModelConfig c = Ladder.quick().rungs().get(1).preset().model().withVocabSize(300);
        var model = new dev.trident.model.Model(new Transformer(c, 3), dev.trident.tokenizer.BpeTrainer.train(
                "to be or not to be that is the question".repeat(20).getBytes(), 300, List.of("<|endoftext|>")));
        assertTrue(ServedWeights.roundTrip(model, WeightFormat.F32) == model);
        var q = ServedWeights.roundTrip(model, WeightFormat.Q8_0);
        for (var p : model.transformer().params.all()) {
            float[] a = p.tensor().data, b = q.transformer().params.get(p.name()).tensor().data;
            boolean stored = p.tensor().rank() == 2 && WeightBytes.formatOf(p.name(), p.tensor().dim(1), WeightFormat.Q8_0) != WeightFormat.F32;
            float max = 0;
            for (float v : a) max = Math.max(max, Math.abs(v));
            boolean changed = false;
            for (int i = 0; i < a.length; i++) {
                assertTrue(Math.abs(a[i] - b[i]) <= max / 127f + 1e-7f, p.name());
                changed |= a[i] != b[i];
            }
            if (!stored) assertTrue(!changed, p.name() + " is kept in fp32");
            else assertTrue(changed, p.name() + " is quantized");
        }
    }

    @Test
    void denseReferencesKeepTheBaselinesProportions() {
        ModelConfig small = Presets.get("small").model();
        ModelConfig same = DenseReferences.widen(small, 1);
        assertEquals(small.dim(), same.dim());
        assertEquals(small.hiddenDim(), same.hiddenDim());
        assertEquals(small.kvHeads(), same.kvHeads());
        ModelConfig wide = DenseReferences.widen(small, 1.5);
        assertEquals(384, wide.dim());
        assertEquals(12, wide.heads());
        assertEquals(6, wide.kvHeads());
        assertEquals(1056, wide.hiddenDim());
        assertEquals(small.layers(), wide.layers());
        ModelConfig narrow = DenseReferences.widen(Presets.get("tiny").model(), 0.5);
        assertEquals(32, narrow.dim());
        assertTrue(narrow.heads() % narrow.kvHeads() == 0);
        var up = DenseReferences.candidates(Ladder.full().baseline(), true);
        assertTrue(up.stream().allMatch(r -> r.widthScale() >= 1 && r.budgetScale() >= 1 && r.kind() == Rung.Kind.DENSE));
        var down = DenseReferences.candidates(Ladder.full().baseline(), false);
        assertTrue(down.stream().allMatch(r -> r.widthScale() < 1));
    }

    @Test
    void ladderAddsOneTechniqueAtATime() {
        List<Rung> r = Ladder.full().rungs();
        assertEquals(5, r.size());
        assertTrue(r.get(0).preset().model().moe() == null && r.get(0).preset().model().mla() == null);
        assertTrue(r.get(1).preset().model().moe() != null && r.get(1).preset().model().mla() == null);
        assertEquals(r.get(0).preset().model().activeParameterCount(), r.get(1).preset().model().activeParameterCount(),
                0.01 * r.get(0).preset().model().activeParameterCount(), "MoE keeps the active parameters");
        assertTrue(r.get(2).preset().model().moe() != null && r.get(2).preset().model().mla() != null);
        assertEquals(0, r.get(2).mtpDepth());
        assertEquals(1, r.get(3).mtpDepth());
        assertTrue(!r.get(3).fp8() && r.get(4).fp8() && r.get(4).mtpDepth() == 1);
        assertTrue(r.stream().allMatch(x -> x.budgetScale() == 1), "same budget for every rung");
    }

    @Test
    void aWiderReferenceThatLostToTheBaselineRulesOutWiderOnesOnTheSameBudget() {
        var up = DenseReferences.candidates(Ladder.full().baseline(), true); // w1.5 t1, w2 t1, w1.5 t2, w1 t2, w2 t2
        java.util.Map<Rung, Double> tried = new java.util.LinkedHashMap<>();
        org.junit.jupiter.api.Assertions.assertFalse(DenseReferences.futile(up.get(1), tried, 3.0), "nothing tried yet");
        tried.put(up.get(0), 3.1); // w1.5 on the same budget was worse than the baseline's 3.0
        org.junit.jupiter.api.Assertions.assertTrue(DenseReferences.futile(up.get(1), tried, 3.0), "w2 t1: wider on the same budget");
        org.junit.jupiter.api.Assertions.assertFalse(DenseReferences.futile(up.get(2), tried, 3.0), "w1.5 t2: a longer budget");
        org.junit.jupiter.api.Assertions.assertFalse(DenseReferences.futile(up.get(3), tried, 3.0), "w1 t2: longer, not wider");
        tried.put(up.get(0), 2.9); // had it beaten the baseline, widening further is worth a try
        org.junit.jupiter.api.Assertions.assertFalse(DenseReferences.futile(up.get(1), tried, 3.0));
    }
}
