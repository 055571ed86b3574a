package dev.trident.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static dev.trident.kernels.KernelAssert.assertClose;

class RopeKernelTest {
    @ParameterizedTest(name = "rows={0} heads={1} headDim={2} posStart={3} period={4} inverse={5}")
    @CsvSource({
            "1,1,2,0,1,false",
            "5,3,6,0,5,false",     // headDim 6: all tail
            "7,2,10,3,7,true",     // one vector + a pair of tail
            "9,4,16,0,3,false",    // period < rows (batched sequences)
            "6,1,34,2,6,true",
            "64,8,64,0,32,false",  // big enough for the worker pool
            "33,2,128,100,33,true"})
    void matchesReference(int rows, int heads, int headDim, int posStart, int period, boolean inverse) {
        RopeTable table = new RopeTable(headDim, 256, 10000.0);
        SplittableRandom rnd = new SplittableRandom(rows * 1000L + headDim);
        float[] x = KernelAssert.random(rnd, rows * heads * headDim, -2, 2);
        float[] want = x.clone(), got = x.clone();
        Reference.rope(want, rows, heads, headDim, posStart, period, table, inverse);
        RopeKernel.apply(got, rows, heads, headDim, posStart, period, table, inverse);
        assertClose("rope", want, got, 1e-6, 1e-5);
    }

    @Test
    void inverseUndoesForward() {
        int rows = 12, heads = 3, headDim = 18;
        RopeTable table = new RopeTable(headDim, 64, 500000.0);
        float[] x = KernelAssert.random(new SplittableRandom(2), rows * heads * headDim, -1, 1);
        float[] y = x.clone();
        RopeKernel.apply(y, rows, heads, headDim, 5, rows, table, false);
        RopeKernel.apply(y, rows, heads, headDim, 5, rows, table, true);
        assertClose("round trip", x, y, 1e-6, 1e-5);
    }

    /** The last positions of the table: the vector loads of cos/sin must not run past its end. */
    @Test
    void lastTablePositions() {
        for (int headDim : new int[] {2, 6, 16, 34, 64}) {
            int rows = 5, heads = 2;
            RopeTable table = new RopeTable(headDim, rows, 10000.0);
            float[] x = KernelAssert.random(new SplittableRandom(headDim), rows * heads * headDim, -1, 1);
            float[] want = x.clone(), got = x.clone();
            Reference.rope(want, rows, heads, headDim, 0, rows, table, false);
            RopeKernel.apply(got, rows, heads, headDim, 0, rows, table, false);
            assertClose("rope at table end, headDim " + headDim, want, got, 1e-6, 1e-5);
        }
    }
}
