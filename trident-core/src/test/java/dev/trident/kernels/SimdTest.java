package dev.trident.kernels;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimdTest {
    @Test
    void preferredSpeciesIsWiderThanOneLane() {
        assertTrue(Simd.LANES >= 4, "Vector API species has " + Simd.LANES + " lanes");
    }

    @Test
    void thisTestJvmIsFine() {
        assertNull(Simd.checkOrWarn());
    }

    @Test
    void healthyJvmHasNoWarning() {
        assertNull(SimdCheck.diagnose(8, List.of("--add-modules=jdk.incubator.vector", "-Xmx4g"), "mixed mode"));
    }

    @Test
    void missingModuleIsReportedWithTheFix() {
        String w = SimdCheck.diagnose(-1, List.of(), "mixed mode");
        assertTrue(w != null && w.contains("--add-modules=jdk.incubator.vector"), w);
    }

    @Test
    void narrowSpeciesIsReported() {
        String w = SimdCheck.diagnose(2, List.of(), "mixed mode");
        assertTrue(w != null && w.contains("2 float lane"), w);
    }

    @Test
    void interpreterOnlyIsReported() {
        assertTrue(SimdCheck.diagnose(8, List.of("-Xint"), "interpreted mode").contains("-Xint"));
        assertTrue(SimdCheck.diagnose(8, List.of(), "interpreted mode, sharing").contains("interpreter-only"));
    }

    @Test
    void c1OnlyIsReported() {
        String w = SimdCheck.diagnose(8, List.of("-XX:TieredStopAtLevel=1"), "mixed mode");
        assertTrue(w != null && w.contains("C2"), w);
        assertNull(SimdCheck.diagnose(8, List.of("-XX:TieredStopAtLevel=4"), "mixed mode"));
    }

    @Test
    void warningIsOneLine() {
        String w = SimdCheck.diagnose(-1, List.of("-Xint", "-XX:TieredStopAtLevel=1"), "interpreted mode");
        assertTrue(w.startsWith("TRIDENT WARNING") && !w.contains("\n"), w);
    }
}
