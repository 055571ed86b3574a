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
}
