package dev.trident.quant;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Exhaustive over every code (256 for FP8, 65,536 for F16/BF16), and over a strided subset of all 2^32 float bit
 * patterns plus every boundary and tie for float -> code. The full 2^32 sweep is {@link CodecFullSweepTest}.
 */
class CodecTest {
    /** Every float pattern with this stride (prime, so all exponents and mantissa bit mixes get visited): ~430k. */
    static final int STRIDE = 9973;

    @Test
    void e4m3ConstantsAndSpecials() {
        assertEquals(448f, Fp8E4M3.decode((byte) 0x7E));
        assertEquals(-448f, Fp8E4M3.decode((byte) 0xFE));
        assertTrue(Float.isNaN(Fp8E4M3.decode((byte) 0x7F)));
        assertTrue(Float.isNaN(Fp8E4M3.decode((byte) 0xFF)));
        assertEquals(0x1p-9f, Fp8E4M3.decode((byte) 0x01));
        assertEquals(0x1p-6f, Fp8E4M3.decode((byte) 0x08));
        assertEquals(0x7E, Fp8E4M3.encode(1e9f));
        assertEquals((byte) 0xFE, Fp8E4M3.encode(Float.NEGATIVE_INFINITY));
        assertEquals(0x7E, Fp8E4M3.encode(Float.POSITIVE_INFINITY));
        assertEquals(0x7F, Fp8E4M3.encode(Float.NaN));
        assertEquals(0x7E, Fp8E4M3.encode(464f)); // the tie above 448 would round to 480: saturates
        assertEquals(0x7E, Fp8E4M3.encode(Float.MAX_VALUE));
        assertEquals((byte) 0x80, Fp8E4M3.encode(-0f));
        assertEquals(0x00, Fp8E4M3.encode(0x1p-10f));        // tie between 0 and 2^-9: to even (0)
        assertEquals(0x02, Fp8E4M3.encode(0x1.8p-9f * 1f));  // 1.5 * 2^-9: tie between 1 and 2: to even (2)
        assertEquals(0x38, Fp8E4M3.encode(1f));
    }

    @Test
    void e5m2ConstantsAndSpecials() {
        assertEquals(57344f, Fp8E5M2.decode((byte) 0x7B));
        assertEquals(Float.POSITIVE_INFINITY, Fp8E5M2.decode((byte) 0x7C));
        assertEquals(Float.NEGATIVE_INFINITY, Fp8E5M2.decode((byte) 0xFC));
        for (int c : new int[]{0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF}) assertTrue(Float.isNaN(Fp8E5M2.decode((byte) c)));
        assertEquals(0x1p-16f, Fp8E5M2.decode((byte) 0x01));
        assertEquals(0x7B, Fp8E5M2.encode(1e9f));
        assertEquals(0x7C, Fp8E5M2.encode(Float.POSITIVE_INFINITY));
        assertEquals((byte) 0xFC, Fp8E5M2.encode(Float.NEGATIVE_INFINITY));
        assertEquals(Fp8E5M2.NAN, Fp8E5M2.encode(Float.NaN));
    }

    @Test
    void fp8EveryCodeRoundTrips() {
        for (Minifloat f : new Minifloat[]{Fp8E4M3.FORMAT, Fp8E5M2.FORMAT}) {
            for (int c = 0; c < 256; c++) {
                float v = f.decode(c);
                if (Float.isNaN(v)) continue;
                assertEquals(c, f.encode(v, false) & 0xFF, "code " + c);
                assertEquals(c, f.encode(v, true) & 0xFF, "code " + c);
            }
        }
        for (int c = 0; c < 256; c++) {
            float e4 = Fp8E4M3.decode((byte) c), e5 = Fp8E5M2.decode((byte) c);
            if (!Float.isNaN(e4)) assertEquals(c, Fp8E4M3.encode(e4) & 0xFF);
            if (!Float.isNaN(e5)) assertEquals(c, Fp8E5M2.encode(e5) & 0xFF);
        }
        // exactly one NaN pattern per sign in E4M3
        int nans = 0;
        for (int c = 0; c < 256; c++) if (Float.isNaN(Fp8E4M3.decode((byte) c))) nans++;
        assertEquals(2, nans);
    }

    @Test
    void fp8DecodeMatchesReferenceValues() {
        for (Minifloat f : new Minifloat[]{Fp8E4M3.FORMAT, Fp8E5M2.FORMAT}) {
            MinifloatReference ref = new MinifloatReference(f);
            for (int k = 0; k <= f.maxFinite; k++) {
                assertEquals(ref.value(k), f.decode(k), 0.0, "code " + k);
                assertEquals(-ref.value(k), f.decode(k | f.signBit), 0.0, "code -" + k);
            }
        }
    }

    @Test
    void fp8EncodeStridedSweepMatchesReference() {
        for (Minifloat f : new Minifloat[]{Fp8E4M3.FORMAT, Fp8E5M2.FORMAT}) {
            MinifloatReference ref = new MinifloatReference(f);
            for (long bits = 0; bits < (1L << 32); bits += STRIDE) {
                float x = Float.intBitsToFloat((int) bits);
                int want = ref.encode(x), got = f.encode(x, true);
                if (want != got) fail(String.format("%s: x=%s (0x%08x): want 0x%02x got 0x%02x", f.expBits == 4 ? "E4M3" : "E5M2", x, bits, want, got));
            }
        }
    }

    /** Every code, every midpoint between neighbours (the ties), and one float either side of each. */
    static float[] boundaryCases(Minifloat f) {
        MinifloatReference ref = new MinifloatReference(f);
        List<Float> xs = new ArrayList<>();
        for (int k = 0; k <= f.maxFinite; k++) {
            double v = ref.value(k);
            double next = k < f.maxFinite ? ref.value(k + 1) : v + (v - ref.value(k - 1)); // beyond max: the overflow tie
            float mid = (float) ((v + next) / 2); // exact in float: a few more bits than the format
            for (float x : new float[]{(float) v, mid, Math.nextUp(mid), Math.nextDown(mid), Math.nextUp((float) v), Math.nextDown((float) v)}) {
                xs.add(x);
                xs.add(-x);
            }
        }
        xs.add(Float.MIN_VALUE);
        xs.add(Float.MIN_NORMAL);
        xs.add(Float.MAX_VALUE);
        xs.add(Float.POSITIVE_INFINITY);
        xs.add(Float.NEGATIVE_INFINITY);
        xs.add(Float.NaN);
        float[] out = new float[xs.size()];
        for (int i = 0; i < out.length; i++) out[i] = xs.get(i);
        return out;
    }

    @Test
    void fp8EncodeBoundariesAndTiesMatchReference() {
        for (Minifloat f : new Minifloat[]{Fp8E4M3.FORMAT, Fp8E5M2.FORMAT}) {
            MinifloatReference ref = new MinifloatReference(f);
            for (float x : boundaryCases(f)) {
                if (Float.isInfinite(x) && f.hasInf) continue; // E5M2 keeps infinities; checked above
                assertEquals(ref.encode(x), f.encode(x, true), () -> "x=" + x);
            }
        }
    }

    @Test
    void vectorCodecsMatchScalarOnOddLengths() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int n : new int[]{1, 7, 8, 9, 31, 1000, 4099}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = switch (rnd.nextInt(4)) {
                    case 0 -> Float.intBitsToFloat(rnd.nextInt());       // anything, NaN and inf included
                    case 1 -> (float) (rnd.nextGaussian() * 100);
                    case 2 -> (float) (rnd.nextGaussian() * 1e-3);
                    default -> (float) (rnd.nextGaussian() * 1e5);
                };
            }
            byte[] b = new byte[n + 3];
            short[] s = new short[n + 3];
            float[] back = new float[n + 3];
            Fp8E4M3.encode(x, 0, b, 3, n);
            Fp8E4M3.decode(b, 3, back, 3, n);
            for (int i = 0; i < n; i++) {
                assertEquals(Fp8E4M3.encode(x[i]), b[3 + i], "E4M3 encode " + x[i]);
                assertEquals(Fp8E4M3.decode(b[3 + i]), back[3 + i], "E4M3 decode");
            }
            Fp8E5M2.encode(x, 0, b, 3, n);
            Fp8E5M2.decode(b, 3, back, 3, n);
            for (int i = 0; i < n; i++) {
                assertEquals(Fp8E5M2.encode(x[i]), b[3 + i], "E5M2 encode " + x[i]);
                assertEquals(Fp8E5M2.decode(b[3 + i]), back[3 + i], "E5M2 decode");
            }
            Float16.encode(x, 0, s, 3, n);
            Float16.decode(s, 3, back, 3, n);
            for (int i = 0; i < n; i++) {
                assertEquals(Float16.encode(x[i]), s[3 + i], "F16 encode " + x[i]);
                assertEquals(Float16.decode(s[3 + i]), back[3 + i], "F16 decode");
            }
            Float16.encodeSaturating(x, 0, s, 3, n);
            for (int i = 0; i < n; i++) assertEquals(Float16.encodeSaturating(x[i]), s[3 + i], "F16 sat " + x[i]);
            BFloat16.encode(x, 0, s, 3, n);
            BFloat16.decode(s, 3, back, 3, n);
            for (int i = 0; i < n; i++) {
                assertEquals(BFloat16.encode(x[i]), s[3 + i], "BF16 encode " + x[i]);
                assertEquals(BFloat16.decode(s[3 + i]), back[3 + i], "BF16 decode");
            }
        }
    }

    @Test
    void f16EveryCodeRoundTripsAndMatchesJdk() {
        for (int c = 0; c < 65536; c++) {
            float v = Float16.decode((short) c);
            float jdk = Float.float16ToFloat((short) c);
            if (Float.isNaN(jdk)) {
                assertTrue(Float.isNaN(v), "code " + c);
                continue;
            }
            assertEquals(Float.floatToRawIntBits(jdk), Float.floatToRawIntBits(v), "code " + c);
            assertEquals((short) c, Float16.encode(v), "code " + c);
            assertEquals((short) c, Float16.encodeSaturating(v), "code " + c);
        }
    }

    @Test
    void f16EncodeMatchesJdkOnStridedSweepAndBoundaries() {
        // Float.floatToFloat16 is IEEE RNE (and what F16C does); GGUF scales must match it bit for bit.
        for (long bits = 0; bits < (1L << 32); bits += STRIDE) checkF16(Float.intBitsToFloat((int) bits));
        for (float x : boundaryCases(Float16.FORMAT)) checkF16(x);
        assertEquals((short) 0x7BFF, Float16.encodeSaturating(1e6f));
        assertEquals((short) 0x7C00, Float16.encode(1e6f));
        assertEquals((short) 0x7C00, Float16.encode(65520f)); // tie between max and the next binade: to even = inf
        assertEquals((short) 0x7BFF, Float16.encode(Math.nextDown(65520f)));
    }

    private static void checkF16(float x) {
        if (Float.isNaN(x)) {
            assertTrue(Float.isNaN(Float16.decode(Float16.encode(x))));
            return;
        }
        short want = Float.floatToFloat16(x);
        assertEquals(want, Float16.encode(x), () -> "x=" + x);
        short sat = (want & 0x7FFF) == 0x7C00 && !Float.isInfinite(x) ? (short) (want & 0x8000 | 0x7BFF) : want;
        assertEquals(sat, Float16.encodeSaturating(x), () -> "sat x=" + x);
    }

    @Test
    void bf16EveryCodeRoundTripsAndRoundsToNearestEven() {
        for (int c = 0; c < 65536; c++) {
            float v = BFloat16.decode((short) c);
            if (Float.isNaN(v)) {
                assertTrue(Float.isNaN(BFloat16.decode(BFloat16.encode(v))));
                continue;
            }
            assertEquals((short) c, BFloat16.encode(v), "code " + c);
            assertEquals((short) c, BFloat16.encodeSaturating(v), "code " + c);
        }
        for (long bits = 0; bits < (1L << 32); bits += STRIDE) {
            float x = Float.intBitsToFloat((int) bits);
            if (Float.isNaN(x)) continue;
            assertEquals(bf16Reference(x), BFloat16.encode(x), () -> "x=" + x);
        }
        assertEquals((short) 0x3F80, BFloat16.encode(Float.intBitsToFloat(0x3F808000))); // tie: to even (down)
        assertEquals((short) 0x3F82, BFloat16.encode(Float.intBitsToFloat(0x3F818000))); // tie: to even (up)
        assertEquals((short) 0x7F80, BFloat16.encode(Float.MAX_VALUE));
        assertEquals((short) 0x7F7F, BFloat16.encodeSaturating(Float.MAX_VALUE));
    }

    /** Nearest by comparing distances to the two truncation neighbours, in double. */
    private static short bf16Reference(float x) {
        int b = Float.floatToRawIntBits(x);
        int down = b & 0xFFFF0000;
        int up = down + 0x10000;
        double dx = x, dDown = Math.abs(dx - Float.intBitsToFloat(down));
        float upF = Float.intBitsToFloat(up);
        double upD = Float.isInfinite(upF) ? Math.copySign(Math.scalb(1.0, 128), dx) : upF;
        double dUp = Math.abs(upD - dx);
        int pick = dDown < dUp ? down : dUp < dDown ? up : ((down >>> 16) & 1) == 0 ? down : up;
        return (short) (pick >>> 16);
    }
}
