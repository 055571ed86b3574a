package dev.trident.io.hf;

import dev.trident.TridentException;
import dev.trident.io.json.Json;
import dev.trident.io.safetensors.SafetensorsDType;
import dev.trident.io.safetensors.SafetensorsFile;
import dev.trident.io.safetensors.SafetensorsWriter;
import dev.trident.model.Model;
import dev.trident.nn.Parameters.Parameter;
import dev.trident.quant.BFloat16;
import dev.trident.quant.WeightFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DeepSeek-V3's FP8 weights: weight_scale_inv dequantization on a hand-built block grid, and FP8 saving. */
class Fp8BlockScalesTest {
    @TempDir
    Path dir;

    /**
     * A 130 x 260 E4M3 weight with 128 x 128 blocks: a 2 x 3 scale grid whose edge blocks are partial. A few codes
     * are set by hand; each dequantizes to code value x the scale of its block:
     * <pre>
     *   (0, 0)     0x38 =  1.0       x S[0][0] = 0.5   =  0.5
     *   (127, 127) 0x40 =  2.0       x S[0][0] = 0.5   =  1.0
     *   (127, 128) 0xB8 = -1.0       x S[0][1] = 3     = -3.0
     *   (5, 256)   0x3C =  1.5       x S[0][2] = 2     =  3.0
     *   (128, 0)   0x7E =  448 (max) x S[1][0] = 0.25  = 112
     *   (129, 259) 0x01 =  2^-9      x S[1][2] = 1024  =  2.0
     * </pre>
     * and every other code is 0x00 = 0.
     */
    @Test
    void dequantizesAHandBuiltBlockGrid() {
        int rows = 130, cols = 260;
        byte[] q = new byte[rows * cols];
        int[][] at = {{0, 0}, {127, 127}, {127, 128}, {5, 256}, {128, 0}, {129, 259}};
        int[] codes = {0x38, 0x40, 0xB8, 0x3C, 0x7E, 0x01};
        float[] want = {0.5f, 1f, -3f, 3f, 112f, 2f};
        for (int i = 0; i < at.length; i++) q[at[i][0] * cols + at[i][1]] = (byte) codes[i];
        float[] scales = {0.5f, 3f, 2f, 0.25f, 7f, 1024f};
        Path f = dir.resolve("w.safetensors");
        SafetensorsWriter.write(f, List.of(
                SafetensorsWriter.raw("w.weight", SafetensorsDType.F8_E4M3, new long[]{rows, cols}, MemorySegment.ofArray(q)),
                SafetensorsWriter.raw("w.weight_scale_inv", SafetensorsDType.F32, new long[]{2, 3}, MemorySegment.ofArray(scales)),
                SafetensorsWriter.raw("bad_scale_inv", SafetensorsDType.F32, new long[]{3, 2}, MemorySegment.ofArray(scales))), null);
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            float[] w = new float[rows * cols];
            Fp8BlockScales.dequantize(s.require("w.weight"), s.require("w.weight_scale_inv"), new int[]{128, 128}, w);
            float[] expected = new float[rows * cols];
            for (int i = 0; i < at.length; i++) expected[at[i][0] * cols + at[i][1]] = want[i];
            assertArrayEquals(expected, w);

            var e = assertThrows(TridentException.class,
                    () -> Fp8BlockScales.dequantize(s.require("w.weight"), s.require("bad_scale_inv"), new int[]{128, 128}, new float[rows * cols]));
            assertTrue(e.getMessage().startsWith(f + ": tensor 'bad_scale_inv' has shape [3, 2] but a [130, 260] weight in 128x128 blocks needs [2, 3]"),
                    e.getMessage());
        }
    }

    /** Without weight_block_size, one scale for the whole tensor. */
    @Test
    void perTensorScale() {
        byte[] q = {0x38, 0x40, (byte) 0xB8, 0x00, 0x3C, 0x7E};
        Path f = dir.resolve("t.safetensors");
        SafetensorsWriter.write(f, List.of(
                SafetensorsWriter.raw("w", SafetensorsDType.F8_E4M3, new long[]{2, 3}, MemorySegment.ofArray(q)),
                SafetensorsWriter.floats("s", new int[]{1}, new float[]{0.5f}, SafetensorsDType.F32)), null);
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            float[] w = new float[6];
            Fp8BlockScales.dequantize(s.require("w"), s.require("s"), null, w);
            assertArrayEquals(new float[]{0.5f, 1f, -0.5f, 0f, 0.75f, 224f}, w);
        }
    }

    /**
     * Saving with FP8_BLOCK writes DeepSeek-V3's layout: the block matrices as E4M3 + weight_scale_inv (the router,
     * embedding, head, norms and MTP projection in BF16, the selection bias in fp32), and loading gives back exactly
     * what the FP8-block format dequantizes to.
     */
    @Test
    void savesAndReloadsDeepSeekFp8() {
        Model m = HfRoundTripTest.model(HfRoundTripTestConfigs.DEEPSEEK, 21);
        assertEquals(HfArchitecture.DEEPSEEK_V3, HfCheckpoint.save(m, dir, WeightFormat.FP8_BLOCK));
        Map<String, Object> config = Json.asObject(Json.read(dir.resolve("config.json"), 1 << 20), "config");
        Map<String, Object> quant = Json.asObject(config.get("quantization_config"), "quantization_config");
        assertEquals("fp8", quant.get("quant_method"));
        assertEquals(List.of(128L, 128L), quant.get("weight_block_size"));
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertEquals(SafetensorsDType.F8_E4M3, f.require("model.layers.1.mlp.experts.3.up_proj.weight").dtype());
            assertEquals(SafetensorsDType.F32, f.require("model.layers.1.mlp.experts.3.up_proj.weight_scale_inv").dtype());
            assertArrayEquals(new long[]{1, 1}, f.require("model.layers.1.mlp.experts.3.up_proj.weight_scale_inv").shape());
            assertEquals(SafetensorsDType.BF16, f.require("model.layers.1.mlp.gate.weight").dtype());
            assertEquals(SafetensorsDType.F32, f.require("model.layers.1.mlp.gate.e_score_correction_bias").dtype());
            assertEquals(SafetensorsDType.BF16, f.require("model.layers.2.eh_proj.weight").dtype());
            assertEquals(SafetensorsDType.F8_E4M3, f.require("model.layers.2.self_attn.kv_b_proj.weight").dtype());
        }
        Model back = HfCheckpoint.load(dir);
        for (Parameter p : m.transformer().params.all()) {
            float[] w = p.tensor().data;
            int[] shape = p.tensor().shape();
            float[] want;
            if (HfWeights.quantizable(p.name(), shape)) {
                want = WeightFormat.FP8_BLOCK.quantize(w, shape[0], shape[1]).dequantize();
            } else if (p.name().endsWith("e_score_correction_bias")) {
                want = w;
            } else {
                want = w.clone();
                for (int i = 0; i < want.length; i++) want[i] = BFloat16.decode(BFloat16.encode(want[i]));
            }
            assertArrayEquals(want, back.transformer().params.get(p.name()).tensor().data, p.name());
        }
    }
}
