package dev.trident.quant;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Byte-exact layouts on hand-built blocks, error bounds and round trips for every {@link WeightFormat}. */
class WeightFormatTest {
    static float[] gaussian(SplittableRandom rnd, int n, double sigma) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * sigma);
        return a;
    }

    static byte[] bytes(MemorySegment s, long n) {
        return s.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void sizesMatchGguf() {
        assertEquals(34, WeightFormat.Q8_0.rowBytes(32));
        assertEquals(18, WeightFormat.Q4_0.rowBytes(32));
        assertEquals(144, WeightFormat.Q4_K.rowBytes(256));
        assertEquals(2 * 11008, WeightFormat.F16.rowBytes(11008));
        assertEquals(8, WeightFormat.Q8_0.ggmlType());
        assertEquals(12, WeightFormat.Q4_K.ggmlType());
        assertEquals(WeightFormat.Q4_K, WeightFormat.byName("q4_k"));
        assertEquals(210, WeightFormat.Q6_K.rowBytes(256));
        assertEquals(14, WeightFormat.Q6_K.ggmlType());
        assertEquals(dev.trident.io.gguf.GgmlType.Q6_K.typeSize(), WeightFormat.Q6_K.rowBytes(256));
        assertEquals(WeightFormat.Q6_K, WeightFormat.byName("q6_k"));
        assertEquals(176, WeightFormat.Q5_K.rowBytes(256));
        assertEquals(dev.trident.io.gguf.GgmlType.Q5_K.typeSize(), WeightFormat.Q5_K.rowBytes(256));
        assertEquals(13, WeightFormat.Q5_K.ggmlType());
        assertThrows(IllegalArgumentException.class, () -> WeightFormat.Q8_0.quantize(new float[40], 1, 40));
        assertThrows(IllegalArgumentException.class, () -> WeightFormat.byName("q3_k"));
    }

    @Test
    void q8_0HandBuiltBlock() {
        // amax 127 makes d exactly 1 (fp16 0x3C00) and q = round(x): the bytes are known by hand.
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = i * 8 - 128; // -128 .. 120
        x[0] = 127;
        x[1] = -2.5f; // roundf: away from zero -> -3
        x[2] = 2.5f;
        QuantizedMatrix m = WeightFormat.Q8_0.quantize(x, 1, 32);
        byte[] want = new byte[34];
        want[0] = 0x00;
        want[1] = 0x3C;
        for (int i = 0; i < 32; i++) want[2 + i] = (byte) (i * 8 - 128);
        want[2] = 127;
        want[3] = -3;
        want[4] = 3;
        assertArrayEquals(want, bytes(m.data(), 34));
        float[] back = m.dequantize();
        for (int i = 0; i < 32; i++) assertEquals(want[2 + i], back[i], 0f);
    }

    @Test
    void q4_0HandBuiltBlock() {
        // max = -8 makes d = 1 and q = x + 8: qs[j] = (x[j]+8) | (x[j+16]+8) << 4.
        float[] x = new float[32];
        for (int j = 0; j < 16; j++) {
            x[j] = j - 8;      // -8 .. 7 -> 0 .. 15 in the low nibbles
            x[16 + j] = 7 - j; // 7 .. -8 -> 15 .. 0 in the high nibbles
        }
        QuantizedMatrix m = WeightFormat.Q4_0.quantize(x, 1, 32);
        byte[] want = new byte[18];
        want[1] = 0x3C;
        for (int j = 0; j < 16; j++) want[2 + j] = (byte) (j | (15 - j) << 4);
        assertArrayEquals(want, bytes(m.data(), 18));
        assertArrayEquals(x, m.dequantize());
    }

    @Test
    void q4_0ClampsTheOppositeExtreme() {
        // max is -4 (d = 0.5); +4 would be q = 16, clamped to 15 = +3.5
        float[] x = new float[32];
        x[0] = -4;
        x[1] = 4;
        QuantizedMatrix m = WeightFormat.Q4_0.quantize(x, 1, 32);
        assertEquals(0x3800, m.data().get(Le.SHORT, 0) & 0xFFFF); // fp16 0.5
        float[] back = m.dequantize();
        assertEquals(-4f, back[0]);
        assertEquals(3.5f, back[1]);
    }

    /** Builds a Q4_K block by hand from (sc, m) pairs that use all six bits, and checks dequantize against the formula. */
    @Test
    void q4_KHandBuiltBlockDequantizes() {
        int[] sc = {1, 2, 3, 63, 33, 50, 16, 17};
        int[] mn = {5, 0, 7, 8, 40, 20, 63, 31};
        MemorySegment b = Arena.ofAuto().allocate(144);
        b.set(Le.SHORT, 0, (short) 0x3C00); // d = 1
        b.set(Le.SHORT, 2, (short) 0x3800); // dmin = 0.5
        // the 12 scale bytes, written out byte by byte from the layout in Q4_KFormat's comment
        int[] s = new int[12];
        for (int j = 0; j < 4; j++) {
            s[j] = sc[j] | (sc[j + 4] >> 4) << 6;
            s[j + 4] = mn[j] | (mn[j + 4] >> 4) << 6;
            s[j + 8] = (sc[j + 4] & 15) | (mn[j + 4] & 15) << 4;
        }
        for (int i = 0; i < 12; i++) b.set(ValueLayout.JAVA_BYTE, 4 + i, (byte) s[i]);
        SplittableRandom rnd = new SplittableRandom(3);
        int[] q = new int[256];
        for (int i = 0; i < 256; i++) q[i] = rnd.nextInt(16);
        for (int g = 0; g < 4; g++)
            for (int l = 0; l < 32; l++)
                b.set(ValueLayout.JAVA_BYTE, 16 + 32 * g + l, (byte) (q[64 * g + l] | q[64 * g + 32 + l] << 4));
        for (int j = 0; j < 8; j++) assertEquals(sc[j] | mn[j] << 8, Q4_KFormat.scaleMin(b, 4, j), "sub-block " + j);
        float[] got = QuantizedMatrix.wrap(WeightFormat.Q4_K, 1, 256, b).dequantize();
        for (int i = 0; i < 256; i++) {
            int j = i / 32;
            assertEquals(sc[j] * q[i] - 0.5f * mn[j], got[i], 0f, "element " + i);
        }
        // and quantizing those exact values gives back a block that dequantizes to them within half a step
        QuantizedMatrix again = WeightFormat.Q4_K.quantize(got, 1, 256);
        float[] back = again.dequantize();
        for (int i = 0; i < 256; i++) assertEquals(got[i], back[i], 0.6 * 63 / 15 + 1e-3, "element " + i);
    }

    @Test
    void q4_KQuantizesConstantAndZeroBlocks() {
        float[] zero = new float[256];
        QuantizedMatrix z = WeightFormat.Q4_K.quantize(zero, 1, 256);
        assertArrayEquals(new byte[144], bytes(z.data(), 144));
        float[] c = new float[256];
        java.util.Arrays.fill(c, 0.75f);
        float[] back = WeightFormat.Q4_K.quantize(c, 1, 256).dequantize();
        for (float v : back) assertEquals(0.75f, v, 0.75f * 0.01f);
    }

    @Test
    void errorBoundsOnGaussianWeights() {
        SplittableRandom rnd = new SplittableRandom(11);
        int rows = 131, cols = 512; // rows odd and not a multiple of 128: partial FP8 tiles
        float[] w = gaussian(rnd, rows * cols, 0.02);
        for (int i = 0; i < 50; i++) w[rnd.nextInt(w.length)] *= 20; // outliers
        for (WeightFormat f : WeightFormat.all()) {
            QuantizedMatrix m = f.quantize(w, rows, cols);
            assertEquals((long) rows * f.rowBytes(cols), m.rows() * m.rowBytes());
            float[] back = m.dequantize();
            double se = 0, ss = 0;
            for (int r = 0; r < rows; r++) {
                for (int bc = 0; bc < cols; bc += 32) {
                    float amax = 0;
                    for (int k = 0; k < 32; k++) amax = Math.max(amax, Math.abs(w[r * cols + bc + k]));
                    for (int k = 0; k < 32; k++) {
                        int i = r * cols + bc + k;
                        double err = Math.abs(back[i] - w[i]);
                        se += err * err;
                        ss += (double) w[i] * w[i];
                        double bound = switch (f) {
                            case F32Format x -> 0;
                            case F16Format x -> Math.abs(w[i]) * 0x1p-11 + 0x1p-25;
                            case BF16Format x -> Math.abs(w[i]) * 0x1p-8;
                            case Q8_0Format x -> amax / 127 * 0.57;
                            case Q4_0Format x -> amax / 8 * 1.01;
                            case Q4_KFormat x -> Double.POSITIVE_INFINITY; // per-sub-block fit: checked by RMSE below
                            case Q5_KFormat x -> Double.POSITIVE_INFINITY; // likewise
                            case Q6_KFormat x -> Double.POSITIVE_INFINITY;
                            case Fp8BlockFormat x -> Math.abs(w[i]) * 0x1p-4
                                    + Fp8BlockFormat.scaleInv(m, r, bc) * 0x1p-10 * 1.001;
                        };
                        if (err > bound) fail(f.name() + " element " + i + ": " + w[i] + " -> " + back[i] + " bound " + bound);
                    }
                }
            }
            double rel = Math.sqrt(se / ss);
            double maxRel = switch (f.name()) {
                case "F32" -> 0;
                case "F16" -> 3e-4;
                case "BF16" -> 3e-3;
                case "Q8_0" -> 0.01;
                case "Q4_0" -> 0.15;
                case "Q4_K" -> 0.12;
                case "Q5_K" -> 0.06;
                case "Q6_K" -> 0.03;
                case "FP8_BLOCK" -> 0.06;
                default -> throw new AssertionError(f);
            };
            assertTrue(rel <= maxRel, f.name() + " relative RMSE " + rel + " > " + maxRel);
        }
    }

    @Test
    void quantizeIsIdempotentWhereTheFormatIsExact() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] w = gaussian(rnd, 7 * 256, 1);
        for (WeightFormat f : new WeightFormat[]{WeightFormat.F32, WeightFormat.F16, WeightFormat.BF16, WeightFormat.Q8_0, WeightFormat.FP8_BLOCK}) {
            QuantizedMatrix once = f.quantize(w, 7, 256);
            QuantizedMatrix twice = f.quantize(once.dequantize(), 7, 256);
            assertArrayEquals(once.dequantize(), twice.dequantize(), f.name());
        }
    }

    @Test
    void fp8BlockStoresDeepSeekLayout() {
        int rows = 130, cols = 200;
        float[] w = new float[rows * cols];
        w[0] = 448 * 2;              // tile (0,0): scale_inv 2
        w[129 * cols + 199] = -44.8f; // tile (1,1): scale_inv 0.1
        QuantizedMatrix m = WeightFormat.FP8_BLOCK.quantize(w, rows, cols);
        assertEquals(4 * 2 * 2, m.scales().byteSize());
        assertEquals(2f, m.scales().getAtIndex(Le.FLOAT, 0));
        assertEquals(0f, m.scales().getAtIndex(Le.FLOAT, 1));
        assertEquals(0f, m.scales().getAtIndex(Le.FLOAT, 2));
        assertEquals(44.8f / 448, m.scales().getAtIndex(Le.FLOAT, 3));
        assertEquals(0x7E, m.data().get(ValueLayout.JAVA_BYTE, 0));
        assertEquals((byte) 0xFE, m.data().get(ValueLayout.JAVA_BYTE, 129L * cols + 199));
        float[] back = m.dequantize();
        assertEquals(896f, back[0]);
        assertEquals(-44.8f, back[129 * cols + 199], 1e-5);
    }

    /**
     * Rows longer than Fp8BlockFormat.PANEL are stored in column panels of whole tiles, each row-major; rowMajorCodes
     * gives back the safetensors layout: every code, read there at r * cols + c, is e4m3(w / scale_inv) of its tile.
     */
    @Test
    void fp8BlockLongRowsAreStoredInPanels() {
        assertEquals(4096, Fp8BlockFormat.panelWidth(4096));
        assertEquals(389, Fp8BlockFormat.panelWidth(389));
        assertEquals(29 * 128, Fp8BlockFormat.panelWidth(11008)); // 86 tiles in three panels: 29, 29, 28
        assertEquals(18 * 128, Fp8BlockFormat.panelWidth(4500));  // 36 tiles (the last 20 columns) in two: 18, 18
        int rows = 3, cols = 4500;
        assertEquals(rows * 2304L + 1 * (4500 - 2304) + 6, Fp8BlockFormat.offset(rows, cols, 1, 2310));
        assertEquals(2 * 2304L + 7, Fp8BlockFormat.offset(rows, cols, 2, 7));
        float[] w = new float[rows * cols];
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        QuantizedMatrix m = WeightFormat.FP8_BLOCK.quantize(w, rows, cols);
        MemorySegment rowMajor = Fp8BlockFormat.rowMajorCodes(m);
        assertEquals((long) rows * cols, rowMajor.byteSize());
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) {
                byte want = Fp8E4M3.encode(w[r * cols + c] / Fp8BlockFormat.scaleInv(m, r, c));
                assertEquals(want, rowMajor.get(ValueLayout.JAVA_BYTE, (long) r * cols + c), "row-major (" + r + ", " + c + ")");
                assertEquals(want, m.data().get(ValueLayout.JAVA_BYTE, Fp8BlockFormat.offset(rows, cols, r, c)), "panel (" + r + ", " + c + ")");
            }
    }
}
