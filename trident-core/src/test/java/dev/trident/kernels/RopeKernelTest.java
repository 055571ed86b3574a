package dev.trident.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static dev.trident.kernels.KernelAssert.assertClose;

class RopeKernelTest {
    @ParameterizedTest(name = "rows={0} heads={1} headDim={2} posStart={3} period={4} inverse={5} {6}")
    @CsvSource({
            "1,1,2,0,1,false,ADJACENT",
            "5,3,6,0,5,false,ADJACENT",     // headDim 6: all tail
            "7,2,10,3,7,true,ADJACENT",     // one vector + a pair of tail
            "9,4,16,0,3,false,ADJACENT",    // period < rows (batched sequences)
            "6,1,34,2,6,true,ADJACENT",
            "64,8,64,0,32,false,ADJACENT",  // big enough for the worker pool
            "33,2,128,100,33,true,ADJACENT",
            "1,1,2,0,1,false,HALVES",
            "5,3,6,0,5,true,HALVES",        // half 3: all tail
            "7,2,18,3,7,false,HALVES",      // half 9: one vector + a tail of one
            "9,4,16,0,3,true,HALVES",       // half 8: exactly one vector
            "6,1,34,2,6,false,HALVES",
            "64,8,64,0,32,true,HALVES",
            "33,2,128,100,33,false,HALVES"})
    void matchesReference(int rows, int heads, int headDim, int posStart, int period, boolean inverse, RopePairing pairing) {
        RopeTable table = new RopeTable(headDim, 256, 10000.0, pairing);
        SplittableRandom rnd = new SplittableRandom(rows * 1000L + headDim);
        float[] x = KernelAssert.random(rnd, rows * heads * headDim, -2, 2);
        float[] want = x.clone(), got = x.clone();
        Reference.rope(want, rows, heads, headDim, posStart, period, table, inverse);
        RopeKernel.apply(got, rows, heads, headDim, posStart, period, table, inverse);
        assertClose("rope", want, got, 1e-6, 1e-5);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(RopePairing.class)
    void inverseUndoesForward(RopePairing pairing) {
        int rows = 12, heads = 3, headDim = 18;
        RopeTable table = new RopeTable(headDim, 64, 500000.0, pairing);
        float[] x = KernelAssert.random(new SplittableRandom(2), rows * heads * headDim, -1, 1);
        float[] y = x.clone();
        RopeKernel.apply(y, rows, heads, headDim, 5, rows, table, false);
        RopeKernel.apply(y, rows, heads, headDim, 5, rows, table, true);
        assertClose("round trip", x, y, 1e-6, 1e-5);
    }

    /**
     * HALVES is Hugging Face's rotate_half: x * cos(emb) + rotate_half(x) * sin(emb), emb = [freqs ; freqs],
     * rotate_half(x) = [-x2 ; x1]; computed here in double straight from that formula.
     */
    @Test
    void halvesIsRotateHalf() {
        int rows = 7, heads = 3, d = 20, half = d / 2;
        double theta = 10000;
        RopeTable table = new RopeTable(d, rows, theta, RopePairing.HALVES);
        float[] x = KernelAssert.random(new SplittableRandom(3), rows * heads * d, -1, 1);
        float[] want = new float[x.length], got = x.clone();
        for (int r = 0; r < rows; r++)
            for (int h = 0; h < heads; h++)
                for (int j = 0; j < d; j++) {
                    int base = (r * heads + h) * d;
                    double angle = r * Math.pow(theta, -2.0 * (j % half) / d);
                    double rot = j < half ? -x[base + j + half] : x[base + j - half];
                    want[base + j] = (float) (x[base + j] * Math.cos(angle) + rot * Math.sin(angle));
                }
        RopeKernel.apply(got, rows, heads, d, 0, rows, table, false);
        assertClose("rotate_half", want, got, 1e-6, 1e-5);
    }

    /**
     * The table computes rows as positions are first asked for: whatever order they are asked in, far beyond the
     * first rows or back again, every angle is cos/sin of pos * theta^(-2i/d), and the kernel rotating rows far out
     * (growing the table itself) gives the formula's result.
     */
    @Test
    void tableGrowsOnDemandWithTheSameAngles() {
        int d = 12, max = 5000;
        double theta = 10000;
        RopeTable table = new RopeTable(d, max, theta, RopePairing.HALVES);
        for (int pos : new int[] {3000, 10, 4999, 255, 256, 1023}) {
            for (int i = 0; i < d / 2; i++) {
                double angle = pos * Math.pow(theta, -2.0 * i / d);
                if (Math.abs(table.cos(pos, i) - Math.cos(angle)) > 1e-6 || Math.abs(table.sin(pos, i) - Math.sin(angle)) > 1e-6)
                    throw new AssertionError("position " + pos + ", pair " + i);
            }
        }
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class, () -> table.cos(max, 0));

        int rows = 3, heads = 2, half = d / 2, start = 4000;
        RopeTable fresh = new RopeTable(d, max, theta, RopePairing.HALVES);
        float[] x = KernelAssert.random(new SplittableRandom(5), rows * heads * d, -1, 1);
        float[] want = new float[x.length], got = x.clone();
        for (int r = 0; r < rows; r++)
            for (int h = 0; h < heads; h++)
                for (int j = 0; j < d; j++) {
                    int base = (r * heads + h) * d;
                    double angle = (start + r) * Math.pow(theta, -2.0 * (j % half) / d);
                    double rot = j < half ? -x[base + j + half] : x[base + j - half];
                    want[base + j] = (float) (x[base + j] * Math.cos(angle) + rot * Math.sin(angle));
                }
        RopeKernel.apply(got, rows, heads, d, start, rows, fresh, false);
        assertClose("rows at positions 4000-4002", want, got, 1e-5, 1e-4);
    }

    /** The two pairings are one rotation up to the permutation RopePairing.toAdjacent of each head's coordinates. */
    @Test
    void halvesIsAdjacentUnderThePermutation() {
        int rows = 5, heads = 2, d = 22;
        float[] x = KernelAssert.random(new SplittableRandom(4), rows * heads * d, -1, 1);
        float[] halves = x.clone(), adjacent = new float[x.length];
        for (int v = 0; v < rows * heads; v++)
            for (int j = 0; j < d; j++) adjacent[v * d + RopePairing.HALVES.toAdjacent(j, d)] = x[v * d + j];
        RopeKernel.apply(halves, rows, heads, d, 3, rows, new RopeTable(d, 16, 500000.0, RopePairing.HALVES), false);
        RopeKernel.apply(adjacent, rows, heads, d, 3, rows, new RopeTable(d, 16, 500000.0), false);
        float[] back = new float[x.length];
        for (int v = 0; v < rows * heads; v++)
            for (int j = 0; j < d; j++) back[v * d + j] = adjacent[v * d + RopePairing.HALVES.toAdjacent(j, d)];
        assertClose("permuted", back, halves, 1e-6, 1e-5);
    }

    /** The last positions of the table: the vector loads of cos/sin must not run past its end. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(RopePairing.class)
    void lastTablePositions(RopePairing pairing) {
        for (int headDim : new int[] {2, 6, 16, 34, 64}) {
            int rows = 5, heads = 2;
            RopeTable table = new RopeTable(headDim, rows, 10000.0, pairing);
            float[] x = KernelAssert.random(new SplittableRandom(headDim), rows * heads * headDim, -1, 1);
            float[] want = x.clone(), got = x.clone();
            Reference.rope(want, rows, heads, headDim, 0, rows, table, false);
            RopeKernel.apply(got, rows, heads, headDim, 0, rows, table, false);
            assertClose("rope at table end, headDim " + headDim, want, got, 1e-6, 1e-5);
        }
    }
}
