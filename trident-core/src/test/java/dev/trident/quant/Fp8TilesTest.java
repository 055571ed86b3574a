package dev.trident.quant;

import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Fp8TilesTest {
    private static float[] random(Random rng, int n, double spread) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rng.nextGaussian() * Math.exp(spread * rng.nextGaussian()));
        return x;
    }

    @Test
    void fusedRoundTripEqualsEncodeThenDecodeOnEveryTieAndItsNeighbours() {
        // All 65,536 top halves of a float (sign, exponent, 7 significand bits: every E4M3 grid point, tie and the
        // saturation and subnormal ranges) with low halves 0 (exact ties), 1 and 0xFFFF (one ulp off) and a random one.
        Random rng = new Random(11);
        for (int hi = 0; hi < 0x10000; hi++)
            for (int lo : new int[]{0, 1, 0xFFFF, rng.nextInt(0x10000)}) {
                float x = Float.intBitsToFloat(hi << 16 | lo);
                assertEquals(Float.floatToIntBits(Fp8E4M3.decode(Fp8E4M3.encode(x))), Float.floatToIntBits(Fp8E4M3.roundTrip(x)),
                        () -> "x = " + x + " (0x" + Integer.toHexString(Float.floatToRawIntBits(x)) + ")");
            }
    }

    @Test
    void vectorTileRoundTripIsBitIdenticalToItsScalarTwinViaBytes() {
        Random rng = new Random(12);
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
                -Float.MIN_VALUE, 0x1p-9f, 0x1.8p-9f, -0x1p-10f, 0x1p-6f, 447.9f, 448f, 464f, -465f, 1e30f, Float.MAX_VALUE};
        for (int n : new int[]{1, 7, 16, 17, 127, 128, 129, 301}) {
            float[] src = random(rng, n, 4);
            for (int k = 0; k < n / 3; k++) src[rng.nextInt(n)] = special[rng.nextInt(special.length)];
            for (float amax : new float[]{1f, 448f, 3.5e-3f, 0f, Float.NaN, 1e-40f, 7e4f}) {
                float[] fused = new float[n + 3], twin = new float[n + 3];
                Fp8Tiles.rowTiles(src, 0, 1, n, fused, 3, new byte[Fp8Tiles.TILE]); // amax from the data
                Fp8Tiles.roundTripViaBytes(src, 0, Math.min(n, Fp8Tiles.TILE), amaxOf(src, Math.min(n, Fp8Tiles.TILE)), twin, 3);
                for (int i = 0; i < Math.min(n, Fp8Tiles.TILE); i++)
                    assertEquals(Float.floatToIntBits(twin[3 + i]), Float.floatToIntBits(fused[3 + i]), "n=" + n + " i=" + i);
                // A given scale (any amax, so values beyond 448 after scaling saturate, tiny ones go subnormal).
                float s = amax > 0 && Float.isFinite(amax) ? amax / Fp8E4M3.MAX : 1f;
                Fp8E4M3.scaledRoundTrip(src, 0, 1 / s, s, fused, 1, n);
                Fp8Tiles.roundTripViaBytes(src, 0, n, amax, twin, 1);
                for (int i = 0; i < n; i++)
                    assertEquals(Float.floatToIntBits(twin[1 + i]), Float.floatToIntBits(fused[1 + i]), "n=" + n + " amax=" + amax + " i=" + i);
            }
        }
    }

    private static float amaxOf(float[] x, int n) {
        float a = 0;
        for (int i = 0; i < n; i++) a = Math.max(a, Math.abs(x[i]));
        return a;
    }

    @Test
    void eachTileKeepsItsAmaxExactlyAndEveryValueWithinE4m3Precision() {
        Random rng = new Random(3);
        int rows = 7, cols = 300; // 300 = two full tiles and a partial one
        float[] x = random(rng, rows * cols, 1.0), q = new float[x.length];
        Fp8Tiles.rowTiles(x, rows, cols, q, new byte[128]);
        for (int r = 0; r < rows; r++)
            for (int c0 = 0; c0 < cols; c0 += 128) {
                int n = Math.min(128, cols - c0);
                float amax = 0;
                int arg = 0;
                for (int i = 0; i < n; i++) if (Math.abs(x[r * cols + c0 + i]) > amax) { amax = Math.abs(x[r * cols + c0 + i]); arg = i; }
                assertEquals(x[r * cols + c0 + arg], q[r * cols + c0 + arg], amax * 1e-6f, "amax maps to 448 exactly");
                float scale = amax / 448;
                for (int i = 0; i < n; i++) {
                    float v = x[r * cols + c0 + i], err = Math.abs(q[r * cols + c0 + i] - v);
                    // 3 mantissa bits: half an ulp is 2^-4 relative for normals; subnormals step by 2^-9 * scale
                    assertTrue(err <= Math.max(Math.abs(v) / 16, scale * 0x1p-10f) * 1.0001f, "value " + v + " -> " + q[r * cols + c0 + i]);
                }
            }
    }

    @Test
    void blockAndColumnTilesScalePerTheirOwnTile() {
        Random rng = new Random(4);
        int rows = 200, cols = 130;
        float[] w = random(rng, rows * cols, 0.5);
        w[5] = 1000f; // one outlier only affects the block (0..127, 0..127)
        float[] q = new float[w.length], qc = new float[w.length];
        Fp8Tiles.blocks(w, rows, cols, q, new byte[128]);
        Fp8Tiles.columnTiles(w, rows, cols, qc);
        // In block (128.., 128..) far from the outlier, precision is unaffected.
        int at = 150 * cols + 129;
        assertTrue(Math.abs(q[at] - w[at]) <= Math.abs(w[at]) / 16 + 1e-6, "block tile independent of the outlier");
        // Column 5, rows 0..127 share the outlier's scale; rows 128.. do not.
        assertEquals(1000f, qc[5], 1e-3f);
        int below = 140 * cols + 5;
        assertTrue(Math.abs(qc[below] - w[below]) <= Math.abs(w[below]) / 16 + 1e-6);
    }

    @Test
    void fp8LinearTracksTheFp32LinearAndItsGradients() {
        Random rng = new Random(5);
        int n = 37, in = 150, out = 70;
        Tensor x = new Tensor(random(rng, n * in, 0.3), true, n, in), w = new Tensor(random(rng, out * in, 0.3), true, out, in);
        float[][] exact = run(x, w, false), fp8 = run(x, w, true);
        for (int k = 0; k < 3; k++) {
            double num = 0, den = 0;
            for (int i = 0; i < exact[k].length; i++) {
                num += Math.pow(exact[k][i] - fp8[k][i], 2);
                den += Math.pow(exact[k][i], 2);
            }
            double rel = Math.sqrt(num / den);
 // E4M3 rounds each operand by up to 2^-4 (about 2-3% rms), and each product has two rounded operands
            assertTrue(rel < 0.08, "relative error of " + new String[]{"y", "dx", "dW"}[k] + ": " + rel);
            assertTrue(rel > 1e-4, "FP8 mode must actually round (" + k + ")");
        }
    }

    private static float[][] run(Tensor x, Tensor w, boolean fp8) {
        x.grad = null;
        w.grad = null;
        Tape tape = new Tape();
        tape.setFp8(fp8);
        Tensor y = Ops.linear(tape, x, w);
        float[] yv = java.util.Arrays.copyOf(y.data, y.size());
        // A random projection of y as the loss, so dY is a dense, typical gradient.
        Tensor loss = Ops.crossEntropy(tape, Ops.linearExact(tape, y, new Tensor(random(new Random(9), 5 * y.cols(), 0.3), false, 5, y.cols())), new int[x.rows()]);
        tape.backward(loss);
        float[][] r = {yv, x.grad.clone(), w.grad.clone()};
        tape.reset();
        return r;
    }

    /** The column-strided definition the row-major columnTiles must reproduce bit for bit. */
    private static float[] columnTilesTwin(float[] src, int rows, int cols) {
        float[] dst = new float[src.length];
        for (int r0 = 0; r0 < rows; r0 += 128) {
            int n = Math.min(128, rows - r0);
            for (int c = 0; c < cols; c++) {
                float amax = 0;
                for (int i = 0; i < n; i++) amax = Math.max(amax, Math.abs(src[(r0 + i) * cols + c]));
                float scale = amax > 0 && Float.isFinite(amax) ? amax / Fp8E4M3.MAX : 1f; // NaN/inf tile: scale 1
                for (int i = 0; i < n; i++) {
                    int at = (r0 + i) * cols + c;
                    dst[at] = Fp8E4M3.decode(Fp8E4M3.encode(src[at] / scale)) * scale;
                }
            }
        }
        return dst;
    }

    @Test
    void columnTilesMatchTheirColumnByColumnTwinOnOddShapes() {
        Random rng = new Random(6);
        for (int[] shape : new int[][]{{1, 1}, {127, 3}, {129, 37}, {300, 129}, {257, 5}}) {
            int rows = shape[0], cols = shape[1];
            float[] x = random(rng, rows * cols, 1.0), q = new float[x.length];
            if (cols > 2) x[cols + 2] = 0f; // a zero somewhere; and a column of zeros below
            for (int r = 0; r < rows && cols > 1; r++) x[r * cols + 1] = 0f;
            if (rows * cols > 1000) { // special values: a NaN and an infinity poison their tiles' scales; subnormals, huge
                x[3 * cols] = Float.NaN;
                x[7 * cols + 4] = Float.NEGATIVE_INFINITY;
                x[9 * cols + 2] = Float.MIN_VALUE;
                x[11 * cols + 3] = -3e38f;
            }
            Fp8Tiles.columnTiles(x, rows, cols, q);
            org.junit.jupiter.api.Assertions.assertArrayEquals(columnTilesTwin(x, rows, cols), q, rows + "x" + cols);
        }
    }

    /**
     * Two FP8 Linears in a chain share the tape's scratch slots (rounded operands are not kept for backward): every
     * gradient must still equal the recipe written out with scalar GEMMs.
     */
    @Test
    void chainedFp8LinearsGiveTheRecipesGradientsDespiteSharedScratch() {
        Random rng = new Random(8);
        int n = 131, in = 45, mid = 70, out = 29;
        Tensor x = new Tensor(random(rng, n * in, 0.3), true, n, in);
        Tensor w1 = new Tensor(random(rng, mid * in, 0.3), true, mid, in), w2 = new Tensor(random(rng, out * mid, 0.3), true, out, mid);
        float[] r = random(rng, n * out, 0.3);
        Tape tape = new Tape();
        tape.setFp8(true);
        Tensor h = Ops.linear(tape, x, w1), y = Ops.linear(tape, h, w2);
        // loss = sum(r * y): dY = r
        Tensor loss = tape.tensor(1);
        tape.record(() -> {
            float[] g = tape.grad(y);
            for (int i = 0; i < r.length; i++) g[i] += r[i] * loss.grad[0];
        });
        float[] hv = java.util.Arrays.copyOf(h.data, h.size()), yv = java.util.Arrays.copyOf(y.data, y.size());
        tape.backward(loss);

        byte[] sc = new byte[128];
        float[] xq = new float[n * in], w1q = new float[mid * in], hq = new float[n * mid], w2q = new float[out * mid];
        Fp8Tiles.rowTiles(x.data, n, in, xq, sc);
        Fp8Tiles.blocks(w1.data, mid, in, w1q, sc);
        float[] hRef = matmulT(xq, w1q, n, in, mid);
        assertClose(hRef, hv, "h");
        Fp8Tiles.rowTiles(hv, n, mid, hq, sc);
        Fp8Tiles.blocks(w2.data, out, mid, w2q, sc);
        assertClose(matmulT(hq, w2q, n, mid, out), yv, "y");
        // dH = q(dY) q(W2); dW2 = q_col(dY)^T q_col(H); dX = q(dH) q(W1); dW1 = q_col(dH)^T q_col(X)
        float[] dyq = new float[r.length];
        Fp8Tiles.rowTiles(r, n, out, dyq, sc);
        float[] dh = matmul(dyq, w2q, n, out, mid);
        assertClose(dh, h.grad, "dH");
        assertClose(matmulTN(columnTilesTwin(r, n, out), columnTilesTwin(hv, n, mid), n, out, mid), w2.grad, "dW2");
        float[] dhq = new float[dh.length];
        Fp8Tiles.rowTiles(h.grad, n, mid, dhq, sc);
        assertClose(matmul(dhq, w1q, n, mid, in), x.grad, "dX");
        assertClose(matmulTN(columnTilesTwin(h.grad, n, mid), columnTilesTwin(x.data, n, in), n, mid, in), w1.grad, "dW1");
    }

    /** a [n, k] times b [m, k]^T. */
    private static float[] matmulT(float[] a, float[] b, int n, int k, int m) {
        float[] c = new float[n * m];
        for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) {
            double s = 0;
            for (int t = 0; t < k; t++) s += (double) a[i * k + t] * b[j * k + t];
            c[i * m + j] = (float) s;
        }
        return c;
    }

    /** a [n, k] times b [k, m]. */
    private static float[] matmul(float[] a, float[] b, int n, int k, int m) {
        float[] c = new float[n * m];
        for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) {
            double s = 0;
            for (int t = 0; t < k; t++) s += (double) a[i * k + t] * b[t * m + j];
            c[i * m + j] = (float) s;
        }
        return c;
    }

    /** a [n, p]^T times b [n, q] -> [p, q]. */
    private static float[] matmulTN(float[] a, float[] b, int n, int p, int q) {
        float[] c = new float[p * q];
        for (int i = 0; i < p; i++) for (int j = 0; j < q; j++) {
            double s = 0;
            for (int t = 0; t < n; t++) s += (double) a[t * p + i] * b[t * q + j];
            c[i * q + j] = (float) s;
        }
        return c;
    }

    private static void assertClose(float[] want, float[] got, String what) {
        double scale = 0;
        for (float v : want) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < want.length; i++)
            assertEquals(want[i], got[i], 1e-4 * scale + 1e-6, what + "[" + i + "]");
    }
}
