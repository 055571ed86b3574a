package dev.trident.kernels.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The vector shapes the quantized kernels are written for: 256-bit (AVX2: 8 floats, 32 bytes), which a block of 32
 * weights fills exactly. On AVX-512 these still compile to ymm code; on 128-bit-only machines they would not be
 * intrinsified (a future 128-bit variant would be needed there).
 */
final class Lanes {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    static final VectorSpecies<Short> S128 = ShortVector.SPECIES_128;
    static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_64;
    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Lanes() {}

    /** 8 signed bytes at {@code off} as 8 floats. */
    static FloatVector bytesToFloats(MemorySegment s, long off) {
        return (FloatVector) ByteVector.fromMemorySegment(B64, s, off, LE).convertShape(VectorOperators.B2F, F, 0);
    }

    /** 8 byte lanes (values 0..255 or signed, as the caller arranged) as 8 floats. */
    static FloatVector toFloats(ByteVector v) {
        return (FloatVector) v.convertShape(VectorOperators.B2F, F, 0);
    }

    /** 16 byte lanes sign-extended to 16 shorts. */
    static ShortVector toShorts(ByteVector v16) {
        return (ShortVector) v16.convertShape(VectorOperators.B2S, S, 0);
    }

    /**
     * Sum of adjacent short pairs as 8 ints, without a cross-lane shuffle: viewed as ints, each lane holds
     * {@code hi << 16 | lo & 0xFFFF}; arithmetic shifts recover both halves.
     */
    static IntVector pairSums(ShortVector p) {
        IntVector v = p.reinterpretAsInts();
        return v.lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
    }
}
