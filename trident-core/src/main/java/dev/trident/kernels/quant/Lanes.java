package dev.trident.kernels.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteOrder;

/**
 * The vector shapes the quantized kernels are written for: the machine's preferred width (AVX-512: 16 floats; AVX2:
 * 8), or 256 bits where the preferred shape is narrower (still correct there, just not fast). Each kernel widens
 * bytes to shorts or ints of the same total width, so it needs byte vectors of a half and a quarter of that width.
 */
final class Lanes {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() >= 8 ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_256;
    /** Floats (and ints) per vector: 16 or 8. A Q8_0 block of 32 is 32 / L float vectors. */
    static final int L = F.length();
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.length() == L ? IntVector.SPECIES_PREFERRED : IntVector.SPECIES_256;
    /** L shorts: half the width; widened to L ints. */
    static final VectorSpecies<Short> SH = ShortVector.SPECIES_256.length() == L ? ShortVector.SPECIES_256 : ShortVector.SPECIES_128;
    /** 2L shorts: the full width. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 32));
    /** L bytes: a quarter of the width; widened to L shorts or L ints. */
    static final VectorSpecies<Byte> BQ = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    /** 2L bytes: half the width; widened to 2L shorts. */
    static final VectorSpecies<Byte> BH = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 16));
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Lanes() {}
}
