package dev.trident.quant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every one of the 2^32 float bit patterns through the E4M3 and E5M2 encoders (scalar and vector) against the
 * slow reference. Takes a couple of minutes on 2 cores, so it only runs when asked:
 * {@code TRIDENT_FULL_SWEEP=1 ./mvnw -q -o test -pl trident-core -Dtest=CodecFullSweepTest}.
 */
@EnabledIfEnvironmentVariable(named = "TRIDENT_FULL_SWEEP", matches = "1")
class CodecFullSweepTest {
    @Test
    void e4m3AllFloats() {
        sweep(Fp8E4M3.FORMAT);
    }

    @Test
    void e5m2AllFloats() {
        sweep(Fp8E5M2.FORMAT);
    }

    private static void sweep(Minifloat f) {
        MinifloatReference ref = new MinifloatReference(f);
        AtomicLong bad = new AtomicLong();
        AtomicLong firstBad = new AtomicLong(-1);
        IntStream.range(0, 1 << 16).parallel().forEach(hi -> {
            float[] x = new float[1 << 16];
            byte[] codes = new byte[1 << 16];
            for (int lo = 0; lo < x.length; lo++) x[lo] = Float.intBitsToFloat(hi << 16 | lo);
            f.encode(x, 0, codes, 0, x.length, true);
            for (int lo = 0; lo < x.length; lo++) {
                if (Float.isInfinite(x[lo]) && f.hasInf) continue; // infinities stay infinities (tested elsewhere)
                int want = ref.encode(x[lo]);
                if ((codes[lo] & 0xFF) != want || f.encode(x[lo], true) != want) {
                    bad.incrementAndGet();
                    firstBad.compareAndSet(-1, (hi << 16 | lo) & 0xFFFFFFFFL);
                }
            }
        });
        assertEquals(0, bad.get(), () -> "mismatches; first at bits 0x" + Long.toHexString(firstBad.get()));
    }
}
