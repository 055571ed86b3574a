package dev.trident.io.hf;

import dev.trident.autograd.Tape;
import dev.trident.io.json.Json;
import dev.trident.io.safetensors.SafetensorsFile;
import dev.trident.kernels.RopePairing;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
import dev.trident.model.ModelFiles;
import dev.trident.model.Transformer;
import dev.trident.nn.MixtureOfExperts;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;
import dev.trident.nn.Parameters.Parameter;
import dev.trident.quant.BFloat16;
import dev.trident.quant.Float16;
import dev.trident.quant.WeightFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Trident -> Hugging Face folder -> Trident: the same weights and bit-identical logits, in every layout. */
class HfRoundTripTest {
    private static final ModelConfig BASE = HfRoundTripTestConfigs.BASE;
    private static final MoeSpec SIGMOID = new MoeSpec(32, 8, 2, 1, 12, 2.5, MoeSpec.Gating.SIGMOID, true, 1e-3, 1e-4);
    private static final MlaSpec MLA = new MlaSpec(32, 4, 24, 16, 8, 4, 6);

    @TempDir
    Path dir;

    static Model model(ModelConfig c, long seed) {
        Transformer t = new Transformer(c, seed);
        Random rng = new Random(seed);
        for (Parameter p : t.params.all())
            for (int i = 0; i < p.tensor().size(); i++) p.tensor().data[i] += (float) (0.2 * rng.nextGaussian());
        for (MixtureOfExperts m : t.moeLayers(true)) // a selection bias for sigmoid routers (DeepSeek), none for softmax (Qwen)
            for (int i = 0; i < m.router.bias.size(); i++)
                m.router.bias.data[i] = m.router.spec.gating() == MoeSpec.Gating.SIGMOID ? (float) (0.05 * rng.nextGaussian()) : 0f;
        return new Model(t, HfTestFiles.tokenizer());
    }

    @Test
    void everyLayoutRoundTripsExactly() throws IOException {
        Object[][] cases = {
                {BASE, HfArchitecture.LLAMA},
                {BASE.withQkNorm(true).withRopePairing(RopePairing.HALVES).withMtpDepth(1), HfArchitecture.QWEN3},
                {BASE.withQkNorm(true).withRopePairing(RopePairing.HALVES)
                        .withMoe(new MoeSpec(32, 6, 2, 0, 16, 1.0, MoeSpec.Gating.SOFTMAX, true, 0, 0), 1), HfArchitecture.QWEN3_MOE},
                {BASE.withMla(MLA).withMoe(SIGMOID.withGroups(4, 2), 1).withMtpDepth(1), HfArchitecture.DEEPSEEK_V3},
                {BASE.withRopeScaling(dev.trident.kernels.RopeScaling.llama3(8, 1, 4, 16)), HfArchitecture.LLAMA},
                {BASE.withMla(MLA).withRopeScaling(dev.trident.kernels.RopeScaling.yarn(40, 8, 32, 1, 1, 1, 0)), HfArchitecture.DEEPSEEK_V3},
                {BASE.withMla(new MlaSpec(32, 4, 0, 16, 8, 4, 10)).withMtpDepth(2), HfArchitecture.DEEPSEEK_V3},
                {BASE.withMoe(SIGMOID, 1).withMtpDepth(1), HfArchitecture.TRIDENT},
                {BASE.withQkNorm(true).withMoe(SIGMOID.withGroups(2, 1), 0).withRopePairing(RopePairing.HALVES), HfArchitecture.TRIDENT},
        };
        for (int i = 0; i < cases.length; i++) {
            ModelConfig c = (ModelConfig) cases[i][0];
            Model m = model(c, 40 + i);
            Path out = dir.resolve("case" + i);
            assertEquals(cases[i][1], HfCheckpoint.save(m, out, WeightFormat.F32), c.toString());
            Model back = HfCheckpoint.load(out);
            assertEquals(c, back.config(), "config of case " + i);
            sameWeights(m, back, "case " + i);
            assertArrayEquals(logits(m), logits(back), "logits of case " + i);
        }
    }

    /** The files are the layout's own: config.json keys, rotate_half q/k rows for Llama, MTP copies for DeepSeek-V3. */
    @Test
    void filesFollowTheLayoutsConventions() throws IOException {
        Model llama = model(BASE, 7);
        HfCheckpoint.save(llama, dir, WeightFormat.F32);
        Map<String, Object> config = Json.asObject(Json.read(dir.resolve("config.json"), 1 << 20), "config");
        assertEquals(List.of("LlamaForCausalLM"), config.get("architectures"));
        assertTrue(!config.containsKey("rope_pairing"), "no Trident key: transformers reads it as a plain Llama");
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            float[] q = f.require("model.layers.0.self_attn.q_proj.weight").toFloats();
            float[] mine = llama.transformer().params.get("model.layers.0.self_attn.q_proj.weight").tensor().data;
            // Row c*4 + i of a head (halves) is Trident's row 2i + c (adjacent): head dim 8, 32 columns.
            for (int head = 0; head < 4; head++)
                for (int c = 0; c < 2; c++)
                    for (int i = 0; i < 4; i++)
                        for (int col = 0; col < 32; col++)
                            assertEquals(mine[(head * 8 + 2 * i + c) * 32 + col], q[(head * 8 + c * 4 + i) * 32 + col]);
        }
        Path ds = dir.resolve("ds");
        Model deepseek = model(BASE.withMla(MLA).withMoe(SIGMOID, 1).withMtpDepth(1), 8);
        HfCheckpoint.save(deepseek, ds, WeightFormat.F32);
        try (SafetensorsFile f = SafetensorsFile.open(ds.resolve("model.safetensors"))) {
            assertArrayEquals(deepseek.transformer().embedding.data, f.require("model.layers.2.embed_tokens.weight").toFloats());
            assertArrayEquals(deepseek.transformer().head.data, f.require("model.layers.2.shared_head.head.weight").toFloats());
        }
        Map<String, Object> dsConfig = Json.asObject(Json.read(ds.resolve("config.json"), 1 << 20), "config");
        assertEquals(List.of("DeepseekV3ForCausalLM"), dsConfig.get("architectures"));
        assertEquals(1L, dsConfig.get("num_nextn_predict_layers"));
        assertEquals(true, dsConfig.get("rope_interleave"));
    }

    /** A model trained with RoPE on halves, saved as Llama and loaded back into adjacent pairs: the same function. */
    @Test
    void halvesModelSavedAsLlamaComesBackAdjacent() {
        Model m = model(BASE.withRopePairing(RopePairing.HALVES), 9);
        assertEquals(HfArchitecture.LLAMA, HfCheckpoint.save(m, dir, WeightFormat.F32));
        Model back = HfCheckpoint.load(dir);
        assertEquals(RopePairing.ADJACENT, back.config().ropePairing());
        float[] a = logits(m), b = logits(back);
        double worst = 0, scale = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(a[i]));
        }
        assertTrue(scale > 0.5 && worst < 1e-5 * scale, "differs by " + worst + " at logit scale " + scale);
    }

    @Test
    void halfPrecisionFormatsRoundEachWeight() {
        Model m = model(BASE.withMla(MLA).withMoe(SIGMOID, 1), 10);
        for (WeightFormat format : List.of(WeightFormat.BF16, WeightFormat.F16)) {
            Path out = dir.resolve(format.name());
            HfCheckpoint.save(m, out, format);
            Model back = HfCheckpoint.load(out);
            for (Parameter p : m.transformer().params.all()) {
                float[] want = p.tensor().data.clone(), got = back.transformer().params.get(p.name()).tensor().data;
                boolean bias = p.name().endsWith("e_score_correction_bias"); // kept fp32
                for (int i = 0; i < want.length; i++)
                    if (!bias) want[i] = format == WeightFormat.BF16 ? BFloat16.decode(BFloat16.encode(want[i])) : Float16.decode(Float16.encodeSaturating(want[i]));
                assertArrayEquals(want, got, p.name() + " in " + format.name());
            }
        }
    }

    @Test
    void shardedSaveLoadsIdentically() throws IOException {
        Model m = model(BASE.withMla(MLA).withMoe(SIGMOID.withGroups(4, 2), 1).withMtpDepth(1), 11);
        HfCheckpoint.save(m, dir, WeightFormat.F32, 40_000);
        try (var ls = Files.list(dir)) {
            long shards = ls.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")).count();
            assertTrue(shards > 3, shards + " shards");
        }
        assertTrue(Files.exists(dir.resolve("model.safetensors.index.json")));
        assertArrayEquals(logits(m), logits(HfCheckpoint.load(dir)));
    }

    /** A folder written by `trident train` (ModelFiles) loads through HfCheckpoint too. */
    @Test
    void tridentModelDirectoryLoads() {
        Model m = model(BASE.withMoe(SIGMOID, 1).withQkNorm(true).withRopePairing(RopePairing.HALVES), 12);
        ModelFiles.saveWeights(dir, m.transformer());
        m.tokenizer().save(dir.resolve("tokenizer.json"));
        Model back = HfCheckpoint.load(dir);
        assertEquals(m.config(), back.config());
        assertArrayEquals(logits(m), logits(back));
        assertArrayEquals(logits(m), logits(Model.load(dir)));
    }

    /**
     * An FP8 folder in Trident's layout loads through HfCheckpoint (scales applied), as Model.load does; ModelFiles'
     * plain reader, which has no scales, refuses it by name.
     */
    @Test
    void fp8TridentFolderNeedsItsScales() {
        Model m = model(BASE.withMoe(SIGMOID, 1), 13);
        assertEquals(HfArchitecture.TRIDENT, HfCheckpoint.save(m, dir, WeightFormat.FP8_BLOCK));
        Model back = HfCheckpoint.load(dir);
        float[] w = m.transformer().params.get("model.layers.1.mlp.experts.2.down_proj.weight").tensor().data;
        assertArrayEquals(WeightFormat.FP8_BLOCK.quantize(w, 32, 12).dequantize(),
                back.transformer().params.get("model.layers.1.mlp.experts.2.down_proj.weight").tensor().data);
        assertArrayEquals(logits(back), logits(Model.load(dir)));
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.trident.TridentException.class,
                () -> ModelFiles.loadWeights(dir.resolve("model.safetensors"), Transformer.unset(back.config())));
        assertTrue(e.getMessage().contains("is FP8; load this folder with HfCheckpoint"), e.getMessage());
    }

    private static void sameWeights(Model a, Model b, String what) {
        assertEquals(a.transformer().params.all().size(), b.transformer().params.all().size(), what);
        for (Parameter p : a.transformer().params.all())
            assertArrayEquals(p.tensor().data, b.transformer().params.get(p.name()).tensor().data, what + ": " + p.name());
    }

    static float[] logits(Model m) {
        int[] tokens = new Random(3).ints(13, 0, m.config().vocabSize()).toArray();
        Tape tape = new Tape();
        tape.setRecording(false);
        return m.transformer().logits(tape, tokens, 1, tokens.length).data.clone();
    }
}
