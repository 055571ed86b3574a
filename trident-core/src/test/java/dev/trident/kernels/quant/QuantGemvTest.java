package dev.trident.kernels.quant;

import dev.trident.kernels.Reference;
import dev.trident.quant.QuantizedMatrix;
import dev.trident.quant.WeightFormat;
import dev.trident.quant.WeightMatrix;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Every vector kernel against its scalar twin and against dequantize-then-fp32, on odd row counts. */
class QuantGemvTest {
    static float[] gaussian(SplittableRandom rnd, int n, double sigma) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * sigma);
        return a;
    }

    /** |a - e| <= tol * (scale of the dot product: sum |w||x| over the row). */
    static void assertRowsClose(String what, float[] want, float[] got, float[] absDots, double tol) {
        for (int r = 0; r < want.length; r++) {
            double bound = tol * absDots[r] + 1e-6;
            if (Math.abs(want[r] - got[r]) > bound || Float.isNaN(got[r]))
                fail(what + " row " + r + ": want " + want[r] + " got " + got[r] + " (bound " + bound + ")");
        }
    }

    static float[] absDots(float[] w, float[] x, int rows, int cols) {
        float[] s = new float[rows];
        for (int r = 0; r < rows; r++) {
            double a = 0;
            for (int c = 0; c < cols; c++) a += Math.abs((double) w[r * cols + c] * x[c]);
            s[r] = (float) a;
        }
        return s;
    }

    static int[][] shapes() {
        // rows odd, including 1, and fewer or more rows than threads; cols multiples of 256 (Q4_K), one with a tail
        return new int[][]{{1, 256}, {3, 512}, {17, 768}, {129, 256}, {37, 1280}};
    }

    @Test
    void vectorKernelsMatchScalarTwinsAndDequantizedReference() {
        SplittableRandom rnd = new SplittableRandom(1234);
        for (int[] shape : shapes()) {
            int rows = shape[0], cols = shape[1];
            float[] w = gaussian(rnd, rows * cols, 0.05);
            float[] x = gaussian(rnd, cols, 1);
            for (WeightFormat f : WeightFormat.all()) {
                QuantizedMatrix m = f.quantize(w, rows, cols);
                float[] deq = m.dequantize();
                float[] ref = new float[rows], twin = new float[rows], fast = new float[rows];
                Reference.gemv(rows, cols, deq, 0, x, 0, ref, 0);
                QuantGemv.gemvScalar(m, x, twin);
                QuantGemv.gemv(m, x, fast);
                float[] scale = absDots(deq, x, rows, cols);
                String what = f.name() + " " + rows + "x" + cols;
                // FP8-block's twin multiplies bf16(x): at most 2^-9 relative per product away from fp32 x
                assertRowsClose(what + " twin", ref, twin, scale, f == WeightFormat.FP8_BLOCK ? 0x1p-9 : 1e-6);
                assertRowsClose(what + " vector", twin, fast, scale, 1e-5);
            }
        }
    }

    @Test
    void fp8BlockWithPartialTilesAndOddColumns() {
        SplittableRandom rnd = new SplittableRandom(99);
        // the last two have rows longer than a panel (Fp8BlockFormat.PANEL), one ending in a partial tile
        for (int[] shape : new int[][]{{131, 200}, {5, 13}, {1, 1}, {130, 389}, {37, 4500}, {3, 8448}}) {
            int rows = shape[0], cols = shape[1];
            float[] w = gaussian(rnd, rows * cols, 0.1);
            float[] x = gaussian(rnd, cols, 1);
            QuantizedMatrix m = WeightFormat.FP8_BLOCK.quantize(w, rows, cols);
            float[] twin = new float[rows], fast = new float[rows];
            QuantGemv.gemvScalar(m, x, twin);
            QuantGemv.gemv(m, x, fast);
            float[] deq = m.dequantize();
            assertRowsClose("FP8 " + rows + "x" + cols, twin, fast, absDots(deq, x, rows, cols), 1e-5);
            // three activation rows at once (a batched GEMV: panels accumulate into y per activation row)
            int n = 3;
            float[] xs = gaussian(rnd, n * cols, 1), ys = new float[n * rows];
            new Matmul(n, cols, false).input(xs, 0, n, cols).multiply(WeightMatrix.of(m), ys, 0);
            for (int t = 0; t < n; t++) {
                float[] xt = java.util.Arrays.copyOfRange(xs, t * cols, (t + 1) * cols);
                QuantGemv.gemvScalar(m, xt, twin);
                assertRowsClose("FP8 " + rows + "x" + cols + " t=" + t, twin, java.util.Arrays.copyOfRange(ys, t * rows, (t + 1) * rows),
                        absDots(deq, xt, rows, cols), 1e-5);
            }
        }
        for (WeightFormat f : new WeightFormat[]{WeightFormat.F32, WeightFormat.F16, WeightFormat.BF16}) {
            int rows = 7, cols = 45; // tails in the float kernels
            float[] w = gaussian(rnd, rows * cols, 0.1), x = gaussian(rnd, cols, 1);
            QuantizedMatrix m = f.quantize(w, rows, cols);
            float[] twin = new float[rows], fast = new float[rows];
            QuantGemv.gemvScalar(m, x, twin);
            QuantGemv.gemv(m, x, fast);
            assertRowsClose(f.name() + " tail", twin, fast, absDots(m.dequantize(), x, rows, cols), 1e-5);
        }
    }

    @Test
    void f16KernelHandlesSubnormalWeights() {
        int rows = 3, cols = 64;
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (i % 7 - 3) * 0x1p-20f; // subnormal in fp16 (< 2^-14)
        float[] x = new float[cols];
        java.util.Arrays.fill(x, 1f);
        QuantizedMatrix m = WeightFormat.F16.quantize(w, rows, cols);
        float[] twin = new float[rows], fast = new float[rows];
        QuantGemv.gemvScalar(m, x, twin);
        QuantGemv.gemv(m, x, fast);
        for (int r = 0; r < rows; r++) assertEquals(twin[r], fast[r], 1e-12);
    }

    @Test
    void int8PathMatchesItsTwinAndTheFloatPath() {
        SplittableRandom rnd = new SplittableRandom(77);
        for (int[] shape : shapes()) {
            int rows = shape[0], cols = shape[1];
            float[] w = gaussian(rnd, rows * cols, 0.05);
            float[] x = gaussian(rnd, cols, 1);
            for (WeightFormat f : new WeightFormat[]{WeightFormat.Q8_0, WeightFormat.Q4_0, WeightFormat.Q4_K}) {
                QuantizedMatrix m = f.quantize(w, rows, cols);
                float[] deq = m.dequantize();
                float[] floatPath = new float[rows], twin = new float[rows], fast = new float[rows];
                QuantGemv.gemvScalar(m, x, floatPath);
                QuantGemv.gemvInt8Scalar(m, x, twin);
                QuantGemv.gemvInt8(m, x, fast);
                float[] scale = absDots(deq, x, rows, cols);
                String what = f.name() + " int8 " + rows + "x" + cols;
                assertRowsClose(what + " vector vs twin", twin, fast, scale, 1e-5);
                // activation rounding: at most half a step (max|x_block| / 254) per element
                assertRowsClose(what + " vs float path", floatPath, twin, scale, 0.02);
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> QuantGemv.gemvInt8(WeightFormat.F16.quantize(new float[32], 1, 32), new float[32], new float[1]));
    }

    /** Q8_0 / Q4_0 rows longer than Matmul.LONG_ROW take int8 activations unasked; shorter ones, and Q4_K, keep fp32. */
    /** Q4_K rows at and past Matmul.LONG_ROW (which keep fp32 activations, unlike Q8_0 and Q4_0) held to the scalar twin. */
    @Test
    void longQ4_KRowsMatchTheScalarTwin() {
        SplittableRandom rnd = new SplittableRandom(79);
        int rows = 7;
        for (int cols : new int[]{Matmul.LONG_ROW, Matmul.LONG_ROW + 512}) {
            float[] w = gaussian(rnd, rows * cols, 0.05), x = gaussian(rnd, cols, 1);
            QuantizedMatrix m = WeightFormat.Q4_K.quantize(w, rows, cols);
            float[] twin = new float[rows], fast = new float[rows];
            QuantGemv.gemvScalar(m, x, twin);
            QuantGemv.rows(m, new Activations(1, cols).set(x, 0, 1, cols), false, fast, 0, 0, rows);
            assertRowsClose("Q4_K " + rows + "x" + cols, twin, fast, absDots(m.dequantize(), x, rows, cols), 1e-5);
        }
    }

    @Test
    void longRowsTakeInt8ActivationsExceptQ4_K() {
        SplittableRandom rnd = new SplittableRandom(78);
        for (int cols : new int[]{Matmul.LONG_ROW, Matmul.LONG_ROW + 256}) {
            int rows = 5;
            float[] w = gaussian(rnd, rows * cols, 0.05), x = gaussian(rnd, cols, 1);
            for (WeightFormat f : new WeightFormat[]{WeightFormat.Q8_0, WeightFormat.Q4_0, WeightFormat.Q4_K}) {
                WeightMatrix m = WeightMatrix.of(f.quantize(w, rows, cols));
                float[] plain = new float[rows], asFloat = new float[rows], asInt8 = new float[rows];
                new Matmul(1, cols, false).input(x, 0, 1, cols).multiply(m, plain, 0);
                new Matmul(1, cols, true).input(x, 0, 1, cols).multiply(m, asInt8, 0);
                QuantGemv.rows(((WeightMatrix.Quantized) m).matrix(), new Activations(1, cols).set(x, 0, 1, cols), false, asFloat, 0, 0, rows);
                boolean int8 = cols > Matmul.LONG_ROW && f != WeightFormat.Q4_K;
                String what = f.name() + " " + cols + " columns";
                assertArrayEquals(int8 ? asInt8 : asFloat, plain, what);
                assertFalse(java.util.Arrays.equals(asInt8, asFloat), what + ": the two paths must differ for the check to mean anything");
            }
        }
    }

    /** The vector int8 quantization of activations gives the scalar definition's codes and scales exactly. */
    @Test
    void activationQuantizationMatchesItsScalarDefinition() {
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 3, cols = 96;
        float[] x = gaussian(rnd, n * cols, 2);
        x[5] = 0; x[40] = -0f; x[70] = 1e-30f;
        java.util.Arrays.fill(x, 32, 64, 0f); // an all-zero block: scale 0, codes 0
        for (int i = 100; i < 128; i++) x[i] = (i % 2 == 0 ? 1 : -1) * 127.5f / 127f * (i - 99); // ties after scaling
        Activations fast = new Activations(n, cols).set(x, 0, n, cols);
        fast.needInt8();
        Activations twin = QuantGemv.quantizeScalar(x, n, cols);
        assertArrayEquals(twin.q, fast.q);
        assertArrayEquals(twin.d, fast.d);
        assertArrayEquals(twin.qsum, fast.qsum);
    }

    /**
     * A few token rows at once (speculative verification, continuous batching): every row of the result equals the
     * one-row kernel's, for every format, int8 on and off, on odd row counts (and, for the formats without blocks,
     * a column count that leaves both vector tails and a scalar one).
     */
    @Test
    void batchedRowsMatchOneRowAtATime() {
        SplittableRandom rnd = new SplittableRandom(55);
        for (int[] shape : new int[][]{{37, 256}, {5, 512}, {9, 275}}) {
            int rows = shape[0], cols = shape[1];
            float[] w = gaussian(rnd, rows * cols, 0.05);
            for (int n : new int[]{2, 5, 8}) {
                float[] x = gaussian(rnd, n * cols + 7, 1);
                for (WeightFormat f : WeightFormat.all()) {
                    if (cols % f.blockSize() != 0) continue;
                    QuantizedMatrix m = f.quantize(w, rows, cols);
                    for (boolean int8 : new boolean[]{false, true}) {
                        if (int8 && !QuantGemv.hasInt8Path(f)) continue;
                        float[] all = new float[n * rows + 3];
                        new Matmul(8, cols, int8).input(x, 7, n, cols).multiply(WeightMatrix.of(m), all, 3);
                        Matmul one = new Matmul(1, cols, int8);
                        for (int t = 0; t < n; t++) {
                            float[] y = new float[rows];
                            one.input(x, 7 + t * cols, 1, cols).multiply(WeightMatrix.of(m), y, 0);
                            for (int r = 0; r < rows; r++)
                                assertEquals(y[r], all[3 + t * rows + r], 0f, f.name() + (int8 ? " int8" : "") + " n=" + n + " t=" + t + " r=" + r);
                        }
                    }
                }
            }
        }
    }

    /**
     * The fused form (q, k, v in one hand-off, rows of all three split over the pool) gives every output exactly as
     * three separate products do, for fp32 and every quantized format, with and without int8 activations; with two
     * workers the 300 + 77 + 45 rows split inside the first matrix and the second chunk spans all three.
     */
    @Test
    void fusedProductsMatchSeparateOnes() {
        SplittableRandom rnd = new SplittableRandom(57);
        int cols = 256;
        int[] rows = {300, 77, 45};
        float[][] w = new float[3][];
        for (int i = 0; i < 3; i++) w[i] = gaussian(rnd, rows[i] * cols, 0.05);
        for (int n : new int[]{1, 3, 8}) {
            float[] x = gaussian(rnd, n * cols, 1);
            for (WeightFormat f : WeightFormat.all()) {
                WeightMatrix[] m = new WeightMatrix[3];
                for (int i = 0; i < 3; i++) m[i] = WeightMatrix.of(w[i], rows[i], cols, f); // F32: the fp32 array itself
                for (boolean int8 : new boolean[]{false, true}) {
                    if (int8 && !QuantGemv.hasInt8Path(f)) continue;
                    float[][] fused = new float[3][], alone = new float[3][];
                    for (int i = 0; i < 3; i++) {
                        fused[i] = new float[n * rows[i]];
                        alone[i] = new float[n * rows[i]];
                    }
                    Matmul mm = new Matmul(8, cols, int8).input(x, 0, n, cols);
                    mm.multiply(m[0], fused[0], m[1], fused[1], m[2], fused[2]);
                    for (int i = 0; i < 3; i++) mm.multiply(m[i], alone[i], 0);
                    for (int i = 0; i < 3; i++)
                        assertArrayEquals(alone[i], fused[i], 0f, f.name() + (int8 ? " int8" : "") + " n=" + n + " matrix " + i);
                }
            }
        }
    }

    /**
     * Decode (one activation row) runs four or eight weight rows per pass; each row must come out exactly as when computed on
     * its own, whatever row a range starts at, with the leftover rows of a range taken one at a time.
     */
    @Test
    void multiRowPassesMatchOneRowAtATime() {
        SplittableRandom rnd = new SplittableRandom(77);
        int rows = 135, cols = 512;
        float[] w = gaussian(rnd, rows * cols, 0.05), x = gaussian(rnd, cols, 1);
        for (WeightFormat f : WeightFormat.all()) {
            QuantizedMatrix m = f.quantize(w, rows, cols);
            for (boolean int8 : new boolean[]{false, true}) {
                if (int8 && !QuantGemv.hasInt8Path(f)) continue;
                Activations a = new Activations(1, cols).set(x, 0, 1, cols);
                float[] single = new float[rows];
                for (int r = 0; r < rows; r++) QuantGemv.rows(m, a, int8, single, 0, r, r + 1);
                for (int from = 0; from < 8; from++) {
                    float[] y = new float[rows];
                    QuantGemv.rows(m, a, int8, y, 0, from, rows - 1);
                    for (int r = from; r < rows - 1; r++)
                        assertEquals(single[r], y[r], 0f, f.name() + (int8 ? " int8" : "") + " from=" + from + " r=" + r);
                }
            }
        }
    }

    /**
     * The vectorized dequantization gives the formats' scalar definitions exactly: whole rows, and column ranges
     * (the prefill GEMM's panels) at any offset.
     */
    @Test
    void vectorDequantizationMatchesTheScalarDefinition() {
        SplittableRandom rnd = new SplittableRandom(8);
        for (int[] shape : new int[][]{{3, 256}, {9, 512}, {3, 8448}}) { // 8448: 33 super-blocks, 66 FP8 tiles
            int rows = shape[0], cols = shape[1];
            float[] w = gaussian(rnd, rows * cols, 0.3);
            for (WeightFormat f : WeightFormat.all()) {
                QuantizedMatrix m = f.quantize(w, rows, cols);
                float[] row = new float[cols], got = new float[cols + 7];
                for (int r = 0; r < rows; r++) {
                    m.dequantizeRow(r, row, 0);
                    for (int trial = 0; trial < 9; trial++) {
                        // the whole row, then ranges on 256-column boundaries (every vector form's blocks) or anywhere
                        int unit = trial % 2 == 0 ? 256 : 1;
                        int c0 = trial == 0 ? 0 : rnd.nextInt(cols / unit) * unit;
                        int n = trial == 0 ? cols : rnd.nextInt((cols - c0) / unit + 1) * unit;
                        java.util.Arrays.fill(got, Float.NaN);
                        if (trial == 0) Dequantize.row(m, r, got, 7);
                        else Dequantize.range(m, r, c0, n, got, 7);
                        assertArrayEquals(java.util.Arrays.copyOfRange(row, c0, c0 + n), java.util.Arrays.copyOfRange(got, 7, 7 + n),
                                f.name() + " " + rows + " x " + cols + " row " + r + " columns " + c0 + " + " + n);
                        assertTrue(Float.isNaN(got[6]) && (7 + n == got.length || Float.isNaN(got[7 + n])), f.name() + ": wrote outside its range");
                    }
                }
                assertThrows(IndexOutOfBoundsException.class, () -> Dequantize.range(m, 0, cols - 255, 256, new float[cols], 0), f.name());
            }
        }
    }

    /**
     * The prefill GEMM that decodes W into its packed panels gives the product of the dequantized fp32 W bit for
     * bit: W rows not a multiple of a panel, columns in two KC blocks (1024 + 256).
     */
    @Test
    void prefillDecodingIntoPanelsEqualsTheDequantizedProduct() {
        SplittableRandom rnd = new SplittableRandom(22);
        int n = 37, rows = 70, cols = 1280;
        float[] w = gaussian(rnd, rows * cols, 0.05), x = gaussian(rnd, n * cols, 1);
        for (WeightFormat f : WeightFormat.all()) {
            QuantizedMatrix m = f.quantize(w, rows, cols);
            float[] deq = new float[rows * cols];
            for (int r = 0; r < rows; r++) Dequantize.row(m, r, deq, r * cols);
            float[] want = new float[n * rows], got = new float[n * rows];
            dev.trident.kernels.Gemm.sgemm(false, true, n, rows, cols, x, 0, cols, deq, 0, cols, 0f, want, 0, rows);
            new Matmul(n, cols, false).input(x, 0, n, cols).multiply(WeightMatrix.of(m), got, 0);
            assertArrayEquals(want, got, f.name());
        }
    }

    @Test
    void smallGemmMatchesPerTokenGemv() {
        SplittableRandom rnd = new SplittableRandom(5);
        int rows = 133, cols = 512;
        float[] w = gaussian(rnd, rows * cols, 0.05);
        for (int n : new int[]{1, 3, 8, 9, 70}) {
            float[] x = gaussian(rnd, n * cols, 1);
            for (WeightFormat f : WeightFormat.all()) {
                QuantizedMatrix m = f.quantize(w, rows, cols);
                float[] want = new float[n * rows], got = new float[n * rows];
                QuantGemm.gemmScalar(m, x, n, want);
                QuantGemm.gemm(m, x, n, got);
                float[] deq = m.dequantize();
                for (int t = 0; t < n; t++) {
                    float[] xt = java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols);
                    float[] scale = absDots(deq, xt, rows, cols);
                    assertRowsClose(f.name() + " gemm n=" + n + " t=" + t,
                            java.util.Arrays.copyOfRange(want, t * rows, (t + 1) * rows),
                            java.util.Arrays.copyOfRange(got, t * rows, (t + 1) * rows), scale, 1e-5);
                }
            }
        }
    }
}
