package dev.trident.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** The preferred SIMD shape on this machine, and a loud check that the Vector API really compiles to SIMD. */
public final class Simd {
    static {
        // Runs before F below: without the module F's initializer throws NoClassDefFoundError; tell the user why.
        SimdCheck.warnIfModuleMissing();
    }

    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    public static final int LANES = F.length();

    private Simd() {}

    /**
     * Checks that the Vector API will run as real SIMD code here (module enabled, at least 4 float lanes, JIT
     * with C2 on). If not, prints one loud line on stderr saying what is wrong and how to fix it. Call at start-up.
     *
     * @return the warning printed, or null if all is well
     */
    public static String checkOrWarn() {
        String problem = SimdCheck.diagnoseThisJvm(() -> LANES);
        if (problem != null) System.err.println(problem);
        return problem;
    }
}
