package dev.trident.blt;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class HashNgramsTest {
    private static final BigInteger P = BigInteger.valueOf(1_000_000_007L), M = BigInteger.valueOf((1L << 31) - 1);

    /** (t0 + t1 p + t2 p^2 + ...) mod (2^31 - 1) mod rows, in exact arithmetic. */
    private static int byHand(int rows, int... t) {
        BigInteger s = BigInteger.ZERO;
        for (int j = 0; j < t.length; j++) s = s.add(BigInteger.valueOf(t[j]).multiply(P.pow(j)));
        return s.mod(M).mod(BigInteger.valueOf(rows)).intValue();
    }

    @Test
    void trigramOfAbc() {
        // "abc" = 97, 98, 99: 97 + 98 p + 99 p^2 = 99000000693000001309... mod 2^31-1 = 2093244349, mod 1000 = 349.
        int[] tokens = {97, 98, 99};
        assertEquals(349, byHand(1000, 97, 98, 99));
        assertEquals(349, HashNgrams.hash(tokens, 0, 2, 3, 0, 1000));
    }

    @Test
    void positionsBeforeTheWindowReadAsTheBoundaryToken() {
        int[] tokens = {97, 98, 99};
        assertEquals(byHand(1000, 256, 256, 97), HashNgrams.hash(tokens, 0, 0, 3, 0, 1000));
        assertEquals(74, HashNgrams.hash(tokens, 0, 0, 3, 0, 1000));
        // The window starts at `from`: what lies before it in the array is not read.
        int[] shifted = {5, 6, 97, 98, 99};
        assertEquals(HashNgrams.hash(tokens, 0, 1, 4, 0, 4096), HashNgrams.hash(shifted, 2, 1, 4, 0, 4096));
    }

    @Test
    void idsLayOutOneTablePerNgramSizeAndFunction() {
        HashSpec spec = new HashSpec(3, 4, 4096, 2);
        int[] tokens = {256, 97, 98, 99, 256, 1, 2, 3}; // two windows of 4
        int[][] ids = HashNgrams.ids(tokens, 2, 4, spec);
        assertEquals(1 + 4, ids.length);
        assertArrayEquals(tokens, ids[0]);
        // table 1 + (n - 3) * 2 + f; n = 4, f = 0 at position 3 of window 0: (256, 97, 98, 99)
        assertEquals(byHand(4096, 256, 97, 98, 99), ids[1 + 2][3]);
        assertEquals(3081, byHand(4096, 97, 98, 99, 100));
        // window 1 position 1: n = 3 reads (pad, 256, 1)
        assertEquals(byHand(4096, 256, 256, 1), ids[1][5]);
    }
}
