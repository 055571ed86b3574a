package dev.trident.blt;

import dev.trident.blt.patch.Patcher;
import dev.trident.blt.patch.PatcherSpec;
import dev.trident.blt.patch.PatchingMode;
import dev.trident.blt.patch.PatchStats;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Patch boundaries of every rule on small hand-worked examples. */
class PatcherTest {
    private static final float N = Float.NaN;

    private static boolean[] b(String bits) {
        boolean[] r = new boolean[bits.length()];
        for (int i = 0; i < r.length; i++) r[i] = bits.charAt(i) == '1';
        return r;
    }

    private static PatcherSpec spec(PatchingMode m, double theta) {
        return new PatcherSpec(m, theta, 4, 0, false);
    }

    @Test
    void globalThreshold() {
        byte[] text = "abcdefgh".getBytes(StandardCharsets.US_ASCII);
        float[] h = {N, 0.5f, 2.5f, 0.1f, 3f, 2f, 2.1f, 0.2f};
        // H > 2: bytes 2, 4, 6 start patches (byte 0 always does).
        assertArrayEquals(b("10101010"), new Patcher(spec(PatchingMode.ENTROPY, 2.0)).flags(text, h));
    }

    @Test
    void approximateMonotonicity() {
        byte[] text = "abcdefgh".getBytes(StandardCharsets.US_ASCII);
        float[] h = {N, 0.5f, 2.5f, 0.1f, 3f, 2f, 2.1f, 0.2f};
        // H_i - H_{i-1} > 1: byte 2 (+2.0), byte 4 (+2.9); byte 6 rises only 0.1.
        assertArrayEquals(b("10101000"), new Patcher(spec(PatchingMode.MONOTONIC, 1.0)).flags(text, h));
    }

    @Test
    void spacePatchingStartsAfterTheFirstSpaceLikeByteOfARun() {
        byte[] text = "ab, cd e".getBytes(StandardCharsets.US_ASCII);
        // ',' ends "ab,"; the ' ' after it (a second space-like byte) ends nothing, so it opens " cd "; the ' '
        // after "cd" ends that patch: "ab," | " cd " | "e".
        assertArrayEquals(b("10010001"), new Patcher(spec(PatchingMode.SPACE, 0)).flags(text, new float[text.length]));
    }

    @Test
    void staticAndMaxLength() {
        byte[] text = new byte[9];
        float[] h = new float[9];
        assertArrayEquals(b("100100100"), new Patcher(new PatcherSpec(PatchingMode.STATIC, 0, 3, 0, false)).flags(text, h));
        // No entropy crosses 5, so only the length limit of 4 bytes cuts.
        assertArrayEquals(b("100010001"), new Patcher(new PatcherSpec(PatchingMode.ENTROPY, 5, 4, 4, false)).flags(text, h));
    }

    @Test
    void windowFlagsForceTheBoundaryPatchAndTheFirstByte() {
        byte[] text = "abcdefgh".getBytes(StandardCharsets.US_ASCII);
        float[] h = {N, 0.5f, 2.5f, 0.1f, 3f, 2f, 2.1f, 0.2f};
        boolean[] flags = new boolean[5]; // T = 4: positions 0 (boundary), 1..3 = bytes 2..4, 4 = byte 5
        new Patcher(spec(PatchingMode.ENTROPY, 2.0)).flags(text, h, 2, flags);
        // position k >= 2 is byte 2 + k - 1: byte 3 (0.1) no, byte 4 (3.0) yes, byte 5 (2.0) no.
        assertArrayEquals(b("11010"), flags);
    }

    @Test
    void layoutAlignsEachPredictionWithThePatchBeforeItsTarget() {
        // T = 6, flags over positions 0..6: patches {0} {1,2} {3} {4,5} and position 6 starts a new one.
        boolean[][] flags = {b("1101101")};
        PatchLayout l = PatchLayout.of(flags, 6, 2, 1);
        assertEquals(4, l.patchCount[0]);
        assertEquals(8, l.patches, "padded to a multiple of 8");
        // prediction at k targets position k+1: patch(k+1) = 1,1,2,3,3,4 -> reads patch 0,0,1,2,2,3
        assertArrayEquals(new int[]{0, 0, 1, 2, 2, 3}, l.decoderPatch);
        assertArrayEquals(new int[]{0, 1, 3, 4}, java.util.Arrays.copyOf(l.segFrom, 4));
        assertArrayEquals(new int[]{1, 3, 4, 6}, java.util.Arrays.copyOf(l.segTo, 4));
        for (int p = 4; p < 8; p++) assertEquals(l.segFrom[p], l.segTo[p], "padding patch " + p + " is empty");
        // k = 2 patch vectors per patch: the decoder row reads vectors [2q, 2q + 2)
        assertEquals(2, l.decLo[2]);
        assertEquals(4, l.decHi[2]);
        for (int k = 0; k < 6; k++) assertTrue(l.segTo[l.decoderPatch[k]] <= k + 1, "patch read at " + k + " ends after it");
    }

    @Test
    void calibrationHitsTheTargetPatchSize() {
        java.util.Random rng = new java.util.Random(3);
        byte[] text = new byte[20_000];
        float[] h = new float[text.length];
        for (int i = 0; i < h.length; i++) h[i] = (float) (rng.nextDouble() * 4);
        h[0] = N;
        for (double target : new double[]{2.5, 4.5, 6}) {
            PatcherSpec s = PatchStats.calibrate(spec(PatchingMode.ENTROPY, 0).withTarget(target), text, h, 100);
            double got = PatchStats.meanPatchSize(new Patcher(s), text, h, 100);
            assertEquals(target, got, 0.05 * target, "calibrated threshold " + s.threshold());
        }
    }
}
