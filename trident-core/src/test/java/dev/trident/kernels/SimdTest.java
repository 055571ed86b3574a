package dev.trident.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class SimdTest {
    @Test
    void preferredSpeciesIsWiderThanOneLane() {
        assertTrue(Simd.LANES >= 4, "Vector API species has " + Simd.LANES + " lanes");
    }
}
